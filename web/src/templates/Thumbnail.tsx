import { useEffect, useState } from 'react';
import { useGet } from '../data.ts';
import { previewPath, type TemplatePreview, type TemplateSummary } from './types.ts';

/** The width an email is designed for (MJML's mj-body); thumbnails show it scaled down. */
const EMAIL_WIDTH = 600;

/** Whether the element has come near the viewport (once true, stays true): previews load lazily. */
function useSeen(el: Element | null) {
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    if (!el || seen) return;
    if (typeof IntersectionObserver === 'undefined') return setSeen(true);
    const o = new IntersectionObserver((es) => es.some((e) => e.isIntersecting) && setSeen(true), { rootMargin: '300px' });
    o.observe(el);
    return () => o.disconnect();
  }, [el, seen]);
  return seen;
}

/** The element's inner size, followed as it changes (the card's, for the scale of its thumbnail). */
function useSize(el: HTMLElement | null) {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    if (!el) return;
    const read = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    read();
    const o = new ResizeObserver(read);
    o.observe(el);
    return () => o.disconnect();
  }, [el]);
  return size;
}

/**
 * A template's look, rendered by the server for a sample contact: an email at its desktop width
 * scaled to the card, in an iframe with an empty sandbox and out of the tab order; an SMS as a
 * message bubble. Fetched only when the card comes into view.
 */
export function Thumbnail({ template }: { template: TemplateSummary }) {
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  const seen = useSeen(el);
  const q = useGet<TemplatePreview>(seen ? previewPath(template.id) : null, { staleTime: 60_000 });
  const { width, height } = useSize(el);
  const scale = width / EMAIL_WIDTH;
  const p = q.data;
  return (
    <div ref={setEl} className={`tpl-thumb ${template.channel}`} data-testid="template-thumbnail">
      {q.error ? <span className="muted small">No preview: {(q.error as Error).message}</span>
        : !p ? <span className="muted small">Loading the preview…</span>
        : p.channel === 'sms' ? <p className="tpl-sms-bubble">{p.text}</p>
        : width > 0 && (
          <iframe
            title={`${template.name}: thumbnail`}
            sandbox=""
            srcDoc={p.html}
            loading="lazy"
            referrerPolicy="no-referrer"
            tabIndex={-1}
            inert
            aria-hidden="true"
            style={{ width: EMAIL_WIDTH, height: Math.ceil(height / scale), transform: `scale(${scale})` }}
          />
        )}
    </div>
  );
}
