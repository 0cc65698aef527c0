import { useEffect, useRef, useState } from 'react';
import { useGet } from '../data.ts';
import { Loading } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { previewPath, type TemplatePreview, type TemplateSummary } from './types.ts';

/**
 * A template at full size in a modal dialog, as the sample contact Alex Morgan would get it:
 * the subject, then the email at desktop width or at a phone's 390 px (MJML stacks the columns).
 */
export function PreviewDialog({ template, onUse, canUse, onClose }: { template: TemplateSummary; canUse: boolean; onUse(): void; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [phone, setPhone] = useState(false);
  const q = useGet<TemplatePreview>(previewPath(template.id), { staleTime: 60_000 });
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const p = q.data;
  return (
    <dialog ref={ref} className="tpl-preview" aria-label={`${template.name} template preview`} onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <div className="card-head">
        <h2>{template.name}</h2>
        {template.channel === 'email' && (
          <div className="wizard-steps tpl-widths" role="group" aria-label="Preview width">
            <button type="button" className={phone ? '' : 'on'} aria-pressed={!phone} onClick={() => setPhone(false)}>Desktop</button>
            <button type="button" className={phone ? 'on' : ''} aria-pressed={phone} onClick={() => setPhone(true)}>Phone</button>
          </div>
        )}
      </div>
      <p className="muted small">As the sample contact Alex Morgan would get it; links go nowhere until you edit them.</p>
      <ErrorBanner error={q.error} />
      {q.isLoading ? <Loading what="Rendering the template" /> : p?.channel === 'sms' ? (
        <p className="tpl-sms-bubble large">{p.text}</p>
      ) : p ? (
        <>
          <p className="tpl-subject"><span className="muted">Subject:</span> {p.subject}</p>
          <iframe className={`preview tpl-full${phone ? ' phone' : ''}`} title={`${template.name}: preview`} sandbox="" srcDoc={p.html} referrerPolicy="no-referrer" />
        </>
      ) : null}
      <div className="actions tpl-dialog-actions">
        <button type="button" autoFocus onClick={onClose}>Close</button>
        {canUse && <button type="button" className="primary" onClick={onUse}>Use this template</button>}
      </div>
    </dialog>
  );
}
