import { liquidMarkers } from './engines.ts';

/**
 * Carries Liquid through tools that do not know it (MJML, html-to-text): every tag and output is
 * swapped for a numbered stand-in the tool keeps in place, then swapped back. Block tags such as
 * {% if %} can then sit anywhere, even between MJML elements, where raw text would be dropped.
 */
export interface Shielded {
  text: string;
  /** Puts the Liquid back; `missing` lists the markers the tool dropped. */
  restore(output: string): { text: string; missing: string[] };
}

/**
 * MJML turns comments into raw blocks kept in place (between rows, around columns, inside
 * mj-text) and leaves attribute values alone, so a comment is the stand-in. Newlines of the
 * marker are kept inside it so MJML's error line numbers still match the author's source.
 */
export function shieldForMjml(source: string): Shielded {
  let nonce = 'pq';
  while (source.includes(`${nonce}:`)) nonce += 'q';
  return shield(
    source,
    (i, marker) => `<!--${nonce}:${i}${marker.replace(/[^\n]/g, '')}-->`,
    new RegExp(`<!--\\s*${nonce}:(\\d+)\\s*-->`, 'g'),
  );
}

const OPEN = '\uE000';
const CLOSE = '\uE001';

/** Private-use characters survive html-to-text (not wrapped, case-mapped or entity-decoded). */
export function shieldForText(source: string): Shielded | null {
  if (source.includes(OPEN) || source.includes(CLOSE)) return null;
  return shield(source, (i) => `${OPEN}${i}${CLOSE}`, new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'));
}

function shield(source: string, standIn: (i: number, marker: string) => string, pattern: RegExp): Shielded {
  const markers = liquidMarkers(source);
  let text = '';
  let at = 0;
  markers.forEach((m, i) => {
    text += source.slice(at, m.begin) + standIn(i, m.text);
    at = m.end;
  });
  text += source.slice(at);
  return {
    text,
    restore(output) {
      const seen = new Set<number>();
      const restored = output.replace(pattern, (_, i: string) => {
        seen.add(Number(i));
        return markers[Number(i)]?.text ?? '';
      });
      return { text: restored, missing: markers.filter((_, i) => !seen.has(i)).map((m) => m.text) };
    },
  };
}
