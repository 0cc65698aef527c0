import { sql, type Db, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { completeJob, enqueue, type JobHandler } from '../queue/index.ts';
import { compileCriteria } from './compile.ts';
import { criteriaEnv } from './query.ts';
import { parseCriteria } from './schema.ts';

/**
 * Tracked membership of saved segments, for "contact enters a segment" (J-5). Segments stay
 * live everywhere else; this table only remembers who matched at the last refresh so the
 * difference can be logged as segment.entered / segment.left events.
 */
export const REFRESH_JOB = 'segments.refresh';
const DEFAULT_REFRESH_MINUTES = 5;

/**
 * Recomputes one segment's members and logs the difference, in one statement (so in the
 * same transaction as the membership change). The first refresh of a segment only sets the
 * baseline: contacts who matched when it was created did not "enter" it.
 */
export async function refreshSegmentMembers(db: Db, clock: Clock, workspaceId: number, segmentId: number) {
  return db.tx(async (tx) => {
    // the row lock serialises refreshes of one segment (two workers, or a schedule and a request)
    const { rows } = await tx.query<{ criteria: unknown; members_refreshed_at: Date | null }>(sql`
      select criteria, members_refreshed_at from segments where workspace_id = ${workspaceId} and id = ${segmentId} for update`);
    if (!rows[0]) return null;
    const now = clock.now();
    const env = await criteriaEnv(tx, workspaceId, now);
    const criteria = parseCriteria(rows[0].criteria, env.fields);
    const log = rows[0].members_refreshed_at !== null;
    const r = await tx.query<{ entered: number; left: number }>(sql`
      with target as materialized (
        select c.id from contacts c where c.workspace_id = ${workspaceId} and ${compileCriteria(criteria, env)}),
      entered as (
        insert into segment_members (workspace_id, segment_id, contact_id, entered_at)
        select ${workspaceId}, ${segmentId}, id, ${now} from target
        on conflict do nothing returning contact_id),
      gone as (
        delete from segment_members m
         where m.workspace_id = ${workspaceId} and m.segment_id = ${segmentId}
           and not exists (select 1 from target t where t.id = m.contact_id)
        returning contact_id),
      logged as (
        insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
        select ${workspaceId}, contact_id, type, jsonb_build_object('segment_id', ${segmentId}::bigint), ${now}, ${now}
          from (select contact_id, 'segment.entered' as type from entered
                union all select contact_id, 'segment.left' from gone) d
         where ${log}::boolean)
      select (select count(*) from entered)::int as entered, (select count(*) from gone)::int as left`);
    await tx.query(sql`update segments set members_refreshed_at = ${now} where workspace_id = ${workspaceId} and id = ${segmentId}`);
    return { segment_id: segmentId, ...r.rows[0], baseline: !log };
  });
}

async function refreshMinutes(q: Queryable, workspaceId: number): Promise<number> {
  const { rows } = await q.query<{ m: unknown }>(sql`select settings -> 'segments' -> 'refresh_minutes' as m from workspaces where id = ${workspaceId}`);
  const m = rows[0]?.m;
  return typeof m === 'number' && m >= 1 && m <= 1440 ? m : DEFAULT_REFRESH_MINUTES;
}

/**
 * Keeps one scheduled refresh queued per workspace that has saved segments (every 5 minutes,
 * or settings.segments.refresh_minutes); the chain stops when the last segment is deleted.
 */
export async function ensureSegmentSchedule(q: Queryable, clock: Clock, workspaceId: number) {
  const any = await q.query(sql`select 1 from segments where workspace_id = ${workspaceId} limit 1`);
  if (!any.rows[0]) return;
  const runAt = new Date(clock.now().getTime() + (await refreshMinutes(q, workspaceId)) * 60_000);
  await enqueue(q, clock, { workspaceId, kind: REFRESH_JOB, payload: { scheduled: true }, uniqueKey: 'segments.schedule', runAt });
}

/** Refresh now: one segment (after it was saved) or all of them. */
export async function requestSegmentRefresh(q: Queryable, clock: Clock, workspaceId: number, segmentId?: number) {
  return enqueue(q, clock, {
    workspaceId,
    kind: REFRESH_JOB,
    payload: segmentId ? { segment_id: segmentId } : {},
    uniqueKey: `segments.refresh:${segmentId ?? 'all'}`,
  });
}

export const refreshJob: JobHandler = async (job, { db, clock, log }) => {
  const ws = job.workspace_id!;
  const payload = job.payload as { segment_id?: number; scheduled?: boolean };
  const ids = payload.segment_id
    ? [payload.segment_id]
    : (await db.query<{ id: number }>(sql`select id from segments where workspace_id = ${ws} order by id`)).rows.map((r) => r.id);
  const results = [];
  // one transaction per segment: a large or broken segment does not hold back the others
  for (const id of ids) {
    try {
      results.push(await refreshSegmentMembers(db, clock, ws, id));
    } catch (err) {
      // e.g. a custom field deleted since the segment was saved: skip it, keep the others
      if (!(err instanceof AppError)) throw err;
      log.warn({ workspace: ws, segment: id, err: err.message }, 'segment refresh skipped');
      results.push({ segment_id: id, error: err.message });
    }
  }
  const result = { segments: results.filter(Boolean) };
  if (payload.scheduled)
    await db.tx(async (tx) => {
      await completeJob(tx, clock, job.id, result); // frees the unique key for the next run
      await ensureSegmentSchedule(tx, clock, ws);
    });
  return result;
};
