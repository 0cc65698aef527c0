import { sql, type Db, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { ALL_CONTACTS, contactSlices } from '../contacts/index.ts';
import { enqueue, type DueSource, type JobHandler } from '../queue/index.ts';
import { compileCriteria } from './compile.ts';
import { criteriaEnv } from './query.ts';
import { parseCriteria, type Criteria } from './schema.ts';
import { dueSegments, isDue, nextRefreshAt, nextTimeChange, readInputs } from './schedule.ts';

/**
 * Tracked membership of saved segments, for "contact enters a segment" (J-5). Segments stay
 * live everywhere else; this table only remembers who matched at the last refresh so the
 * difference can be logged as segment.entered / segment.left events.
 */
export const REFRESH_JOB = 'segments.refresh';

/**
 * Recomputes one segment's members and logs the difference, in one statement (so in the
 * same transaction as the membership change). The first refresh of a segment only sets the
 * baseline: contacts who matched when it was created did not "enter" it.
 * On the embedded database, which runs one transaction at a time, it goes in slices of contacts,
 * one transaction each (a statement over 200,000 contacts held every request for 1.7 s there,
 * O-1): each contact's membership and its events still change together; stopped between slices,
 * the next refresh finishes it (members_refreshed_at moves with the last slice).
 */
export async function refreshSegmentMembers(db: Db, clock: Clock, workspaceId: number, segmentId: number, opts: { ifDue?: boolean } = {}) {
  let plan: { now: Date; criteria: Criteria; env: Awaited<ReturnType<typeof criteriaEnv>>; inputs: unknown; log: boolean } | undefined;
  const total = { entered: 0, left: 0 };
  for await (const range of contactSlices(db, workspaceId)) {
    const last = range.to === ALL_CONTACTS.to;
    const done = await db.tx(async (tx) => {
      // the row lock serialises refreshes of one segment (two workers, or a schedule and a request)
      const { rows } = await tx.query<{ criteria: unknown; members_refreshed_at: Date | null }>(sql`
        select criteria, members_refreshed_at from segments where workspace_id = ${workspaceId} and id = ${segmentId} for update`);
      if (!rows[0]) return { result: null };
      if (!plan) {
        const now = clock.now();
        // a scheduled refresh that another worker did while this one waited for the lock
        if (opts.ifDue && !(await isDue(tx, workspaceId, segmentId, now))) return { result: null };
        const env = await criteriaEnv(tx, workspaceId, now);
        // what this refresh sees, read before it: a change committed later is a change since
        const inputs = await readInputs(tx, workspaceId, rows[0].criteria as Criteria);
        try {
          plan = { now, env, inputs, criteria: parseCriteria(rows[0].criteria, env.fields), log: rows[0].members_refreshed_at !== null };
        } catch (err) {
          // e.g. a custom field deleted since the segment was saved: skipped, and not due again
          // until its data moves (saving new criteria refreshes it at once)
          if (!(err instanceof AppError)) throw err;
          await tx.query(sql`update segments set members_refreshed_at = ${now}, members_inputs = ${JSON.stringify(inputs)}, members_next_at = null
                              where workspace_id = ${workspaceId} and id = ${segmentId}`);
          return { result: { segment_id: segmentId, error: err.message } };
        }
      }
      const { now, env, inputs, criteria, log } = plan;
      const r = await tx.query<{ entered: number; left: number }>(sql`
        with target as materialized (
          select c.id from contacts c
           where c.workspace_id = ${workspaceId} and c.id between ${range.from}::bigint and ${range.to}::bigint and ${compileCriteria(criteria, range === ALL_CONTACTS ? env : { ...env, range })}),
        entered as (
          insert into segment_members (workspace_id, segment_id, contact_id, entered_at)
          select ${workspaceId}, ${segmentId}, id, ${now} from target
          on conflict do nothing returning contact_id),
        gone as (
          delete from segment_members m
           where m.workspace_id = ${workspaceId} and m.segment_id = ${segmentId} and m.contact_id between ${range.from}::bigint and ${range.to}::bigint
             and not exists (select 1 from target t where t.id = m.contact_id)
          returning contact_id),
        logged as (
          insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
          select ${workspaceId}, contact_id, type, jsonb_build_object('segment_id', ${segmentId}::bigint), ${now}, ${now}
            from (select contact_id, 'segment.entered' as type from entered
                  union all select contact_id, 'segment.left' from gone) d
           where ${log}::boolean)
        select (select count(*) from entered)::int as entered, (select count(*) from gone)::int as left`);
      total.entered += r.rows[0].entered;
      total.left += r.rows[0].left;
      if (!last) return undefined;
      const nextAt = await nextTimeChange(tx, workspaceId, criteria, now, env.timezone);
      await tx.query(sql`
        update segments set members_refreshed_at = ${now}, members_inputs = ${JSON.stringify(inputs)}, members_next_at = ${nextAt}
         where workspace_id = ${workspaceId} and id = ${segmentId}`);
      return { result: { segment_id: segmentId, ...total, baseline: !log } };
    });
    if (done) return done.result;
  }
  return null; // not reached: the last slice is open-ended
}

/**
 * The scheduled refreshes (J-5): each saved segment whose data moved since its last refresh, or
 * whose next time-relative instant came (schedule.ts), at the soonest `refresh_minutes` (5 by
 * default) after its last refresh. Nothing changed, nothing is due: no per-contact SQL.
 */
export function segmentRefreshSource(ctx: Ctx, batch = 20): DueSource {
  return {
    name: 'segments',
    nextDueAt: () => nextRefreshAt(ctx.db, ctx.clock.now()),
    async runDue(now, stop) {
      const due = await dueSegments(ctx.db, now, batch);
      for (const s of due) {
        if (stop?.aborted) break;
        await refreshOne(ctx.db, ctx.clock, ctx.log, s.workspace_id, s.id, true);
      }
      return due.length;
    },
  };
}

async function refreshOne(db: Db, clock: Clock, log: Ctx['log'], ws: number, id: number, ifDue = false) {
  const r = await refreshSegmentMembers(db, clock, ws, id, { ifDue });
  if (r && 'error' in r) log.warn({ workspace: ws, segment: id, err: r.error }, 'segment refresh skipped');
  return r;
}

/** Refresh now: one segment (after it was saved) or all of them. Returns the job's id (the pending one when already asked). */
export async function requestSegmentRefresh(q: Queryable, clock: Clock, workspaceId: number, segmentId?: number): Promise<number> {
  const uniqueKey = `segments.refresh:${segmentId ?? 'all'}`;
  const id = await enqueue(q, clock, { workspaceId, kind: REFRESH_JOB, payload: segmentId ? { segment_id: segmentId } : {}, uniqueKey });
  if (id !== null) return id;
  const { rows } = await q.query<{ id: number }>(sql`
    select id from jobs where workspace_id = ${workspaceId} and unique_key = ${uniqueKey} and status in ('queued', 'running') order by id desc limit 1`);
  return Number(rows[0].id);
}

/**
 * Refresh now (after a save, or POST /api/v1/segments/refresh): one segment or all of them. A
 * job of the former 5-minute chain ({ scheduled: true }) refreshes all once and ends the chain:
 * segmentRefreshSource schedules refreshes now.
 */
export const refreshJob: JobHandler = async (job, { db, clock, log }) => {
  const ws = job.workspace_id!;
  const payload = job.payload as { segment_id?: number; scheduled?: boolean };
  const ids = payload.segment_id
    ? [payload.segment_id]
    : (await db.query<{ id: number }>(sql`select id from segments where workspace_id = ${ws} order by id`)).rows.map((r) => r.id);
  const results = [];
  // one transaction per segment: a large or broken segment does not hold back the others
  for (const id of ids) results.push(await refreshOne(db, clock, log, ws, id));
  return { segments: results.filter(Boolean) };
};
