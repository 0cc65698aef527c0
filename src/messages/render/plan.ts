import { TokenKind, type Output, type Template } from 'liquidjs';
import { htmlEngine, renderScope, textEngine, type RenderVars } from './engines.ts';
import { compileOutputs, type Outputs } from './outputs.ts';
import type { CompiledEmail, RenderedEmail } from './email.ts';
import { A_TAG, injectOpenPixel, rewriteLinks } from './links.ts';
import { htmlToText, tidyText } from './text-part.ts';

/**
 * What the sender does per recipient, done once per message version: renderEmail, then every
 * link rewritten and the open pixel injected for one delivery. Most messages are static text with
 * Liquid outputs; their links and pixel are rewritten once, leaving per recipient only each
 * distinct output evaluated once and the delivery token put in. The result is byte for byte the
 * slow path's: test/render-plan.test.ts checks it, and whatever this cannot prove falls back to it.
 */
export interface Tracking {
  /** The href a tracked url gets in the message of the delivery `token` (as rewriteLinks' fn). */
  link(url: string, token: string): string;
  /** The open pixel's url for the delivery `token`. */
  pixel(token: string): string;
}

// Stand-ins in the skeleton: an output, a tag built around outputs, the delivery token.
const OUT = '\uE002';
const TAG = '\uE003';
const TOKEN = '\uE004';

/** A part: static text, output i (a number), a dynamic <a> tag, or the token (TOKEN_PART). */
type Part = string | number | DynamicTag;
interface DynamicTag {
  parts: (string | number)[];
}
const TOKEN_PART = -1;

interface Flat {
  /** Static text and output indexes, in order. */
  pieces: (string | number)[];
}

export interface EmailPlan {
  readonly html: Part[];
  /** Index in `html` where the pixel sits: nothing after it may close the body again. */
  readonly afterPixel: number;
  readonly htmlOutputs: Outputs;
  readonly subject: Flat | null;
  readonly text: Flat | null;
  readonly textOutputs: Outputs;
  readonly compiled: CompiledEmail;
  /** The raw HTML (before links) is needed only to convert the text part when it has no template. */
  readonly rawHtml: Flat;
}

/** Null when the HTML body has tags or raw outputs, or its links or body end depend on data. */
export function planEmail(compiled: CompiledEmail, tracking: Tracking): EmailPlan | null {
  const textOutputs = new Map<string, number>();
  const htmlOutputs = new Map<string, number>();
  const html = flatten(compiled.html, htmlOutputs, true);
  if (!html) return null;
  const subject = flatten(compiled.subject, textOutputs, false);
  const text = compiled.text ? flatten(compiled.text, textOutputs, false) : null;

  // The skeleton: the body with one OUT per output. Values are escaped (no < > " '), so they never
  // open, close or quote a tag: the <a> tags found in the skeleton are those of every render.
  let skeleton = '';
  for (const p of html.pieces) {
    if (typeof p === 'string') {
      if (/[\uE002-\uE004]/.test(p)) return null; // the author used a stand-in
      skeleton += p;
    } else skeleton += OUT;
  }
  // an output right after '<' or '<a' could make a tag of its own
  if (/<a?\uE002/i.test(skeleton)) return null;
  const outputsInOrder = html.pieces.filter((p): p is number => typeof p === 'number');
  let at = 0; // next output of outputsInOrder
  const dynamic: DynamicTag[] = [];
  const outsIn = (s: string) => s.split(OUT).length - 1;
  let rewritten = '';
  let last = 0;
  for (const m of skeleton.matchAll(A_TAG)) {
    const before = skeleton.slice(last, m.index);
    rewritten += before;
    at += outsIn(before);
    const tag = m[0];
    const n = outsIn(tag);
    if (n === 0) rewritten += rewriteLinks(tag, (url) => tracking.link(url, TOKEN));
    else {
      const parts: (string | number)[] = [];
      tag.split(OUT).forEach((s, i) => {
        if (i > 0) parts.push(outputsInOrder[at + i - 1]!);
        if (s) parts.push(s);
      });
      dynamic.push({ parts });
      rewritten += TAG;
      at += n;
    }
    last = m.index + tag.length;
  }
  rewritten += skeleton.slice(last);
  if (rewritten.lastIndexOf('</body>') < 0) return null; // the slow path's other ways to place the pixel
  const withPixel = injectOpenPixel(rewritten, tracking.pixel(TOKEN));
  const pixelEnd = withPixel.lastIndexOf('</body>');

  // the rewritten skeleton back into parts
  const parts: Part[] = [];
  let afterPixel = -1;
  let out = 0;
  let dyn = 0;
  let from = 0;
  const flush = (to: number) => {
    if (to > from) parts.push(flat(withPixel.slice(from, to)));
    from = to + 1;
  };
  for (let i = 0; i < withPixel.length; i++) {
    if (i === pixelEnd) {
      flush(i);
      from = i;
      afterPixel = parts.length;
    }
    const c = withPixel[i];
    if (c === OUT) {
      flush(i);
      parts.push(outputsInOrder[out++]!);
    } else if (c === TAG) {
      flush(i);
      const t = dynamic[dyn++]!;
      out += t.parts.filter((p) => typeof p === 'number').length;
      parts.push(t);
    } else if (c === TOKEN) {
      flush(i);
      parts.push(TOKEN_PART);
    }
  }
  flush(withPixel.length);
  return {
    html: parts,
    afterPixel,
    htmlOutputs: compileOutputs(htmlEngine, [...htmlOutputs.keys()]),
    subject,
    text,
    textOutputs: compileOutputs(textEngine, [...textOutputs.keys()]),
    compiled,
    rawHtml: html,
  };
}

