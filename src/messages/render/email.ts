import { createRequire } from 'node:module';
import type { Template } from 'liquidjs';
import { AppError } from '../../errors.ts';
import { escapeHtml, htmlEngine, liquidMarkers, parseTemplate, renderScope, textEngine, type RenderVars } from './engines.ts';
import { shieldForMjml } from './protect.ts';
import { htmlToText, textTemplateFrom, tidyText } from './text-part.ts';

export interface EmailVersion {
  subject: string;
  preheader?: string | null;
  format: 'mjml' | 'html';
  body: string;
  /** A hand-written text part; generated from the HTML when absent. */
  text?: string | null;
}

export interface CompiledEmail {
  readonly subject: Template[];
  readonly html: Template[];
  /** Null when the text part could not be templated: it is then converted from each rendered HTML. */
  readonly text: Template[] | null;
  /** Liquid sources after compilation (html: MJML output with Liquid restored, preheader injected). */
  readonly source: { readonly subject: string; readonly html: string; readonly text: string | null };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** Done once per message version: MJML compiled, every part parsed. */
export function compileEmail(version: EmailVersion): CompiledEmail {
  const subject = parseTemplate(textEngine, version.subject, 'subject');
  const preheader = version.preheader?.trim() ? version.preheader : null;
  if (preheader) parseTemplate(textEngine, preheader, 'preheader');
  // Parse the author's body first so Liquid errors point at lines they wrote, not at MJML output.
  parseTemplate(htmlEngine, version.body, 'body');
  const handText = version.text?.trim() ? version.text : null;
  const handTextTemplate = handText === null ? null : parseTemplate(textEngine, handText, 'text');

  let html = version.format === 'mjml' ? compileMjml(version.body) : version.body;
  const textSource = handText ?? textTemplateFrom(html);
  if (preheader) html = injectPreheader(html, preheader);

  return {
    subject,
    html: parseCompiledHtml(html, version.format),
    text: handTextTemplate ?? (textSource === null ? null : tryParse(textSource)),
    source: { subject: version.subject, html, text: textSource },
  };
}

/** Per recipient: three Liquid renders over pre-parsed templates. */
export function renderEmail(compiled: CompiledEmail, vars: RenderVars): RenderedEmail {
  const scope = renderScope(vars);
  const html: string = htmlEngine.renderSync(compiled.html, scope);
  const subject: string = textEngine.renderSync(compiled.subject, scope);
  const text = compiled.text ? tidyText(textEngine.renderSync(compiled.text, scope)) : htmlToText(html);
  // A subject is one header line whatever a contact's data contains.
  return { subject: subject.replace(/\s*[\r\n]+\s*/g, ' ').trim(), html, text };
}

/** The author's body already parsed, so a failure here means MJML moved Liquid tags apart. */
function parseCompiledHtml(html: string, format: EmailVersion['format']): Template[] {
  try {
    return parseTemplate(htmlEngine, html, 'body');
  } catch (err) {
    if (format !== 'mjml' || !(err instanceof AppError)) throw err;
    const message = `MJML moved Liquid tags apart (${err.details[0]?.message}): keep a block's tags within one element`;
    throw new AppError('validation', `body: ${message}`, [{ path: 'body', message }]);
  }
}

function tryParse(source: string): Template[] | null {
  try {
    return textEngine.parse(source);
  } catch {
    return null; // html-to-text split a block tag apart: fall back to converting each render
  }
}

interface MjmlResult {
  html: string;
  errors: Array<{ line: number; message: string; tagName: string }>;
}
type Mjml2Html = (source: string, options: Record<string, unknown>) => MjmlResult;
let mjml2html: Mjml2Html | undefined;

function compileMjml(source: string): string {
  // mjml is big and untyped: loaded on first use, so SMS-only callers never pay for it.
  mjml2html ??= createRequire(import.meta.url)('mjml') as Mjml2Html;
  const shielded = shieldForMjml(source);
  let result: MjmlResult;
  try {
    // ignoreIncludes: an author must not read the server's files through <mj-include>.
    result = mjml2html(shielded.text, { validationLevel: 'soft', keepComments: true, ignoreIncludes: true });
  } catch (err) {
    // the document as a whole could not be read (no <mjml> root): its first line is where to look
    const message = `line 1: ${(err as Error).message} (col 1: an MJML body starts with <mjml>)`;
    throw new AppError('validation', `body: ${message}`, [{ path: 'body', message }]);
  }
  if (result.errors.length) {
    // mjml gives the line; the column is where that line opens the offending element
    const lines = source.split(/\r\n|\r|\n/);
    const details = result.errors.map((e) => {
      const at = e.tagName ? (lines[e.line - 1] ?? '').indexOf(`<${e.tagName}`) : -1;
      return { path: 'body', message: `line ${e.line}: ${e.message} (col ${at >= 0 ? at + 1 : 1})` };
    });
    throw new AppError('validation', `body: invalid MJML (${details[0]!.message})`, details);
  }
  const { text, missing } = shielded.restore(result.html);
  if (missing.length) {
    const message = `MJML dropped the Liquid ${missing[0]}: move it inside mj-text or mj-raw`;
    throw new AppError('validation', `body: ${message}`, [{ path: 'body', message }]);
  }
  return text;
}

/** The usual hidden preview text, first in the body so inbox previews show it. */
function injectPreheader(html: string, preheader: string): string {
  let inner = '';
  let at = 0;
  for (const m of liquidMarkers(preheader)) {
    inner += escapeHtml(preheader.slice(at, m.begin)) + m.text;
    at = m.end;
  }
  inner += escapeHtml(preheader.slice(at));
  const span =
    '<span class="preheader" style="display:none!important;visibility:hidden;mso-hide:all;font-size:1px;line-height:1px;' +
    `color:transparent;max-height:0;max-width:0;opacity:0;overflow:hidden;">${inner}</span>`;
  const body = /<body\b[^>]*>/i.exec(html);
  if (!body) return span + html;
  const end = body.index + body[0].length;
  return html.slice(0, end) + span + html.slice(end);
}
