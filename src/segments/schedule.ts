import { DateTime } from 'luxon';
import { sql, type Queryable, type Sql } from '../db/index.ts';
import type { Criteria } from './schema.ts';

/**
 * When a saved segment's tracked membership (J-5) needs its next refresh, without computing it.
 *
 * Membership is a function of the workspace's data and of time. The data is watched through a
 * watermark read at each refresh: the last event id (every change of a contact's fields, lists,
 * tags or consent is logged as an event, as are purchases and messages; only the types the
 * criteria can read count), the contacts and engagement-history ids, the transactions still in
 * flight then (a late commit can add events below the last id) and the workspace's time zone.
 * While none of these moved, a refresh would find the same members:
 * none is due, and no per-contact SQL runs (issue 17: a simulated day used to refresh every
 * 5 minutes). Time alone changes membership only through time-relative conditions, and only at
 * known instants: the next local midnight for day-relative dates (`within_last_days`,
 * `anniversary_today`, …), and for event windows the moment the oldest event in the window
 * leaves it or a future-dated event starts to count. The refresh records the earliest of these.
 * A segment is due, at the soonest `refresh_minutes` after its last refresh, when its data moved
 * or its next instant came.
 */

export const DEFAULT_REFRESH_MINUTES = 5;

/** The data a refresh saw (segments.members_inputs). */
export interface Inputs {
  /** Last event id, engagement-history id and contact id of the workspace. */
  e: string;
  g: string;
  c: string;
  /** Transactions in flight when the watermark was read. */
  x: string[];
  tz: string;
  /** The event types the criteria depend on, as LIKE patterns. */
  t: string[];
}

export async function readInputs(q: Queryable, workspaceId: number, criteria: Criteria): Promise<Inputs> {
  const { rows } = await q.query<Omit<Inputs, 't'>>(sql`
    select coalesce((select max(id) from events where workspace_id = ${workspaceId}), 0)::text as e,
           coalesce((select max(id) from engagement_history where workspace_id = ${workspaceId}), 0)::text as g,
           coalesce((select max(id) from contacts where workspace_id = ${workspaceId}), 0)::text as c,
           array(select x::text from pg_snapshot_xip(pg_current_snapshot()) x
                  where x is distinct from pg_current_xact_id_if_assigned()) as x,
           (select timezone from workspaces where id = ${workspaceId}) as tz`);
  return { ...rows[0], t: eventPatterns(criteria) };
}

/**
 * New events looked at per segment and check: past this many since the last refresh (a campaign
 * sending), the segment counts as changed rather than have each check read them all.
 */
const SCAN = 1000;

/** SQL: whether the data segment `s` (joined to its workspace `w`) depends on moved since its last refresh. */
export const inputsChanged: Sql = sql`(
  s.members_inputs is null
  or w.timezone is distinct from s.members_inputs ->> 'tz'
  or exists (select 1 from (select e.type from events e where e.workspace_id = s.workspace_id and e.id > (s.members_inputs ->> 'e')::bigint
                             order by e.id limit ${SCAN}) n
              where n.type like any(array(select jsonb_array_elements_text(coalesce(s.members_inputs -> 't', '["%"]'::jsonb)))))
  or exists (select 1 from events e where e.workspace_id = s.workspace_id and e.id > (s.members_inputs ->> 'e')::bigint
              order by e.id offset ${SCAN} limit 1)
  or exists (select 1 from events e
              where e.xid = any(array(select jsonb_array_elements_text(coalesce(s.members_inputs -> 'x', '[]'::jsonb)))::xid8[])
                and e.workspace_id = s.workspace_id)
  -- the newest id, one backward probe of each primary key. As EXISTS (… id > x) the planner
  -- guessed a third of the rows past x and scanned the tables whole for none: 45 + 70 ms per
  -- segment at 200,000 demo contacts, holding the embedded database 344 ms (issue 15)
  or coalesce((select max(h.id) from engagement_history h where h.workspace_id = s.workspace_id), 0) > (s.members_inputs ->> 'g')::bigint
  or coalesce((select max(c.id) from contacts c where c.workspace_id = s.workspace_id), 0) > (s.members_inputs ->> 'c')::bigint)`;

const minutes = sql`(case when jsonb_typeof(w.settings -> 'segments' -> 'refresh_minutes') = 'number'
                           and (w.settings -> 'segments' ->> 'refresh_minutes')::numeric between 1 and 1440
                          then (w.settings -> 'segments' ->> 'refresh_minutes')::float8 else ${DEFAULT_REFRESH_MINUTES}::float8 end)`;

/** SQL: when segment `s` is next due (null: not until its data moves). */
const dueAt = (now: Date) => sql`(case when s.members_refreshed_at is null then ${now}::timestamptz else least(
    case when s.members_next_at is not null then greatest(s.members_next_at, s.members_refreshed_at + ${minutes} * interval '1 minute') end,
    case when ${inputsChanged} then s.members_refreshed_at + ${minutes} * interval '1 minute' end) end)`;

