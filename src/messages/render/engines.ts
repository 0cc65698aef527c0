import { Liquid, TokenKind, Tokenizer, type FilterImplOptions, type Template } from 'liquidjs';
import { AppError } from '../../errors.ts';

export type TemplatePath = 'subject' | 'preheader' | 'body' | 'text';

// Authors are not fully trusted: a render is bounded in time (1 s) and size (~10 M characters or
// loop items), where a normal one takes a tenth of a millisecond.
const common = { strictFilters: true, strictVariables: false, ownPropertyOnly: true, cache: false, renderLimit: 1000, memoryLimit: 1e7 } as const;

/**
 * Two engines because escaping is decided at parse time in liquidjs: the HTML engine escapes every
 * output (contact-supplied values cannot inject markup; `| raw` opts out), the text engine (subject,
 * text part, SMS) never does, so "Tom & Jerry" stays readable there.
 */
export const htmlEngine = new Liquid({ ...common, outputEscape: 'escape' });
export const textEngine = new Liquid({ ...common });

// Partials and layouts would read files under the working directory: refused when parsed.
for (const engine of [htmlEngine, textEngine])
  for (const name of ['include', 'render', 'layout'])
    engine.registerTag(name, {
      parse(token) {
        throw new Error(`{% ${token.name} %} is not available in messages`);
      },
      render() {},
    });

// Time is an input: 'now' and 'today' in the date filter are the render's time (`render_time`,
// which the sender takes from its clock), not the machine's; without one, the machine's.
for (const engine of [htmlEngine, textEngine]) {
  const builtin = engine.filters.date;
  const handler = typeof builtin === 'function' ? builtin : builtin.handler;
  const date: Extract<FilterImplOptions, Function> = function (v, ...args) {
    const at = v === 'now' || v === 'today' ? this.context.getSync(['render_time']) : undefined;
    return handler.call(this, at instanceof Date ? at : v, ...args);
  };
  engine.registerFilter('date', date);
}

/** Parses once; a syntax error becomes a validation error naming the part, line and column. */
export function parseTemplate(engine: Liquid, source: string, path: TemplatePath): Template[] {
  try {
    return engine.parse(source);
  } catch (err) {
    throw liquidError(err, path);
  }
}

export function liquidError(err: unknown, path: TemplatePath): AppError {
  const e = err as { message?: string; token?: { getPosition?: () => [number, number] } };
  let message = String(e.message ?? err);
  const pos = e.token?.getPosition?.();
  // liquidjs already appends ", line:L, col:C"; add it when a custom error does not.
  if (pos && !/line:\d+/.test(message)) message += `, line:${pos[0]}, col:${pos[1]}`;
  return new AppError('validation', `${path}: ${message}`, [{ path, message }]);
}

/** Liquid tags and outputs of a source, with their offsets (the source must already parse). */
export function liquidMarkers(source: string): Array<{ begin: number; end: number; text: string }> {
  if (!source.includes('{{') && !source.includes('{%')) return [];
  const out: Array<{ begin: number; end: number; text: string }> = [];
  for (const t of new Tokenizer(source).readTopLevelTokens()) {
    if (t.kind === TokenKind.Tag || t.kind === TokenKind.Output) out.push({ begin: t.begin, end: t.end, text: source.slice(t.begin, t.end) });
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** What a template can see. Anything else given is reachable too (e.g. `journey`). */
export interface RenderVars {
  contact?: object | null;
  workspace?: object | null;
  event?: object | null;
  unsubscribe_url?: string;
  preferences_url?: string;
  view_online_url?: string;
  [name: string]: unknown;
}

/** Custom fields are reachable as `contact.<key>` and `contact.fields.<key>`; standard fields win. */
export function renderScope(vars: RenderVars): Record<string, unknown> {
  const contact = (vars.contact ?? {}) as Record<string, unknown>;
  const fields = contact.fields;
  if (!fields || typeof fields !== 'object') return vars;
  return { ...vars, contact: { ...fields, ...contact } };
}
