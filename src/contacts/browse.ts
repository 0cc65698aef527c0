import { sql, type Queryable, type Sql } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { CONTACT_COLUMNS } from './contacts.ts';

/** What a contact list shows: search text (email or name), a list, a tag (C-1). */
export interface ContactFilter {
  q?: string;
  listId?: number;
  tag?: string;
}

/**
 * The orders offered, each served by an index: `contacts_created` (workspace_id, created_at)
 * and `contacts_email` (workspace_id, lower(email)); the id breaks ties. A leading `-` is
 * descending. Name and last-update orders have no index and are not offered.
 */
export const CONTACT_SORTS = ['-created_at', 'created_at', 'email', '-email'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

/** Counted exactly up to this many; beyond, the total says "at least" (measured in README). */
export const COUNT_CAP = 10_000;

export interface ContactQuery extends ContactFilter {
  limit: number;
  cursor?: string;
  sort?: ContactSort;
}

/** The SQL condition of a filter, on `contacts c`. */
export function filterSql(workspaceId: number, f: ContactFilter): Sql {
  const search = f.q?.trim();
  const like = search ? `%${search.replace(/[\\%_]/g, (ch) => '\\' + ch)}%` : null;
  return sql`c.workspace_id = ${workspaceId}
    ${like ? sql`and (lower(c.email) like lower(${like}) or c.first_name ilike ${like} or c.last_name ilike ${like}
                      or (coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')) ilike ${like})` : sql``}
    ${f.listId ? sql`and exists (select 1 from list_members m where m.workspace_id = c.workspace_id and m.contact_id = c.id and m.list_id = ${f.listId})` : sql``}
    ${f.tag ? sql`and exists (select 1 from contact_tags t where t.workspace_id = c.workspace_id and t.contact_id = c.id and t.tag = ${f.tag})` : sql``}`;
}

/** Where a page starts: the sort key and id of the row before it, and its position. */
interface Cursor {
  s: ContactSort;
  v: string | null;
  i: number;
  p: number;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decode(cursor: string, sort: ContactSort): Cursor {
  let c: Partial<Cursor> | null = null;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    c = null;
  }
  if (!c || typeof c.i !== 'number' || typeof c.p !== 'number' || (c.v !== null && typeof c.v !== 'string'))
    throw new AppError('validation', 'cursor: not a cursor returned by this API', [{ path: 'cursor', message: 'invalid cursor' }]);
  if (c.s !== sort) throw new AppError('validation', `cursor: made for sort ${c.s}, not ${sort}`, [{ path: 'cursor', message: 'belongs to another sort order' }]);
  return c as Cursor;
}

/** The key of each order as text, to carry in a cursor. */
const keyOf: Record<ContactSort, Sql> = {
  '-created_at': sql`to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
  created_at: sql`to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`,
  email: sql`lower(c.email)`,
  '-email': sql`lower(c.email)`,
};

function orderSql(sort: ContactSort): Sql {
  switch (sort) {
    case '-created_at': return sql`c.created_at desc, c.id desc`;
    case 'created_at': return sql`c.created_at, c.id`;
    // nulls where the index keeps them: last ascending, first descending
    case 'email': return sql`lower(c.email) asc nulls last, c.id asc`;
    case '-email': return sql`lower(c.email) desc nulls first, c.id desc`;
  }
}

/** The rows after the cursor in the sort order. */
function afterSql(sort: ContactSort, c: Cursor): Sql {
  const at = sql`(${c.v}::timestamp at time zone 'UTC')`;
  switch (sort) {
    case '-created_at': return sql`and (c.created_at, c.id) < (${at}, ${c.i})`;
    case 'created_at': return sql`and (c.created_at, c.id) > (${at}, ${c.i})`;
    case 'email':
      return c.v === null ? sql`and c.email is null and c.id > ${c.i}`
        : sql`and (lower(c.email) > ${c.v} or (lower(c.email) = ${c.v} and c.id > ${c.i}) or c.email is null)`;
    case '-email':
      return c.v === null ? sql`and ((c.email is null and c.id < ${c.i}) or c.email is not null)`
        : sql`and (lower(c.email) < ${c.v} or (lower(c.email) = ${c.v} and c.id < ${c.i}))`;
  }
}

/**
 * How many contacts match, exactly up to COUNT_CAP: on 100,000 matching contacts an exact
 * count took long enough to slow every page, so beyond the cap the answer is "at least".
 */
export async function countContacts(q: Queryable, workspaceId: number, f: ContactFilter) {
  const { rows } = await q.query<{ n: number }>(sql`
    select count(*)::int as n from (select 1 from contacts c where ${filterSql(workspaceId, f)} limit ${COUNT_CAP + 1}) x`);
  const n = rows[0].n;
  return n > COUNT_CAP ? { total: COUNT_CAP, total_exact: false } : { total: n, total_exact: true };
}

/**
 * A page of contacts in a sort order, filtered; keyset pagination (a page stays correct while
 * contacts are added or removed before it), with the page's position and the total.
 */
export async function listContacts(q: Queryable, workspaceId: number, query: ContactQuery) {
  const sort = query.sort ?? '-created_at';
  const cursor = query.cursor ? decode(query.cursor, sort) : null;
  const { rows } = await q.query<Record<string, any> & { id: number; sort_key: string | null }>(sql`
    select ${CONTACT_COLUMNS}, ${keyOf[sort]} as sort_key from contacts c
     where ${filterSql(workspaceId, query)} ${cursor ? afterSql(sort, cursor) : sql``}
     order by ${orderSql(sort)} limit ${query.limit + 1}`);
  const more = rows.length > query.limit;
  const page = (more ? rows.slice(0, query.limit) : rows).map(({ sort_key: _, ...r }) => r);
  const offset = cursor?.p ?? 0;
  const last = more ? rows[query.limit - 1] : null;
  return {
    data: page,
    next_cursor: last ? encode({ s: sort, v: last.sort_key, i: last.id, p: offset + page.length }) : null,
    offset,
    ...(await countContacts(q, workspaceId, query)),
  };
}

/** The next ids matching a filter, ascending after `after` and at most `upTo`. */
export async function matchingIds(q: Queryable, workspaceId: number, f: ContactFilter, after: number, upTo: number, limit: number): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(sql`
    select c.id from contacts c where ${filterSql(workspaceId, f)} and c.id > ${after} and c.id <= ${upTo} order by c.id limit ${limit}`);
  return rows.map((r) => Number(r.id));
}

export async function lastContactId(q: Queryable, workspaceId: number): Promise<number> {
  const { rows } = await q.query<{ id: number | null }>(sql`select max(id) as id from contacts where workspace_id = ${workspaceId}`);
  return Number(rows[0].id ?? 0);
}
