import { DateTime } from 'luxon';
import { sql, type Sql } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { FieldType } from '../contacts/index.ts';
import { childrenOf, fieldType, isGroup, type Condition, type ConditionOf, type Criteria } from './schema.ts';
import { compileEventCondition } from './compile-events.ts';

/** What a compiled predicate depends on besides the tree: all of it explicit, so compiling is pure. */
export interface CriteriaEnv {
  workspaceId: number;
  now: Date;
  /** The workspace's IANA zone: "today", day counts and anniversaries are local dates there. */
  timezone: string;
  /** Custom field keys and their types. */
  fields: Map<string, FieldType>;
  /**
   * Only these contacts will be asked about (a journey batch, explain): the restriction is
   * pushed into every sub-select, so a batch never computes a whole segment.
   */
  only?: number[];
  /**
   * Only contacts whose ids lie in this range will be asked about (a slice of a refresh on the
   * embedded database): pushed into every set too. Without it a list's set was read whole for
   * each slice (a sequential scan of 160,000 memberships: 733 ms for a 2,000-contact slice at
   * 200,000 demo contacts, issue 15).
   */
  range?: { from: number; to: number };
}

const inRange = (col: Sql, env: CriteriaEnv): Sql => (env.range ? sql`and ${col} between ${env.range.from}::bigint and ${env.range.to}::bigint` : sql``);

/** The set's rows restricted to the contacts asked about (env.only, env.range). */
const restricted = (col: Sql, env: CriteriaEnv): Sql => sql`${env.only ? sql`and ${col} = any(${env.only}::bigint[])` : sql``} ${inRange(col, env)}`;

/** A condition compiled with its set (if it is one) kept to env.range (the outer query applies env.only). */
function boundedCondition(node: Condition, env: CriteriaEnv): Compiled {
  const x = compileCondition(node, env);
  return x.kind === 'set' && env.range ? { ...x, where: sql`${x.where} ${inRange(x.col, env)}` } : x;
}

/**
 * A compiled condition is either a predicate on the contact row, or a set of contacts
 * (`select col from … where …`), possibly negated. Sets are what make counts fast: in AND
 * position a set becomes a correlated [NOT] EXISTS, which the planner turns into a semi- or
 * anti-join; in an OR group the sets are unioned and joined once (see compileNode).
 */
export type Compiled =
  | { kind: 'row'; pred: (c: Sql) => Sql }
  | {
      kind: 'set';
      from: Sql;
      col: Sql;
      where: Sql;
      negated: boolean;
      /** Every id in the set is a contact of the workspace (a delete trigger on contacts says so). */
      members?: boolean;
      /** Each contact is in the set once: its size is a count(*), with no distinct. */
      unique?: boolean;
      /**
       * Ids read from the events log: contacts of the workspace, or contacts since deleted,
       * which deleted_contacts names (migration 015).
       */
      logged?: boolean;
    };

export const rowPred = (pred: (c: Sql) => Sql): Compiled => ({ kind: 'row', pred });
/** A set read from the events log. */
export const eventSet = (from: Sql, col: Sql, where: Sql, negated = false): Compiled => ({ kind: 'set', from, col, where, negated, logged: true });

/** `and <col> is not a deleted contact`: an event set's ids, less those of deleted contacts. */
const notDeleted = (ws: number, col: Sql): Sql =>
  sql`and not exists (select 1 from deleted_contacts d where d.workspace_id = ${ws} and d.contact_id = ${col})`;
/** A set read from a table whose rows reference contacts (lists, tags, engagement). */
const memberSet = (from: Sql, col: Sql, where: Sql, negated: boolean, unique = true): Compiled => ({ kind: 'set', from, col, where, negated, members: true, unique });

/**
 * Compiles a criteria tree into a boolean predicate over the contacts row aliased `c`.
 * Values reach the SQL only as parameters. Every condition yields true or false, never
 * NULL, so NOT and the explain view agree with the count (no three-valued surprises).
 */
