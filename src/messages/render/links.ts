import type { Template } from 'liquidjs';
import { htmlEngine } from './engines.ts';
import type { CompiledEmail } from './email.ts';

// One pass over <a …> tags (quoted attribute values may contain '>'); no DOM per recipient.
export const A_TAG = /<a\s(?:[^>"']|"[^"]*"|'[^']*')*>/gi;
const HREF = /(\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;

/** Decides which http(s) links are tracked, e.g. `(url) => url !== vars.unsubscribe_url`. */
export type LinkFilter = (url: string) => boolean;

/**
 * Rewrites every tracked href (http or https, accepted by `track`) with `fn(url, index)`. Urls are
 * passed entity-decoded and written back escaped; `index` is the url's position in listLinks(html),
 * so the same url always gets the same index. mailto:, tel:, anchors and Liquid are left alone.
 */
export function rewriteLinks(html: string, fn: (url: string, index: number) => string, track?: LinkFilter): string {
  const indexes = new Map<string, number>();
  return html.replace(A_TAG, (tag) =>
    tag.replace(HREF, (whole, lead: string, dq?: string, sq?: string, bare?: string) => {
      const url = trackedUrl(dq ?? sq ?? bare ?? '', track);
      if (url === null) return whole;
      let index = indexes.get(url);
      if (index === undefined) indexes.set(url, (index = indexes.size));
      return `${lead}"${escapeAttr(fn(url, index))}"`;
    }),
  );
}

/** The distinct tracked urls, in document order. */
export function listLinks(html: string, track?: LinkFilter): string[] {
  const urls = new Set<string>();
  for (const href of hrefs(html)) {
    const url = trackedUrl(href, track);
    if (url !== null) urls.add(url);
  }
  return [...urls];
}

/** The open pixel goes last in the body, so a slow image never delays the visible content. */
export function injectOpenPixel(html: string, url: string): string {
  const pixel = `<img src="${escapeAttr(url)}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" />`;
  let at = html.lastIndexOf('</body>');
  if (at < 0) at = html.search(/<\/body\s*>(?![\s\S]*<\/body)/i);
  return at < 0 ? html + pixel : html.slice(0, at) + pixel + html.slice(at);
}

export interface InvalidUrl {
  href: string;
  reason: string;
}

/** Hrefs a recipient could not follow (campaign checklist). Liquid parts are checked once rendered. */
export function validateUrls(html: string): InvalidUrl[] {
  const out: InvalidUrl[] = [];
  const seen = new Set<string>();
  for (const href of hrefs(html)) {
    if (seen.has(href)) continue;
    seen.add(href);
    const reason = hrefProblem(href);
    if (reason) out.push({ href, reason });
  }
  return out;
}

/** True when the HTML template (source or compiled) uses `unsubscribe_url` anywhere. */
export function hasUnsubscribeLink(template: string | CompiledEmail): boolean {
  let parsed: Template[];
  if (typeof template === 'string') {
    try {
      parsed = htmlEngine.parse(template);
    } catch {
      return /\{[{%][^}]*\bunsubscribe_url\b/.test(template);
    }
  } else parsed = template.html;
  return htmlEngine.variablesSync(parsed).includes('unsubscribe_url');
}

function* hrefs(html: string): Generator<string> {
  for (const [tag] of html.matchAll(A_TAG)) {
    const m = HREF.exec(tag);
    if (m) yield m[2] ?? m[3] ?? m[4] ?? '';
  }
}

function trackedUrl(raw: string, track?: LinkFilter): string | null {
  const url = decodeEntities(raw.trim());
  if (!/^https?:\/\/[^\s{]/i.test(url)) return null;
  return !track || track(url) ? url : null;
}

const LIQUID = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;

function hrefProblem(raw: string): string | null {
  const decoded = decodeEntities(raw).trim();
  if (decoded === '') return 'empty link';
  if (decoded.startsWith('{{') || decoded.startsWith('{%')) return null; // known only once rendered
  if (decoded.startsWith('#')) return null;
  const hasLiquid = decoded.includes('{{') || decoded.includes('{%');
  const href = decoded.replace(LIQUID, 'x');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(href)?.[1]?.toLowerCase();
  if (!scheme) return 'relative link: a recipient has no base address to resolve it';
  if (scheme === 'mailto' || scheme === 'tel' || scheme === 'sms') return href.length > scheme.length + 1 ? null : `empty ${scheme}: link`;
  if (scheme !== 'http' && scheme !== 'https') return `unsupported scheme ${scheme}:`;
  if (/\s/.test(href)) return 'contains spaces';
  let host: string;
  try {
    host = new URL(href).hostname;
  } catch {
    return 'malformed url';
  }
  if (!hasLiquid && !host.includes('.') && !host.startsWith('[')) return `host ${host || '(none)'} is not a domain name`;
  return null;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] !== '#') return NAMED[e.toLowerCase()] ?? m;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
}
