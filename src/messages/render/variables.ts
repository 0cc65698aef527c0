import type { Variable } from 'liquidjs';
import { parseTemplate, textEngine, type TemplatePath } from './engines.ts';

/** The contact's standard fields as the sender loads them (delivery/send-context.ts). */
export const CONTACT_VARIABLES = ['id', 'workspace_id', 'key', 'email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday', 'email_status', 'sms_status', 'created_at'];
/** The links an email carries (delivery/compose.ts deliveryUrls); an SMS has none. */
export const LINK_VARIABLES = ['unsubscribe_url', 'preferences_url', 'view_online_url', 'sms_optin_url'];

/** What a message may name where it is sent (K-6, M-1). */
export interface KnownVariables {
  customFields: string[];
  /** `workspace.<key>`: id, name and the keys of the workspace profile. */
  workspaceFields: string[];
  links: string[];
  /** Other roots the context sets (`event`, `data` in a journey). */
  roots: string[];
}

export interface UnknownVariable {
  path: TemplatePath;
  row: number;
  col: number;
  /** As written, e.g. `contact.frist_name`. */
  name: string;
  why: string;
}

/**
 * Every variable of a template that its context does not set (K-6): a misspelt contact field,
 * a custom field that does not exist, a field without `contact.`, a link an SMS does not have.
 * Such a variable renders empty, `| default:` or not. Locals (assign, capture, for) are fine.
 * Each use is reported with its line and column; a source that does not parse is an error.
 */
export function unknownVariables(source: string, path: TemplatePath, known: KnownVariables): UnknownVariable[] {
  if (!source.includes('{{') && !source.includes('{%')) return [];
  const analysis = textEngine.analyzeSync(parseTemplate(textEngine, source, path), { partials: false });
  const out: UnknownVariable[] = [];
  for (const uses of Object.values(analysis.globals)) {
    for (const v of uses) {
      const why = problemOf(v, known);
      if (why) out.push({ path, row: v.location.row, col: v.location.col, name: v.toString(), why });
    }
  }
  return out.sort((a, b) => a.row - b.row || a.col - b.col);
}

function problemOf(v: Variable, known: KnownVariables): string | null {
  const [root, first, second] = v.segments;
  if (typeof root !== 'string') return null;
  // a segment computed at render time (contact[key]) cannot be checked here
  const named = (s: unknown): s is string => typeof s === 'string';
  if (root === 'contact') {
    if (first === undefined || !named(first)) return null;
    if (first === 'fields') {
      if (second === undefined || !named(second)) return 'custom fields are written contact.<key>';
      return known.customFields.includes(second) ? `write contact.${second}` : `no custom field ${second}${hint(second, known.customFields, 'contact.')}`;
    }
    if (CONTACT_VARIABLES.includes(first) || known.customFields.includes(first)) return null;
    return `no contact field or custom field ${first}${hint(first, [...CONTACT_VARIABLES, ...known.customFields], 'contact.')}`;
  }
  if (root === 'workspace') {
    if (first === undefined || !named(first) || known.workspaceFields.includes(first)) return null;
    return `no workspace field ${first}${hint(first, known.workspaceFields, 'workspace.')}`;
  }
  if (known.links.includes(root) || known.roots.includes(root) || root === 'render_time') return null;
  if (LINK_VARIABLES.includes(root)) return 'this message has no such link';
  if (CONTACT_VARIABLES.includes(root) || known.customFields.includes(root)) return `write contact.${root}`;
  if (root === 'event' || root === 'data') return 'only a message sent by a journey or the API has an event';
  return `not a variable${hint(root, [...known.links, ...known.roots], '')}`;
}

/** ' (did you mean …?)' for the closest name within two edits, else ''. */
function hint(name: string, candidates: string[], prefix: string): string {
  let best: string | null = null;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best ? ` (did you mean ${prefix}${best}?)` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}