export function compileCriteria(node: Criteria, env: CriteriaEnv): Sql {
  return compileNode(node, env, 0);
}

const alias = (depth: number) => sql.raw(depth === 0 ? 'c' : `c${depth}`);

/** The predicate of a node over the contact alias of this depth. */
export function compileNode(node: Criteria, env: CriteriaEnv, depth: number): Sql {
  const c = alias(depth);
  if (!isGroup(node)) return predicate(boundedCondition(node, env), c);
  const kids = childrenOf(node);
  if ('all' in node) return kids.length ? sql`(${sql.join(kids.map((k) => compileNode(k, env, depth)), ' and ')})` : sql`true`;
  if (kids.length === 0) return sql`false`;
  if (kids.length === 1) return compileNode(kids[0], env, depth);
  if (kids.every(inline)) return sql`(${sql.join(kids.map((k) => compileNode(k, env, depth)), ' or ')})`;
  // OR over sub-selects would run one correlated probe per contact and branch: instead the
  // branches' contact sets are unioned (UNION, so the planner knows it is distinct) and
  // joined once. EXISTS rather than IN: a caller's NOT then becomes an anti-join, where
  // NOT IN would fall back to a sub-plan rescanned per contact when the set is large.
  return sql`exists (select 1 from (${sql.join(kids.map((k) => setOf(k, env, depth + 1)), ' union ')}) ${sql.raw(`u${depth}`)}(id) where ${sql.raw(`u${depth}`)}.id = ${c}.id)`;
}

/**
 * `select count(*) …` for a tree that is an OR of contact sets (list, tag, engagement, events
 * less deleted contacts, or subtrees read from contacts), or one set read from the events log,
 * or null: the set's size is the count, with no pass over the contacts table to join it back.
 */
export function unionCount(node: Criteria, env: CriteriaEnv): Sql | null {
  if (!isGroup(node)) {
    const x = compileCondition(node, env);
    return x.kind === 'set' && !x.negated && x.logged ? sql`select count(distinct u.id)::int as n from (${setOf(node, env, 1)}) u(id)` : null;
  }
  const kids = childrenOf(node);
  if (kids.length === 1) return unionCount(kids[0], env);
  if ('all' in node) return null;
  if (kids.length < 2 || kids.every(inline) || !kids.every((k) => onlyMembers(k, env))) return null;
  // UNION ALL counted distinct: the duplicates go in count(distinct)'s sort, where UNION's hash
  // aggregate spilled to disk past work_mem (bench/segments nested OR, 274k ids: 373 → 238 ms)
  return sql`select count(distinct u.id)::int as n from (${setOf(node, env, 1, ' union all ')}) u(id)`;
}

/** Whether setOf(node) yields contacts of the workspace only. */
function onlyMembers(node: Criteria, env: CriteriaEnv): boolean {
  if (isGroup(node)) return 'any' in node && node.any.length && !inline(node) ? node.any.every((k) => onlyMembers(k, env)) : true;
  const x = compileCondition(node, env);
  return x.kind === 'row' || x.negated || x.members === true || x.logged === true;
}

/** Row-only subtrees (fields, consent) stay plain boolean expressions on the row. */
function inline(node: Criteria): boolean {
  return isGroup(node) ? childrenOf(node).every(inline) : node.type === 'field' || node.type === 'consent';
}

export function predicate(x: Compiled, c: Sql): Sql {
  if (x.kind === 'row') return x.pred(c);
  const exists = sql`exists (select 1 from ${x.from} where ${x.col} = ${c}.id and ${x.where})`;
  return x.negated ? sql`not ${exists}` : exists;
}

