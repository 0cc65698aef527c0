import { compile } from 'html-to-text';
import { shieldForText } from './protect.ts';

/**
 * Links stay as "text [url]"; images and layout noise go. No word wrapping: the text template is
 * built once with Liquid stand-ins, so wrap points would be wrong after personalization, and SMTP
 * encodes long lines anyway.
 */
const toText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'span.preheader', format: 'skip' }, // inbox preview text, not content
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((selector) => ({ selector, options: { uppercase: false } })),
  ],
});

/** Per-recipient conversion costs 5–8 Liquid renders (bench/render.ts), so only the fallback uses it. */
export function htmlToText(html: string): string {
  return tidyText(toText(html));
}

/** Blank runs left by false {% if %} blocks collapse to one empty line. */
export function tidyText(text: string): string {
  return text.replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * The text part as a Liquid template, converted once from the Liquid-bearing HTML: rendering it
 * per recipient costs a Liquid render instead of an HTML parse. Null when a Liquid tag was lost
 * (e.g. inside an HTML comment): the text would then show what the HTML hides.
 */
export function textTemplateFrom(htmlSource: string): string | null {
  const shielded = shieldForText(htmlSource);
  if (!shielded) return null;
  const { text, missing } = shielded.restore(toText(shielded.text));
  if (missing.some((m) => m.startsWith('{%'))) return null;
  return text.replace(TAG_LINE, '$1');
}

// html-to-text puts a tag between blocks on its own line, which would print an empty line on
// every pass of a loop: such a line is glued to the next one instead.
const TAG_LINE = /^[ \t]*((?:\{%(?:[^%]|%(?!\}))*%\}[ \t]*)+)\n/gm;
