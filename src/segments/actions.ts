import { stringify } from 'csv-stringify/sync';
import { sql, type Queryable, type Sql } from '../db/index.ts';
import { AppError, invalid } from '../errors.ts';
import type { JoinSource } from '../contacts/index.ts';
import type { CriteriaEnv } from './compile.ts';
import { selectMemberIds } from './query.ts';
import type { Criteria } from './schema.ts';

/**
 * Adds the segment's current members to a list (S-5) in ONE statement, INSERT … SELECT, with
 * a list.joined event for each new member written by the same statement (as joinLists
 * does for explicit ids). Members already on the list are left as they are.
 */
export async function addMembersToList(q: Queryable, criteria: Criteria, env: CriteriaEnv, listId: number, source: JoinSource = 'manual') {
  const ws = env.workspaceId;
  // the list and the members are locked FOR KEY SHARE, as foreign key checks would (migration 017)
  const list = await q.query(sql`select 1 from lists where workspace_id = ${ws} and id = ${listId} for key share`);
  if (!list.rows[0]) throw invalid('list_id', `no list ${listId} in this workspace`);
  const { rows } = await q.query<{ n: number }>(sql`
    with added as (
      insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
      select ${ws}, ${listId}, m.id, ${env.now}, ${source} from (${selectMemberIds(criteria, env, { lock: true })}) m
      on conflict do nothing
      returning list_id, contact_id),
    logged as (
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${ws}, contact_id, 'list.joined', jsonb_build_object('list_id', list_id, 'source', ${source}::text), ${env.now}, ${env.now}
        from added)
    select count(*)::int as n from added`);
  return rows[0].n;
}

/** C-2: email, first and last name and the date added, as a list's export. */
export const DEFAULT_EXPORT_FIELDS = ['email', 'first_name', 'last_name', 'joined_at'];
const STANDARD = ['id', 'key', 'email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday', 'email_status', 'sms_status', 'created_at', 'joined_at'];

/** Checks the requested columns: standard ones, or custom field keys of the workspace. */
export function exportColumns(requested: string[] | undefined, env: CriteriaEnv): string[] {
  const cols = requested?.length ? requested : DEFAULT_EXPORT_FIELDS;
  const bad = cols.map((f, i) => ({ f, i })).filter(({ f }) => !STANDARD.includes(f) && !env.fields.has(f));
  if (bad.length)
    throw new AppError('validation', `fields: unknown field ${bad[0].f}`, bad.map(({ f, i }) => ({ path: `fields[${i}]`, message: `no field ${f}` })));
  return cols;
}

const cell = (v: unknown) => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The date a member was added (joined_at), as a list's export has it: when the tracked
 * membership of a saved segment (J-5) first saw the contact match. A contact matching since
 * the last refresh is not tracked yet: it entered after that refresh and not before it
 * existed, so the later of the two. A built-in segment is not tracked: the contact's creation.
 */
async function joinedAt(q: Queryable, workspaceId: number, segmentId: number | null): Promise<{ expr: Sql; join: Sql }> {
  if (segmentId === null) return { expr: sql`c.created_at`, join: sql`` };
  const { rows } = await q.query<{ at: Date | null }>(sql`
    select members_refreshed_at as at from segments where workspace_id = ${workspaceId} and id = ${segmentId}`);
  return {
    expr: sql`coalesce(sm.entered_at, greatest(c.created_at, ${rows[0]?.at ?? null}::timestamptz))`,
    join: sql`left join segment_members sm on sm.workspace_id = c.workspace_id and sm.segment_id = ${segmentId} and sm.contact_id = c.id`,
  };
}

/**
 * The segment's members as CSV. Membership is evaluated once (one snapshot, one set
 * computation, ids sent back as one compact string), then contacts are read and written in
 * chunks of `batch`: memory stays small and a page never re-evaluates the criteria.
 * `segmentId`: the saved segment whose tracked membership dates joined_at (null: a built-in).
 */
export async function* exportMembersCsv(q: Queryable, criteria: Criteria, env: CriteriaEnv, columns: string[], batch = 2000, segmentId: number | null = null): AsyncGenerator<string> {
  const joined = columns.includes('joined_at') ? await joinedAt(q, env.workspaceId, segmentId) : { expr: sql`null`, join: sql`` };
  const exprs: Sql[] = columns.map((f, i) =>
    f === 'joined_at'
      ? sql`${joined.expr} as ${sql.raw(`v${i}`)}`
      : STANDARD.includes(f) ? sql`${sql.raw(`c.${f}`)} as ${sql.raw(`v${i}`)}` : sql`c.fields -> ${f}::text as ${sql.raw(`v${i}`)}`,
  );
  const { rows } = await q.query<{ ids: string }>(sql`
    select coalesce(string_agg(m.id::text, ',' order by m.id), '') as ids from (${selectMemberIds(criteria, env)}) m`);
  const ids = rows[0].ids ? rows[0].ids.split(',').map(Number) : [];
  yield stringify([columns]);
  for (let i = 0; i < ids.length; i += batch) {
    const page = await q.query<Record<string, unknown>>(sql`
      select ${sql.join(exprs)} from contacts c ${joined.join}
       where c.workspace_id = ${env.workspaceId} and c.id = any(${ids.slice(i, i + batch)}::bigint[]) order by c.id`);
    yield stringify(page.rows.map((r) => columns.map((_, k) => cell(r[`v${k}`]))));
  }
}