/** `select <contact id> …` for the contacts matching a node (duplicates allowed). */
function setOf(node: Criteria, env: CriteriaEnv, depth: number, union = ' union '): Sql {
  const only = (col: Sql) => restricted(col, env);
  if (isGroup(node) && 'any' in node && node.any.length && !inline(node)) return sql.join(node.any.map((k) => setOf(k, env, depth, union)), union);
  if (!isGroup(node)) {
    const x = compileCondition(node, env);
    if (x.kind === 'set' && !x.negated) {
      const live = x.logged ? notDeleted(env.workspaceId, x.col) : sql``;
      return sql`select ${x.col} from ${x.from} where ${x.where} ${only(x.col)} ${live}`;
    }
  }
  const c = alias(depth);
  return sql`select ${c}.id from contacts ${c} where ${c}.workspace_id = ${env.workspaceId} ${only(sql`${c}.id`)} and ${compileNode(node, env, depth)}`;
}

export function compileCondition(c: Condition, env: CriteriaEnv): Compiled {
  const ws = env.workspaceId;
  switch (c.type) {
    case 'list': {
      // one id as `=`: the planner estimates it far better than `= any(array)`
      const ids = c.list_ids.length === 1 ? sql`m.list_id = ${c.list_ids[0]}::bigint` : sql`m.list_id = any(${c.list_ids}::bigint[])`;
      // one row per list and contact: several lists can name a contact more than once
      return memberSet(sql`list_members m`, sql`m.contact_id`, sql`m.workspace_id = ${ws} and ${ids}`, c.op === 'not_in', c.list_ids.length === 1);
    }
    case 'tag':
      return memberSet(sql`contact_tags t`, sql`t.contact_id`, sql`t.workspace_id = ${ws} and t.tag = ${c.tag}::text`, c.op === 'has_not');
    case 'consent':
      return rowPred((r) => {
        const column = sql`${r}.${sql.raw(c.channel === 'email' ? 'email_status' : 'sms_status')}`;
        return c.op === 'is' ? sql`${column} = ${c.status}::text` : sql`${column} <> ${c.status}::text`;
      });
    case 'engagement':
      return engagement(c, ws);
    case 'field':
      return rowPred((r) => fieldPredicate(c, env, r));
    default:
      return compileEventCondition(c, env);
  }
}

/**
 * Contacts without an engagement row are 'everyone_else' with no previous level, so
 * "current is everyone_else" is the absence of a row at another level.
 */
function engagement(c: ConditionOf<'engagement'>, ws: number): Compiled {
  const from = sql`contact_engagement e`;
  if (c.which === 'current' && c.level === 'everyone_else')
    return memberSet(from, sql`e.contact_id`, sql`e.workspace_id = ${ws} and e.level <> 'everyone_else'`, c.op === 'is');
  const column = c.which === 'current' ? sql`e.level` : sql`e.previous_level`;
  return memberSet(from, sql`e.contact_id`, sql`e.workspace_id = ${ws} and ${column} = ${c.level}::text`, c.op === 'is_not');
}

/** The SQL value of a field of contact `r`: text, numeric, date (local date for created_at) or boolean. */
export function fieldValue(field: string, env: CriteriaEnv, r: Sql = sql.raw('c')): { expr: Sql; type: FieldType } {
  const type = fieldType(field, env.fields);
  if (!type) throw new AppError('validation', `no such field ${field}`, [{ path: 'field', message: 'no such field' }]);
  switch (field) {
    case 'created_at':
      return { expr: sql`(${r}.created_at at time zone ${env.timezone}::text)::date`, type };
    case 'birthday':
    case 'email':
    case 'phone':
    case 'first_name':
    case 'last_name':
    case 'language':
    case 'timezone':
      return { expr: sql`${r}.${sql.raw(field)}`, type }; // one of our own column names
  }
  // custom fields hold typed JSON; a value of another JSON type (bad data) counts as empty
  const json = sql`(${r}.fields -> ${field}::text)`;
  const text = sql`(${r}.fields ->> ${field}::text)`;
  switch (type) {
    case 'text':
      return { expr: text, type };
    case 'number':
      // as the field's index reads it (migration 013, contacts/field-index.ts)
      return { expr: sql`parcours_number(${r}.fields, ${field}::text)`, type };
    case 'boolean':
      return { expr: sql`(case when jsonb_typeof(${json}) = 'boolean' then ${text}::boolean end)`, type };
    case 'date':
      return { expr: sql`(case when ${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then ${text}::date end)`, type };
  }
}

