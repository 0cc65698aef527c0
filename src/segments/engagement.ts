import { DateTime } from 'luxon';
import { sql, type Db, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { completeJob, enqueue, type JobHandler } from '../queue/index.ts';
import { ENGAGEMENT_LEVELS, type EngagementLevel } from './schema.ts';
import { ALL_CONTACTS, contactSlices, type ContactRange } from '../contacts/index.ts';

/**
 * Engagement levels (S-2, S-3), from delivered marketing emails in a window, excluding
 * those sent less than 24 hours ago (their opens are not in yet). Thresholds come from
 * workspaces.settings.engagement.
 */
export interface EngagementSettings {
  window_days: number;
  min_emails: number;
  /** Fractions of received emails (0.5 = 50 %). */
  most_open_rate: number;
  somewhat_open_rate: number;
}

export const ENGAGEMENT_DEFAULTS: EngagementSettings = { window_days: 90, min_emails: 3, most_open_rate: 0.5, somewhat_open_rate: 0.2 };
export const ENGAGEMENT_JOB = 'engagement.recompute';
const SETTLE_MS = 24 * 3_600_000;
const DAILY_HOUR = 3; // local time of the daily recomputation
const LOCK = 72610003;

/** Reads the settings leniently: a missing or out-of-range value falls back to its default. */
export function engagementSettings(raw: unknown): EngagementSettings {
  const s = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const num = (k: keyof EngagementSettings, min: number, max: number) => {
    const v = s[k];
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : ENGAGEMENT_DEFAULTS[k];
  };
  // a rate written as a percentage (50) is read as 50 %
  const rate = (k: 'most_open_rate' | 'somewhat_open_rate') => {
    const v = num(k, 0, 100);
    return v > 1 ? v / 100 : v;
  };
  return {
    window_days: Math.round(num('window_days', 1, 3650)),
    min_emails: Math.round(num('min_emails', 1, 10_000)),
    most_open_rate: rate('most_open_rate'),
    somewhat_open_rate: rate('somewhat_open_rate'),
  };
}

/**
 * Recomputes every contact's level in two set-based statements (no per-contact loop), in
 * one transaction. First the levels, read-only so PostgreSQL may use parallel workers
 * (a statement that writes never does): message events are projected to narrow rows
 * (contact, delivery, a flag bitmask), sorted once, and folded per delivery then per
 * contact by two streaming aggregates. Then only the changes are written, each with a
 * history row. A contact whose emails all left the window goes back to everyone_else.
 */
export async function recomputeEngagement(q: Queryable | Db, workspaceId: number, now: Date, s: EngagementSettings, range?: ContactRange): Promise<EngagementResult> {
  // the temporary table lives in one session: given the pool, take one connection
  if ('tx' in q) return q.tx((tx) => recomputeEngagement(tx, workspaceId, now, s, range));
  const from = range?.from ?? 0;
  const to = range?.to ?? Number.MAX_SAFE_INTEGER;
  const ws = workspaceId;
  const start = new Date(now.getTime() - s.window_days * 86_400_000);
  const cutoff = new Date(now.getTime() - SETTLE_MS);
  // one recomputation per workspace at a time; deleting contacts takes this lock shared
  // (migration 014) and so removes the levels written here for them, committed or not yet
  await q.query(sql`select pg_advisory_xact_lock(${LOCK}::int, (${ws}::bigint % 2147483647)::int)`);
  await q.query('drop table if exists pg_temp.engagement_levels');
  // flags per event: 1 counted send (marketing email, sent 24 h ago or more), 2 bounce,
  // 4 open, 12 click (a click is an open too); a delivery counts when (flags & 3) = 1
  await q.query(sql`
    create temporary table engagement_levels on commit drop as
    select contact_id,
           case when received < ${s.min_emails}::int then 'everyone_else'
                when opened >= ${s.most_open_rate}::numeric * received and clicked > 0 then 'most'
                when opened >= ${s.somewhat_open_rate}::numeric * received or clicked > 0 then 'somewhat'
                else 'least' end as level
      from (select contact_id, count(*) as received, count(*) filter (where flags & 4 <> 0) as opened,
                   count(*) filter (where flags & 8 <> 0) as clicked
              from (select contact_id, bit_or(flags) as flags
                      from (select e.contact_id, (e.data ->> 'delivery_id') collate "C" as delivery,
                                   case e.type when 'message.sent' then
                                          case when e.occurred_at < ${cutoff}::timestamptz and e.data ->> 'channel' = 'email'
                                                    and coalesce(e.data ->> 'transactional', 'false') <> 'true' then 1 else 0 end
                                        when 'message.bounced' then 2 when 'message.opened' then 4 else 12 end as flags
                              from events e
                             where e.workspace_id = ${ws} and e.type in ('message.sent', 'message.bounced', 'message.opened', 'message.clicked')
                               -- opens and clicks follow their send: the window's start bounds every type
                               and e.occurred_at >= ${start}::timestamptz and e.occurred_at <= ${now}::timestamptz
                               and e.contact_id between ${from}::bigint and ${to}::bigint
                             -- sorted here, on narrow rows, so both groupings below stream
                             order by 1, 2 offset 0) x
                     where delivery is not null
                     group by contact_id, delivery) d
             where flags & 3 = 1
             group by contact_id) st`);
  const { rows } = await q.query<{ level: EngagementLevel; n: number }>(sql`
    with target as (
      select coalesce(l.contact_id, cur.contact_id) as contact_id, cur.contact_id is not null as old_row,
             coalesce(l.level, 'everyone_else') as level, coalesce(cur.level, 'everyone_else') as old
        from pg_temp.engagement_levels l
        full join (select contact_id, level from contact_engagement
                    where workspace_id = ${ws} and contact_id between ${from}::bigint and ${to}::bigint) cur on cur.contact_id = l.contact_id),
    changed as (
      -- events outlive deleted contacts, which deleted_contacts lists (migration 015): a few
      -- ids to leave out instead of a million contacts to look up
      select t.* from target t
       where t.level <> t.old and not exists (select 1 from deleted_contacts d where d.workspace_id = ${ws} and d.contact_id = t.contact_id)),
    inserted as (
      -- first change of a contact: a plain insert (no conflict to check for)
      insert into contact_engagement (workspace_id, contact_id, level, previous_level, changed_at)
      select ${ws}, contact_id, level, old, ${now} from changed where not old_row
      returning contact_id, level, previous_level),
    updated as (
      update contact_engagement ce set level = ch.level, previous_level = ch.old, changed_at = ${now}
        from changed ch
       -- the slice's range again: without it the join hashed the workspace's every row (160,000
       -- read to update 800: 150–200 ms per slice at 200,000 demo contacts, issue 15)
       where ch.old_row and ce.workspace_id = ${ws} and ce.contact_id = ch.contact_id and ce.contact_id between ${from}::bigint and ${to}::bigint
      returning ce.contact_id, ce.level, ce.previous_level),
    saved as (select * from inserted union all select * from updated),
    history as (
      insert into engagement_history (workspace_id, contact_id, level, previous_level, changed_at)
      select ${ws}, contact_id, level, previous_level, ${now} from saved)
    select level, count(*)::int as n from saved group by level`);
  await q.query('drop table pg_temp.engagement_levels');
  const changed = Object.fromEntries(rows.map((r) => [r.level, r.n]));
  return { changed: rows.reduce((a, r) => a + r.n, 0), changed_to: changed, settings: s };
}

export interface EngagementResult {
  changed: number;
  changed_to: Record<string, number>;
  settings: EngagementSettings;
}

/** How many contacts are at each level now (contacts without a row are everyone_else). */
export async function engagementSummary(q: Queryable, workspaceId: number) {
  const { rows } = await q.query<{ level: EngagementLevel; n: number }>(sql`
    select level, count(*)::int as n from contact_engagement where workspace_id = ${workspaceId} and level <> 'everyone_else' group by level`);
  const total = (await q.query<{ n: number }>(sql`select count(*)::int as n from contacts where workspace_id = ${workspaceId}`)).rows[0].n;
  const counts = Object.fromEntries(ENGAGEMENT_LEVELS.map((l) => [l, 0])) as Record<EngagementLevel, number>;
  for (const r of rows) counts[r.level] = r.n;
  counts.everyone_else = total - rows.reduce((a, r) => a + r.n, 0);
  return counts;
}

/** A contact's level now (C-6, S-3): one never sent marketing email has no row, so is everyone_else. */
export async function currentEngagement(q: Queryable, workspaceId: number, contactId: number) {
  const { rows } = await q.query<{ level: string; previous_level: string | null; changed_at: Date | string }>(sql`
    select level, previous_level, changed_at from contact_engagement where workspace_id = ${workspaceId} and contact_id = ${contactId}`);
  const e = rows[0];
  return e ? { level: e.level, previous_level: e.previous_level, changed_at: new Date(e.changed_at).toISOString() } : { level: 'everyone_else', previous_level: null, changed_at: null };
}

export async function contactEngagement(q: Queryable, workspaceId: number, contactId: number) {
  const history = await q.query(sql`
    select level, previous_level, changed_at from engagement_history
     where workspace_id = ${workspaceId} and contact_id = ${contactId} order by id desc limit 50`);
  return { ...(await currentEngagement(q, workspaceId, contactId)), history: history.rows };
}

/**
 * Makes sure the workspace has its daily recomputation queued (next 03:00 in its zone).
 * Called by every recomputation (so the daily chain continues) and when segments are saved
 * or a recomputation is requested; the delivery layer may call it on a first marketing send.
 */
export async function ensureEngagementSchedule(q: Queryable, clock: Clock, workspaceId: number) {
  const { rows } = await q.query<{ timezone: string }>(sql`select timezone from workspaces where id = ${workspaceId}`);
  if (!rows[0]) return;
  const now = DateTime.fromJSDate(clock.now(), { zone: rows[0].timezone });
  let next = now.set({ hour: DAILY_HOUR, minute: 0, second: 0, millisecond: 0 });
  if (next <= now) next = next.plus({ days: 1 }).set({ hour: DAILY_HOUR });
  await enqueue(q, clock, { workspaceId, kind: ENGAGEMENT_JOB, payload: { daily: true }, uniqueKey: 'engagement.daily', runAt: next.toJSDate() });
}

/**
 * Every workspace gets its daily recomputation (S-5), also one created since the worker last
 * started and never given a segment: run when a worker starts.
 */
export async function ensureEngagementSchedules(q: Queryable, clock: Clock) {
  const { rows } = await q.query<{ id: number }>(sql`
    select w.id from workspaces w
     where not exists (select 1 from jobs j where j.workspace_id = w.id and j.unique_key = 'engagement.daily' and j.status in ('queued', 'running'))`);
  for (const r of rows) await ensureEngagementSchedule(q, clock, r.id);
}

/** On demand (POST /api/v1/engagement/recompute); returns the pending job's id. */
export async function requestEngagementRecompute(q: Queryable, clock: Clock, workspaceId: number): Promise<number> {
  await enqueue(q, clock, { workspaceId, kind: ENGAGEMENT_JOB, uniqueKey: 'engagement.now' });
  await ensureEngagementSchedule(q, clock, workspaceId);
  const { rows } = await q.query<{ id: number }>(sql`
    select id from jobs where workspace_id = ${workspaceId} and unique_key = 'engagement.now' and status in ('queued', 'running')`);
  return rows[0].id;
}

/**
 * Recomputes every contact of the workspace: in one statement on PostgreSQL (it may use parallel
 * workers), in slices of contacts, one transaction each, on the embedded database (a contact's
 * level depends on its own events only, so slices give the same levels).
 * `finish` runs in the last transaction. Stopped between slices, it is simply run again: only
 * changes are written.
 */
export async function recomputeWorkspace(db: Db, ws: number, now: Date, settings: EngagementSettings, finish?: (tx: Queryable, total: EngagementResult) => Promise<void>): Promise<EngagementResult> {
  const total: EngagementResult = { changed: 0, changed_to: {}, settings };
  for await (const range of contactSlices(db, ws)) {
    const last = range.to === ALL_CONTACTS.to;
    await db.tx(async (tx) => {
      // one big aggregation: give it memory to hash in instead of spilling to disk
      if (db.kind === 'postgres') await tx.query(`set local work_mem = '256MB'`);
      const r = await recomputeEngagement(tx, ws, now, settings, range);
      total.changed += r.changed;
      for (const [level, n] of Object.entries(r.changed_to)) total.changed_to[level] = (total.changed_to[level] ?? 0) + n;
      if (last) await finish?.(tx, total);
    });
  }
  return total;
}

export const engagementJob: JobHandler = async (job, { db, clock }) => {
  const ws = job.workspace_id!;
  const { rows } = await db.query<{ settings: Record<string, unknown> }>(sql`select settings from workspaces where id = ${ws}`);
  if (!rows[0]) return null;
  return recomputeWorkspace(db, ws, clock.now(), engagementSettings(rows[0].settings.engagement), async (tx, total) => {
    await completeJob(tx, clock, job.id, total); // frees the unique key for the next daily run
    await ensureEngagementSchedule(tx, clock, ws);
  });
};