/** Whether segment `id` is due at `now` (checked again under its row lock: two workers, one refresh). */
export async function isDue(q: Queryable, workspaceId: number, id: number, now: Date): Promise<boolean> {
  const { rows } = await q.query<{ due: boolean }>(sql`
    select coalesce(${dueAt(now)} <= ${now}::timestamptz, false) as due
      from segments s join workspaces w on w.id = s.workspace_id where s.workspace_id = ${workspaceId} and s.id = ${id}`);
  return rows[0]?.due ?? false;
}

export async function nextRefreshAt(q: Queryable, now: Date): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>(sql`
    select min(${dueAt(now)}) as at from segments s join workspaces w on w.id = s.workspace_id`);
  return rows[0]?.at ?? null;
}

export async function dueSegments(q: Queryable, now: Date, limit: number): Promise<{ workspace_id: number; id: number }[]> {
  const { rows } = await q.query<{ workspace_id: number; id: number }>(sql`
    select workspace_id, id from (
      select s.workspace_id, s.id, ${dueAt(now)} as due from segments s join workspaces w on w.id = s.workspace_id) d
     where due <= ${now}::timestamptz
     order by due, workspace_id, id
     limit ${limit}`);
  return rows.map((r) => ({ workspace_id: Number(r.workspace_id), id: Number(r.id) }));
}

const DAY_OPS = new Set(['before_days_ago', 'after_days_ago', 'within_last_days', 'anniversary_today']);
const DAY_MS = 86_400_000;

type Node = Record<string, any>;
function leaves(c: Criteria): Node[] {
  const n = c as Node;
  if (Array.isArray(n.all)) return n.all.flatMap(leaves);
  if (Array.isArray(n.any)) return n.any.flatMap(leaves);
  return [n];
}

/**
 * The events whose arrival may change who matches: every change of a contact's fields, lists,
 * tags or consent is logged as one (contact.*, list.*, tag.*, consent.*), plus the events the
 * conditions read. A refresh's own segment.entered / segment.left log is not among them unless
 * the criteria read it.
 */
export function eventPatterns(c: Criteria): string[] {
  const like = (t: string) => t.replace(/[\\%_]/g, (m) => `\\${m}`);
  const out = new Set(['contact.%', 'list.%', 'tag.%', 'consent.%']);
  for (const l of leaves(c)) for (const t of eventWindow(l)?.types ?? []) out.add(like(t));
  return [...out];
}

/** The event types a condition reads, and its window in days (undefined: all the past). */
function eventWindow(l: Node): { types: string[]; days?: number } | null {
  if (l.type === 'email_activity') {
    const op = String(l.op).replace(/^not_/, '');
    return { types: op === 'received' ? ['message.sent', 'message.bounced'] : op === 'opened' ? ['message.opened', 'message.clicked'] : ['message.clicked'], days: l.within_days };
  }
  if (l.type === 'purchase' || l.type === 'total_spent' || l.type === 'order_count') return { types: ['purchase'], days: l.within_days };
  if (l.type === 'last_order_date') return { types: ['purchase'] };
  if (l.type === 'event') return { types: [l.event], days: l.within_days };
  return null;
}

/**
 * The first instant after `now` at which time alone may change who matches `criteria`, or null
 * when only data changes can. Each lookup is an index probe (events by workspace, type, time).
 */
export async function nextTimeChange(q: Queryable, workspaceId: number, criteria: Criteria, now: Date, timezone: string): Promise<Date | null> {
  const times: number[] = [];
  const ls = leaves(criteria);
  if (ls.some((l) => DAY_OPS.has(l.op))) {
    // "today" in the workspace's zone moves at local midnight
    times.push(DateTime.fromJSDate(now, { zone: timezone }).startOf('day').plus({ days: 1 }).toMillis());
  }
  for (const l of ls) {
    const w = eventWindow(l);
    if (!w) continue;
    for (const type of w.types) {
      // a future-dated event starts to count at its time; the oldest event in the window leaves it
      const since = w.days === undefined ? now : new Date(now.getTime() - w.days * DAY_MS);
      const { rows } = await q.query<{ future: Date | null; oldest: Date | null }>(sql`
        select (select min(occurred_at) from events where workspace_id = ${workspaceId} and type = ${type} and occurred_at > ${now}::timestamptz) as future,
               (select min(occurred_at) from events where workspace_id = ${workspaceId} and type = ${type} and occurred_at >= ${since}::timestamptz) as oldest`);
      if (rows[0].future) times.push(new Date(rows[0].future).getTime());
      if (w.days !== undefined && rows[0].oldest) {
        const leaves = new Date(rows[0].oldest).getTime() + w.days * DAY_MS + 1; // the window is inclusive
        if (leaves > now.getTime()) times.push(leaves);
      }
    }
  }
  const next = Math.min(...times);
  return Number.isFinite(next) ? new Date(next) : null;
}
