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
}

/**
 * Compiles a criteria tree into a boolean predicate over the contacts row aliased `c`.
 * Values reach the SQL only as parameters. Every condition yields true or false, never
 * NULL, so NOT and the explain view agree with the count (no three-valued surprises).
 */
export function compileCriteria(node: Criteria, env: CriteriaEnv): Sql {
  if (isGroup(node)) {
    const parts = childrenOf(node).map((n) => compileCriteria(n, env));
    const and = 'all' in node;
    if (parts.length === 0) return and ? sql`true` : sql`false`;
    return sql`(${sql.join(parts, and ? ' and ' : ' or ')})`;
  }
  return compileCondition(node, env);
}

export function compileCondition(c: Condition, env: CriteriaEnv): Sql {
  const ws = env.workspaceId;
  switch (c.type) {
    case 'list': {
      const member = sql`exists (select 1 from list_members m where m.workspace_id = ${ws} and m.contact_id = c.id and m.list_id = any(${c.list_ids}::bigint[]))`;
      return c.op === 'in' ? member : sql`not ${member}`;
    }
    case 'tag': {
      const has = sql`exists (select 1 from contact_tags t where t.workspace_id = ${ws} and t.contact_id = c.id and t.tag = ${c.tag}::text)`;
      return c.op === 'has' ? has : sql`not ${has}`;
    }
    case 'consent': {
      const column = c.channel === 'email' ? sql`c.email_status` : sql`c.sms_status`;
      return c.op === 'is' ? sql`${column} = ${c.status}::text` : sql`${column} <> ${c.status}::text`;
    }
    case 'engagement':
      return engagement(c, ws);
    case 'field':
      return fieldPredicate(c, env);
    default:
      return compileEventCondition(c, env);
  }
}

/**
 * Contacts without an engagement row are 'everyone_else' with no previous level. Written
 * as (NOT) EXISTS so the planner turns a count into a semi- or anti-join on the level index.
 */
function engagement(c: ConditionOf<'engagement'>, ws: number): Sql {
  const column = c.which === 'current' ? sql`e.level` : sql`e.previous_level`;
  const row = (cond: Sql) => sql`exists (select 1 from contact_engagement e where e.workspace_id = ${ws} and e.contact_id = c.id and ${cond})`;
  let is: Sql;
  if (c.which === 'current' && c.level === 'everyone_else') is = sql`not ${row(sql`e.level <> 'everyone_else'`)}`;
  else is = row(sql`${column} = ${c.level}::text`);
  return c.op === 'is' ? is : sql`not ${is}`;
}

/** The SQL value of a field: text, numeric, date (local date for created_at) or boolean. */
export function fieldValue(field: string, env: CriteriaEnv): { expr: Sql; type: FieldType } {
  const type = fieldType(field, env.fields);
  if (!type) throw new AppError('validation', `no such field ${field}`, [{ path: 'field', message: 'no such field' }]);
  switch (field) {
    case 'created_at':
      return { expr: sql`(c.created_at at time zone ${env.timezone}::text)::date`, type };
    case 'birthday':
      return { expr: sql`c.birthday`, type };
    case 'email':
    case 'phone':
    case 'first_name':
    case 'last_name':
    case 'language':
    case 'timezone':
      return { expr: sql.raw(`c.${field}`), type }; // one of our own column names
  }
  // custom fields hold typed JSON; a value of another JSON type (bad data) counts as empty
  const json = sql`(c.fields -> ${field}::text)`;
  const text = sql`(c.fields ->> ${field}::text)`;
  switch (type) {
    case 'text':
      return { expr: text, type };
    case 'number':
      return { expr: sql`(case when jsonb_typeof(${json}) = 'number' then ${text}::numeric end)`, type };
    case 'boolean':
      return { expr: sql`(case when jsonb_typeof(${json}) = 'boolean' then ${text}::boolean end)`, type };
    case 'date':
      return { expr: sql`(case when ${text} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then ${text}::date end)`, type };
  }
}

function fieldPredicate(c: ConditionOf<'field'>, env: CriteriaEnv): Sql {
  const { expr, type } = fieldValue(c.field, env);
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
export function compare(x: Sql, type: 'number' | 'date', c: Comparison, env: CriteriaEnv): Sql {
  const cast = type === 'date' ? sql`::date` : sql`::numeric`;
  const v = sql`${c.value}${cast}`;
  const today = localToday(env);
  const day = (n: number) => sql`${today.minus({ days: n }).toISODate()}::date`;
  const some = (p: Sql) => sql`coalesce(${p}, false)`;
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
