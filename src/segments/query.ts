import { sql, type Db, type Queryable, type Sql } from '../db/index.ts';
import { AppError, notFound } from '../errors.ts';
import { CONTACT_COLUMNS, assertLists, loadFieldDefs, type FieldType } from '../contacts/index.ts';
import { compileCondition, compileCriteria, unionCount, type CriteriaEnv } from './compile.ts';
import { childrenOf, isGroup, parseCriteria, type Criteria } from './schema.ts';

/** Loads what compiling needs for a workspace: its time zone and custom field types. */
export async function criteriaEnv(q: Queryable, workspaceId: number, now: Date): Promise<CriteriaEnv> {
  const { rows } = await q.query<{ timezone: string }>(sql`select timezone from workspaces where id = ${workspaceId}`);
  if (!rows[0]) throw notFound('workspace');
  const defs = await loadFieldDefs(q, workspaceId);
  return { workspaceId, now, timezone: rows[0].timezone, fields: new Map([...defs].map(([k, d]) => [k, d.type as FieldType])) };
}

/**
 * Parses a criteria tree and checks its references (custom fields, list ids) against the
 * workspace; errors name the node, e.g. `criteria.all[2].list_ids[0]`.
 */
export async function validateCriteria(q: Queryable, workspaceId: number, raw: unknown, path = 'criteria'): Promise<Criteria> {
  const env = await criteriaEnv(q, workspaceId, new Date(0));
  const criteria = parseCriteria(raw, env.fields, path);
  const lists: { ids: number[]; at: string }[] = [];
  const walk = (n: Criteria, at: string) => {
    if (isGroup(n)) childrenOf(n).forEach((c, i) => walk(c, `${at}.${'all' in n ? 'all' : 'any'}[${i}]`));
    else if (n.type === 'list') lists.push({ ids: n.list_ids, at: `${at}.list_ids` });
  };
  walk(criteria, path);
  const errors = [];
  for (const l of lists) {
    try {
      await assertLists(q, workspaceId, l.ids, l.at);
    } catch (err) {
      if (err instanceof AppError) errors.push(...err.details);
      else throw err;
    }
  }
  if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors);
  return criteria;
}

/**
 * `select c.id from contacts c where …`: the members as a fragment, for INSERT … SELECT
 * (campaign recipients, add to list) and joins. Evaluated when the statement runs (S-4).
 * With `lock`, the members are locked FOR KEY SHARE, as a foreign key check of rows written
 * for them would (migration 017).
 */
export function selectMemberIds(criteria: Criteria, env: CriteriaEnv, opts: { lock?: boolean } = {}): Sql {
  return sql`select c.id from contacts c where c.workspace_id = ${env.workspaceId} and ${compileCriteria(criteria, env)}
    ${opts.lock ? sql`for key share of c` : sql``}`;
}

/**
 * The number of contacts matching now (S-4). With the server's own work_mem, except for a union
 * of sets, whose count(distinct) sorts every id of every branch: 274k ids spilled to disk at
 * 4 MB (bench/segments nested OR, 238 → 218 ms with 32 MB). 64 MB for every count was measured
 * to cost an earlier nested-OR plan its parallel workers, 370 → 700 ms.
 */
export async function countSegment(q: Queryable, criteria: Criteria, env: CriteriaEnv): Promise<number> {
  const simple = membershipOnly(criteria, env);
  const union = simple ? null : unionCount(criteria, env);
  if (union && 'tx' in q)
    return (q as Db).tx(async (tx) => {
      await tx.query(`set local work_mem = '32MB'`);
      return (await tx.query<{ n: number }>(union)).rows[0].n;
    });
  const statement = simple ?? union ?? sql`select count(*)::int as n from contacts c where c.workspace_id = ${env.workspaceId} and ${compileCriteria(criteria, env)}`;
  return (await q.query<{ n: number }>(statement)).rows[0].n;
}

/**
 * A tree that is just one list, tag or engagement level (a list segment, a built-in one) is
 * counted from that table alone, so a million contacts need not be joined: memberships, tags
 * and levels go with their contact (delete triggers, migrations 014 and 017). Sets read from
 * the events log are counted by unionCount.
 */
function membershipOnly(node: Criteria, env: CriteriaEnv): Sql | null {
  if (isGroup(node)) return childrenOf(node).length === 1 ? membershipOnly(childrenOf(node)[0], env) : null;
  const x = compileCondition(node, env);
  if (x.kind !== 'set' || x.negated || !x.members) return null;
  return sql`select count(${x.unique ? sql`*` : sql`distinct ${x.col}`})::int as n from ${x.from} where ${x.where}`;
}

const encodeCursor = (id: number) => Buffer.from(`m:${id}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^m:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw new AppError('validation', 'cursor: not a cursor returned by this API', [{ path: 'cursor', message: 'invalid cursor' }]);
  return Number(m[1]);
}

/** Members in id order, keyset-paginated: a page costs the same wherever it is. */
export async function segmentMembers(q: Queryable, criteria: Criteria, env: CriteriaEnv, page: { limit: number; cursor?: string }) {
  const after = page.cursor ? decodeCursor(page.cursor) : 0;
  const { rows } = await q.query<{ id: number }>(sql`
    select ${CONTACT_COLUMNS} from contacts c
     where c.workspace_id = ${env.workspaceId} and c.id > ${after} and ${compileCriteria(criteria, env)}
     order by c.id limit ${page.limit + 1}`);
  const more = rows.length > page.limit;
  const data = more ? rows.slice(0, page.limit) : rows;
  return { data, next_cursor: more ? encodeCursor(data[data.length - 1].id) : null };
}

/**
 * Which of these contacts match, in one query: journeys evaluate a condition for a whole
 * batch of enrollments at once (J-7, J-10, J-12), never contact by contact.
 */
export async function evaluateFor(q: Queryable, criteria: Criteria, contactIds: number[], env: CriteriaEnv): Promise<Set<number>> {
  if (contactIds.length === 0) return new Set();
  const { rows } = await q.query<{ id: number }>(sql`
    select c.id from contacts c
     where c.workspace_id = ${env.workspaceId} and c.id = any(${contactIds}::bigint[]) and ${compileCriteria(criteria, { ...env, only: contactIds })}`);
  return new Set(rows.map((r) => r.id));
}
