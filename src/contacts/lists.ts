import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, notFound } from '../errors.ts';

export type JoinSource = 'api' | 'import' | 'form' | 'manual' | 'journey';

const LIST_COLUMNS = sql`l.id, l.name, l.description, l.created_at,
  (select count(*) from list_members m where m.workspace_id = l.workspace_id and m.list_id = l.id)::int as member_count`;

export async function listLists(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`select ${LIST_COLUMNS} from lists l where l.workspace_id = ${workspaceId} order by l.id`);
  return rows;
}

export async function getList(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query(sql`select ${LIST_COLUMNS} from lists l where l.workspace_id = ${workspaceId} and l.id = ${id}`);
  if (!rows[0]) throw notFound('list');
  return rows[0];
}

export async function createList(q: Queryable, clock: Clock, workspaceId: number, input: { name: string; description?: string }) {
  const { rows } = await q.query<{ id: number }>(sql`
    insert into lists (workspace_id, name, description, created_at)
    values (${workspaceId}, ${input.name}, ${input.description ?? ''}, ${clock.now()})
    on conflict (workspace_id, name) do nothing returning id`);
  if (!rows[0]) throw new AppError('conflict', `a list named "${input.name}" already exists`, [{ path: 'name', message: 'already exists' }]);
  return getList(q, workspaceId, rows[0].id);
}

export async function updateList(q: Queryable, workspaceId: number, id: number, patch: { name?: string; description?: string }) {
  try {
    const r = await q.query(sql`
      update lists set name = coalesce(${patch.name ?? null}, name), description = coalesce(${patch.description ?? null}, description)
       where workspace_id = ${workspaceId} and id = ${id}`);
    if (r.rowCount === 0) throw notFound('list');
  } catch (err: any) {
    if (err?.code === '23505') throw new AppError('conflict', `a list named "${patch.name}" already exists`, [{ path: 'name', message: 'already exists' }]);
    throw err;
  }
  return getList(q, workspaceId, id);
}

export async function deleteList(q: Queryable, workspaceId: number, id: number) {
  const r = await q.query(sql`delete from lists where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('list');
}

export async function findListByName(q: Queryable, workspaceId: number, name: string) {
  const { rows } = await q.query<{ id: number }>(sql`select id from lists where workspace_id = ${workspaceId} and name = ${name}`);
  return rows[0]?.id ?? null;
}

/** Throws a 400 naming `path` when some of the ids are not lists of this workspace. */
export async function assertLists(q: Queryable, workspaceId: number, ids: number[], path = 'list_ids') {
  if (ids.length === 0) return;
  const { rows } = await q.query<{ id: number }>(sql`select id from lists where workspace_id = ${workspaceId} and id = any(${ids}::bigint[])`);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter((x) => !found.has(x.id));
  if (missing.length)
    throw new AppError('validation', `unknown list id ${missing[0].id}`, missing.map((m) => ({ path: `${path}[${m.i}]`, message: `no list ${m.id} in this workspace` })));
}

/**
 * Adds contacts to lists in one statement; members already there are left as they are.
 * Each new membership is logged as list.joined in the same statement. The contacts and lists
 * are locked FOR KEY SHARE as a foreign key check would (migration 017): ids that are not, or
 * no longer, a contact or list of the workspace get no row, and a delete of one waits for
 * this transaction, then removes what it wrote.
 */
export async function joinLists(q: Queryable, now: Date, workspaceId: number, contactIds: number[], listIds: number[], source: JoinSource) {
  if (contactIds.length === 0 || listIds.length === 0) return 0;
  const { rows } = await q.query<{ n: number }>(sql`
    with l as (select id from lists where workspace_id = ${workspaceId} and id = any(${listIds}::bigint[]) order by id for key share),
    c as (select id from contacts where workspace_id = ${workspaceId} and id = any(${contactIds}::bigint[]) order by id for key share),
    added as (
      insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
      select ${workspaceId}, l.id, c.id, ${now}, ${source} from l cross join c
      on conflict do nothing
      returning list_id, contact_id),
    logged as (
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${workspaceId}, contact_id, 'list.joined', jsonb_build_object('list_id', list_id, 'source', ${source}::text), ${now}, ${now}
        from added)
    select count(*)::int as n from added`);
  return rows[0].n;
}

export async function leaveLists(q: Queryable, now: Date, workspaceId: number, contactIds: number[], listIds: number[], source = 'api') {
  if (contactIds.length === 0 || listIds.length === 0) return 0;
  const { rows } = await q.query<{ n: number }>(sql`
    with removed as (
      delete from list_members
       where workspace_id = ${workspaceId} and list_id = any(${listIds}::bigint[]) and contact_id = any(${contactIds}::bigint[])
      returning list_id, contact_id),
    logged as (
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${workspaceId}, contact_id, 'list.left', jsonb_build_object('list_id', list_id, 'source', ${source}::text), ${now}, ${now}
        from removed)
    select count(*)::int as n from removed`);
  return rows[0].n;
}

export async function contactLists(q: Queryable, workspaceId: number, contactId: number) {
  const { rows } = await q.query(sql`
    select l.id, l.name, m.joined_at, m.source from list_members m join lists l on l.workspace_id = m.workspace_id and l.id = m.list_id
     where m.workspace_id = ${workspaceId} and m.contact_id = ${contactId} order by l.id`);
  return rows;
}

/** Turns a list's public signup form on or off (C-5); the token is the form's public address. */
export async function setListForm(q: Queryable, workspaceId: number, id: number, input: { enabled: boolean; doubleOptIn: boolean; token: string }) {
  const r = await q.query<{ form_token: string | null; double_opt_in: boolean }>(sql`
    update lists set form_token = case when ${input.enabled} then coalesce(form_token, ${input.token}) else null end,
           double_opt_in = ${input.doubleOptIn}
     where workspace_id = ${workspaceId} and id = ${id} returning form_token, double_opt_in`);
  if (!r.rows[0]) throw notFound('list');
  return r.rows[0];
}

export async function listByFormToken(q: Queryable, token: string) {
  const { rows } = await q.query<{ workspace_id: number; id: number; name: string; double_opt_in: boolean }>(
    sql`select workspace_id, id, name, double_opt_in from lists where form_token = ${token}`,
  );
  return rows[0] ?? null;
}
