import { sql, type Queryable } from '../db/index.ts';
import { invalid, notFound } from '../errors.ts';

export function checkTag(tag: string, path = 'tags'): string {
  const t = tag.trim();
  if (!t || t.length > 100) throw invalid(path, 'a tag has 1 to 100 characters');
  return t;
}

/**
 * Tags contacts in one statement, logging each new tag as tag.added. The contacts are locked
 * FOR KEY SHARE as a foreign key check would (migration 017): an id that is not, or no longer,
 * a contact of the workspace gets no tag.
 */
export async function addTags(q: Queryable, now: Date, workspaceId: number, contactIds: number[], tags: string[]) {
  if (contactIds.length === 0 || tags.length === 0) return 0;
  const { rows } = await q.query<{ n: number }>(sql`
    with c as (select id from contacts where workspace_id = ${workspaceId} and id = any(${contactIds}::bigint[]) order by id for key share),
    added as (
      insert into contact_tags (workspace_id, contact_id, tag, created_at)
      select ${workspaceId}, c.id, t, ${now} from c cross join unnest(${tags}::text[]) t
      on conflict do nothing returning contact_id, tag),
    logged as (
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${workspaceId}, contact_id, 'tag.added', jsonb_build_object('tag', tag), ${now}, ${now} from added)
    select count(*)::int as n from added`);
  return rows[0].n;
}

export async function removeTags(q: Queryable, now: Date, workspaceId: number, contactIds: number[] | 'all', tags: string[]) {
  if (tags.length === 0 || (contactIds !== 'all' && contactIds.length === 0)) return 0;
  const { rows } = await q.query<{ n: number }>(sql`
    with removed as (
      delete from contact_tags where workspace_id = ${workspaceId} and tag = any(${tags}::text[])
        ${contactIds === 'all' ? sql`` : sql`and contact_id = any(${contactIds}::bigint[])`}
      returning contact_id, tag),
    logged as (
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${workspaceId}, contact_id, 'tag.removed', jsonb_build_object('tag', tag), ${now}, ${now} from removed)
    select count(*)::int as n from removed`);
  return rows[0].n;
}

export async function listTags(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`
    select tag, count(*)::int as contact_count from contact_tags where workspace_id = ${workspaceId} group by tag order by tag`);
  return rows;
}

/** Renames a tag everywhere: removal of the old tag and addition of the new one are both logged. */
export async function renameTag(q: Queryable, now: Date, workspaceId: number, from: string, to: string) {
  const { rows } = await q.query<{ contact_id: number }>(
    sql`select contact_id from contact_tags where workspace_id = ${workspaceId} and tag = ${from}`,
  );
  if (rows.length === 0) throw notFound('tag');
  const ids = rows.map((r) => r.contact_id);
  await removeTags(q, now, workspaceId, ids, [from]);
  await addTags(q, now, workspaceId, ids, [checkTag(to, 'name')]);
  return ids.length;
}

export async function contactTags(q: Queryable, workspaceId: number, contactId: number): Promise<string[]> {
  const { rows } = await q.query<{ tag: string }>(
    sql`select tag from contact_tags where workspace_id = ${workspaceId} and contact_id = ${contactId} order by tag`,
  );
  return rows.map((r) => r.tag);
}