function fieldPredicate(c: ConditionOf<'field'>, env: CriteriaEnv, r: Sql): Sql {
  const { expr, type } = fieldValue(c.field, env, r);
  if (type === 'text') return textOp(expr, c.op, c.value as string);
  if (type === 'boolean') {
    if (c.op === 'is_empty') return sql`${expr} is null`;
    if (c.op === 'is_not_empty') return sql`${expr} is not null`;
    const eq = sql`coalesce(${expr} = ${c.value as boolean}::boolean, false)`;
    return c.op === 'is' ? eq : sql`not ${eq}`;
  }
  return compare(expr, type, c, env);
}

function textOp(x: Sql, op: string, v: string): Sql {
  switch (op) {
    case 'is':
      return sql`coalesce(lower(${x}) = lower(${v}::text), false)`;
    case 'is_not':
      return sql`not coalesce(lower(${x}) = lower(${v}::text), false)`;
    case 'contains':
      return sql`coalesce(strpos(lower(${x}), lower(${v}::text)) > 0, false)`;
    case 'starts_with':
      return sql`coalesce(starts_with(lower(${x}), lower(${v}::text)), false)`;
    case 'is_empty':
      return sql`coalesce(${x}, '') = ''`;
    default:
      return sql`coalesce(${x}, '') <> ''`;
  }
}

/** Today's date and day arithmetic in the workspace zone, computed here so SQL gets plain dates. */
export function localToday(env: Pick<CriteriaEnv, 'now' | 'timezone'>): DateTime {
  return DateTime.fromJSDate(env.now, { zone: env.timezone }).startOf('day');
}

export interface Comparison {
  op: string;
  value?: unknown;
  to?: unknown;
  days?: number;
}

/**
 * Numbers and dates: an empty value satisfies only is_empty and the negations (neq is
 * "not equal", so it includes contacts without a value); lt, gt, between need a value.
 */
export function compare(x: Sql, type: 'number' | 'date', c: Comparison, env: Pick<CriteriaEnv, 'now' | 'timezone'>): Sql {
  const cast = type === 'date' ? sql`::date` : sql`::numeric`;
  const v = sql`${c.value}${cast}`;
  const today = localToday(env);
  const day = (n: number) => sql`${today.minus({ days: n }).toISODate()}::date`;
  // true or false, never unknown (so a NOT around it stays right), and `x < v` stays a clause
  // of its own: the form an index on x serves (coalesce(x < v, false) is not)
  const some = (p: Sql) => sql`(${p} and ${x} is not null)`;
  switch (c.op) {
    case 'eq':
      return some(sql`${x} = ${v}`);
    case 'neq':
      return sql`not ${some(sql`${x} = ${v}`)}`;
    case 'lt':
      return some(sql`${x} < ${v}`);
    case 'gt':
      return some(sql`${x} > ${v}`);
    case 'between':
      return some(sql`${x} between ${v} and ${sql`${c.to}${cast}`}`);
    case 'is_empty':
      return sql`${x} is null`;
    case 'is_not_empty':
      return sql`${x} is not null`;
    case 'before_days_ago':
      return some(sql`${x} < ${day(c.days!)}`);
    case 'after_days_ago':
      return some(sql`${x} > ${day(c.days!)}`);
    case 'within_last_days':
      return some(sql`${x} between ${day(c.days!)} and ${day(0)}`);
    case 'anniversary_today':
      return some(sql`to_char(${x}, 'MM-DD') = any(${anniversaryDays(today)}::text[])`);
  }
  throw new Error(`unknown comparison ${c.op}`);
}

/** Month-days that celebrate today: Feb 29 dates are celebrated on Feb 28 in common years. */
export function anniversaryDays(today: DateTime): string[] {
  const md = today.toFormat('MM-dd');
  return md === '02-28' && !today.isInLeapYear ? [md, '02-29'] : [md];
}