/** The planned render for one delivery, or null when the slow path must answer for it. */
export function renderPlanned(plan: EmailPlan, vars: RenderVars, token: string, tracking: Tracking): RenderedEmail | null {
  const scope = renderScope(vars);
  let values: string[] | null;
  let textValues: string[] | null;
  try {
    values = plan.htmlOutputs.render(scope);
    textValues = plan.textOutputs.render(scope);
  } catch {
    return null; // the slow path fails the same way, with the author's line and column
  }
  if (!values || !textValues || values.some((v) => /[<>"']/.test(v))) return null;

  // joined once, not appended piece by piece: a string of a hundred pieces costs more to flatten
  // (as the driver does to send it) than to build
  const pieces: string[] = [];
  for (const p of plan.html) {
    if (typeof p === 'string') pieces.push(p);
    else if (p === TOKEN_PART) pieces.push(token);
    else if (typeof p === 'number') pieces.push(values[p]!);
    else pieces.push(rewriteLinks(p.parts.map((q) => (typeof q === 'string' ? q : values[q]!)).join(''), (url) => tracking.link(url, token)));
  }
  const html = pieces.join('');
  // a tag built from data could hold '</body>' (an href kept as is): the slow path puts the pixel there
  if (plan.afterPixel < pieces.length - 1 && pieces.slice(plan.afterPixel).join('').indexOf('</body>', 7) >= 0) return null;

  const subject = plan.subject ? join(plan.subject, textValues) : textEngine.renderSync(plan.compiled.subject, scope);
  let text: string;
  if (plan.text) text = tidyText(join(plan.text, textValues));
  else if (plan.compiled.text) text = tidyText(textEngine.renderSync(plan.compiled.text, scope));
  else text = htmlToText(join(plan.rawHtml, values));
  return { subject: subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(), html, text };
}

/** Static text and outputs only (no tags, no raw output in HTML); null otherwise. */
function flatten(templates: Template[], outputs: Map<string, number>, escaped: boolean): Flat | null {
  const pieces: (string | { content: string })[] = [];
  for (const t of templates) {
    if (t.token.kind === TokenKind.HTML) pieces.push((t as unknown as { str: string }).str);
    else if (t.token.kind === TokenKind.Output) {
      const o = t as Output;
      // the HTML engine escapes every output unless it ends with | raw
      if (escaped && o.value.filters.at(-1)?.raw !== false) return null;
      pieces.push({ content: (o.token as unknown as { content: string }).content });
    } else return null;
  }
  // outputs of the same expression have the same value in one render: each is evaluated once
  return {
    pieces: pieces.map((p) => {
      if (typeof p === 'string') return p;
      let i = outputs.get(p.content);
      if (i === undefined) outputs.set(p.content, (i = outputs.size));
      return i;
    }),
  };
}

/**
 * A fresh flat copy: a slice of the skeleton (which holds stand-ins) would keep it alive and stay
 * two-byte, and every message would copy it the slow way.
 */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function join(flat: Flat, values: string[]): string {
  return flat.pieces.map((p) => (typeof p === 'string' ? p : values[p]!)).join('');
}
