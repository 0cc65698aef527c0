import { sql, type Queryable } from '../db/index.ts';

export interface NewEvent {
  workspaceId: number;
  contactId: number | null;
  type: string;
  data?: unknown;
  occurredAt?: Date;
}

/**
 * Appends events to the ordered log, in the caller's transaction (C-3): the change and the
 * event that automation reacts to commit together or not at all. One statement per call.
 */
export async function appendEvents(q: Queryable, now: Date, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(sql`
    insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
    select w, c, t, d::jsonb, o, ${now}
      from unnest(${events.map((e) => e.workspaceId)}::bigint[], ${events.map((e) => e.contactId)}::bigint[],
                  ${events.map((e) => e.type)}::text[], ${events.map((e) => JSON.stringify(e.data ?? {}))}::text[],
                  ${events.map((e) => e.occurredAt ?? now)}::timestamptz[]) as u(w, c, t, d, o)`);
}

export interface LogCursor {
  xid: string;
  id: number;
}

export interface LoggedEvent {
  id: number;
  workspace_id: number;
  contact_id: number | null;
  type: string;
  data: any;
  occurred_at: Date;
  xid: string;
}

export const LOG_START: LogCursor = { xid: '0', id: 0 };

/**
 * Reads the log after `cursor` in commit-safe order. Only rows of transactions older than
 * every transaction still running are returned, so a consumer never skips a row that a slow
 * transaction commits later with a smaller id.
 */
export async function readLog(q: Queryable, cursor: LogCursor, limit: number, types?: string[]): Promise<LoggedEvent[]> {
  const { rows } = await q.query<LoggedEvent>(sql`
    select id, workspace_id, contact_id, type, data, occurred_at, xid::text as xid
      from events
     where (xid, id) > (${cursor.xid}::xid8, ${cursor.id})
       and xid < pg_snapshot_xmin(pg_current_snapshot())
       ${types ? sql`and type = any(${types})` : sql``}
     -- the table's columns, not the text aliases above: xid text would sort '1000' before '759'
     order by events.xid, events.id
     limit ${limit}`);
  return rows;
}

/** A contact's timeline: events newest first, with cursor pagination on id. */
export async function contactTimeline(q: Queryable, workspaceId: number, contactId: number, limit: number, before?: number) {
  const { rows } = await q.query(sql`
    select id, type, data, occurred_at, created_at from events
     where workspace_id = ${workspaceId} and contact_id = ${contactId}
       ${before ? sql`and id < ${before}` : sql``}
     order by id desc limit ${limit}`);
  return rows;
}

/**
 * True when the log holds rows after `cursor` that readLog cannot return yet, because an
 * older transaction (anywhere on the server) is still running. Consumers wait a moment for
 * it instead of concluding that nothing is pending.
 */
export async function pendingAfter(q: Queryable, cursor: LogCursor): Promise<boolean> {
  const { rows } = await q.query(sql`select 1 from events where (xid, id) > (${cursor.xid}::xid8, ${cursor.id}) limit 1`);
  return rows.length > 0;
}
