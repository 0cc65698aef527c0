/** The criteria tree of src/segments/CRITERIA.md, as the builder edits it. */
export type Condition = { type: string; op: string; [k: string]: unknown };
export type Group = { all: Node[] } | { any: Node[] };
export type Node = Group | Condition;

export const isGroup = (n: Node): n is Group => 'all' in n || 'any' in n;
export const groupKind = (g: Group): 'all' | 'any' => ('all' in g ? 'all' : 'any');
export const children = (g: Group): Node[] => ('all' in g ? g.all : g.any);
export const withChildren = (kind: 'all' | 'any', nodes: Node[]): Group => (kind === 'all' ? { all: nodes } : { any: nodes });

/** The root is always a group in the builder (a lone condition is wrapped). */
export function asRootGroup(n: Node | null | undefined): Group {
  if (!n) return { all: [] };
  return isGroup(n) ? n : { all: [n] };
}

export const CONDITION_TYPES: [string, string][] = [
  ['list', 'List membership'],
  ['field', 'Field'],
  ['tag', 'Tag'],
  ['consent', 'Consent'],
  ['engagement', 'Engagement level'],
  ['email_activity', 'Email activity'],
  ['event', 'Custom event'],
  ['purchase', 'Purchase'],
];

export function defaultCondition(type: string, ctx: { listIds: number[] }): Condition {
  switch (type) {
    case 'list': return { type, op: 'in', list_ids: ctx.listIds.slice(0, 1) };
    case 'field': return { type, field: 'email', op: 'contains', value: '' };
    case 'tag': return { type, op: 'has', tag: '' };
    case 'consent': return { type, channel: 'email', op: 'is', status: 'subscribed' };
    case 'engagement': return { type, which: 'current', op: 'is', level: 'most' };
    case 'email_activity': return { type, op: 'opened', within_days: 30 };
    case 'event': return { type, op: 'did', event: '', within_days: 30 };
    case 'purchase': return { type, op: 'has_purchased', within_days: 90 };
    default: return { type, op: '' };
  }
}

export const STANDARD_FIELDS: [string, FieldType][] = [
  ['email', 'text'], ['phone', 'text'], ['first_name', 'text'], ['last_name', 'text'], ['language', 'text'], ['timezone', 'text'],
  ['birthday', 'date'], ['created_at', 'date'],
];
export type FieldType = 'text' | 'number' | 'date' | 'boolean';

export const FIELD_OPS: Record<FieldType, [string, string][]> = {
  text: [['is', 'is'], ['is_not', 'is not'], ['contains', 'contains'], ['starts_with', 'starts with'], ['is_empty', 'is empty'], ['is_not_empty', 'is not empty']],
  number: [['eq', '='], ['neq', '≠'], ['lt', '<'], ['gt', '>'], ['between', 'between'], ['is_empty', 'is empty'], ['is_not_empty', 'is not empty']],
  date: [['eq', 'is'], ['lt', 'before'], ['gt', 'after'], ['between', 'between'], ['before_days_ago', 'more than N days ago'], ['after_days_ago', 'less than N days ago'],
    ['within_last_days', 'in the last N days'], ['anniversary_today', 'anniversary is today'], ['is_empty', 'is empty'], ['is_not_empty', 'is not empty']],
  boolean: [['is', 'is'], ['is_not', 'is not'], ['is_empty', 'is empty'], ['is_not_empty', 'is not empty']],
};

/** Which operands an op takes. */
export function operands(op: string): ('value' | 'to' | 'days')[] {
  if (['is_empty', 'is_not_empty', 'anniversary_today'].includes(op)) return [];
  if (op === 'between') return ['value', 'to'];
  if (['before_days_ago', 'after_days_ago', 'within_last_days'].includes(op)) return ['days'];
  return ['value'];
}

/** Replaces the node at `path` (child indexes from the root) by `next`, or removes it when null. */
export function updateAt(root: Group, path: number[], next: Node | null): Group {
  if (path.length === 0) return next && isGroup(next) ? next : root;
  const [i, ...rest] = path;
  const kids = [...children(root)];
  if (rest.length === 0) {
    if (next === null) kids.splice(i, 1);
    else kids[i] = next;
  } else {
    kids[i] = updateAt(kids[i] as Group, rest, next);
  }
  return withChildren(groupKind(root), kids);
}

/** The API's path of a node (`criteria.all[0].any[2]`), to show its validation errors next to it. */
export function apiPath(root: Group, path: number[]): string {
  let p = 'criteria';
  let g: Node = root;
  for (const i of path) {
    const k = groupKind(g as Group);
    p += `.${k}[${i}]`;
    g = children(g as Group)[i];
  }
  return p;
}

export function countConditions(n: Node): number {
  return isGroup(n) ? children(n).reduce((s, c) => s + countConditions(c), 0) : 1;
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (typeof v === 'number' && !Number.isFinite(v));

/**
 * What a condition still lacks before it can be counted, in words; null when it is complete.
 * The builder counts only complete criteria, and says this only once the user left the condition.
 */
export function missing(c: Condition): string | null {
  switch (c.type) {
    case 'list': return (c.list_ids as unknown[] | undefined)?.length ? null : 'Choose a list.';
    case 'tag': return blank(c.tag) ? 'Type or choose a tag.' : null;
    case 'event': return blank(c.event) ? 'Type the event name.' : null;
    case 'field': {
      if (blank(c.field)) return 'Choose a field.';
      const need = operands(c.op);
      if (need.includes('value') && blank(c.value)) return need.includes('to') ? 'Give both ends of the range.' : 'Give a value to compare with.';
      if (need.includes('to') && blank(c.to)) return 'Give both ends of the range.';
      if (need.includes('days') && blank(c.days)) return 'Give a number of days.';
      return null;
    }
    default: return null;
  }
}

/** Whether every condition of the tree is complete. */
export function complete(n: Node): boolean {
  return isGroup(n) ? children(n).every(complete) : missing(n) === null;
}

/**
 * The condition after its field changed: the operator (and value, when the type is the same)
 * kept if valid for the new field; otherwise the first operator, with a note saying so.
 */
export function changeField(c: Condition, field: string, from: FieldType, to: FieldType): { next: Condition; note: string | null } {
  const ops = FIELD_OPS[to];
  const keep = ops.some(([o]) => o === c.op);
  const op = keep ? c.op : ops[0][0];
  const next: Condition = { type: 'field', field, op };
  const need = operands(op);
  const fresh = { value: to === 'boolean' ? true : to === 'number' ? undefined : '', to: undefined, days: 7 };
  for (const k of need) {
    const v = keep && from === to ? c[k] : fresh[k];
    if (v !== undefined) next[k] = v;
  }
  const label = (t: FieldType, o: string) => FIELD_OPS[t].find(([x]) => x === o)?.[1] ?? o;
  const note = keep ? null : `“${label(from, c.op)}” does not apply to a ${to} field: the operator is now “${label(to, op)}”.`;
  return { next, note };
}
