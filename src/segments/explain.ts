import { sql, type Queryable, type Sql } from '../db/index.ts';
import { notFound } from '../errors.ts';
import { compileCondition, fieldValue, predicate, type CriteriaEnv } from './compile.ts';
import { ecommerceActual } from './compile-events.ts';
import { describeCondition, explainSentence, LEVEL_NAMES } from './describe.ts';
import { childrenOf, isGroup, type Condition, type Criteria, type EngagementLevel } from './schema.ts';

export type ExplainedCondition = Condition & { result: boolean; text: string; actual?: unknown };
export type ExplainedNode = ({ all: ExplainedNode[] } | { any: ExplainedNode[] }) & { result: boolean } | ExplainedCondition;

/** The contact's own value behind a condition, shown next to the verdict (null: none to show). */
function actualOf(c: Condition, env: CriteriaEnv): Sql | null {
  const ws = env.workspaceId;
  switch (c.type) {
    case 'field':
      return sql`to_jsonb(${fieldValue(c.field, env).expr})`;
    case 'consent':
      return c.channel === 'email' ? sql`to_jsonb(c.email_status)` : sql`to_jsonb(c.sms_status)`;
    case 'engagement':
      return c.which === 'current'
        ? sql`to_jsonb(coalesce((select e.level from contact_engagement e where e.workspace_id = ${ws} and e.contact_id = c.id), 'everyone_else'))`
        : sql`to_jsonb((select e.previous_level from contact_engagement e where e.workspace_id = ${ws} and e.contact_id = c.id))`;
    case 'total_spent':
    case 'order_count':
    case 'last_order_date':
      return sql`to_jsonb(${ecommerceActual(c, env, sql.raw('c'))})`;
    default:
      return null;
  }
}

/**
 * Why a contact is (or is not) in a segment: every condition of the tree is evaluated in ONE
 * query, each as a boolean column next to the contact's own value; groups are combined here
 * from their children, which is sound because no compiled condition is ever NULL.
 */
export async function explainContact(q: Queryable, criteria: Criteria, contactId: number, allEnv: CriteriaEnv) {
  const env = { ...allEnv, only: [contactId] };
  const conditions: Condition[] = [];
  const collect = (n: Criteria) => (isGroup(n) ? childrenOf(n).forEach(collect) : conditions.push(n));
  collect(criteria);
  const columns = conditions.flatMap((c, i) => {
    const actual = actualOf(c, env);
    return [sql`${predicate(compileCondition(c, env), sql.raw('c'))} as ${sql.raw(`r${i}`)}`, ...(actual ? [sql`${actual} as ${sql.raw(`a${i}`)}`] : [])];
  });
  const { rows } = await q.query<Record<string, unknown>>(sql`
    select c.id ${columns.length ? sql`, ${sql.join(columns)}` : sql``}
      from contacts c where c.workspace_id = ${env.workspaceId} and c.id = ${contactId}`);
  const row = rows[0];
  if (!row) throw notFound('contact');

  const listIds = [...new Set(conditions.flatMap((c) => (c.type === 'list' ? c.list_ids : [])))];
  const names = new Map<number, string>();
  if (listIds.length) {
    const r = await q.query<{ id: number; name: string }>(sql`select id, name from lists where workspace_id = ${env.workspaceId} and id = any(${listIds}::bigint[])`);
    r.rows.forEach((l) => names.set(l.id, l.name));
  }

  let i = 0;
  const annotate = (n: Criteria): ExplainedNode => {
    if (isGroup(n)) {
      const children = childrenOf(n).map(annotate);
      const and = 'all' in n;
      const result = and ? children.every((c) => c.result) : children.some((c) => c.result);
      return (and ? { all: children, result } : { any: children, result }) as ExplainedNode;
    }
    const k = i++;
    const result = row[`r${k}`] === true;
    const hasActual = `a${k}` in row;
    let actual = hasActual ? row[`a${k}`] : undefined;
    if (n.type === 'engagement' && typeof actual === 'string') actual = LEVEL_NAMES[actual as EngagementLevel];
    const text = explainSentence(describeCondition(n, names), result, hasActual ? { value: actual } : undefined);
    return { ...n, result, text, ...(hasActual ? { actual } : {}) };
  };
  const tree = annotate(criteria);
  return { contact_id: contactId, result: tree.result, criteria: tree };
}
