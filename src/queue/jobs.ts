import { sql, type Db, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';

export interface Job {
  id: number;
  workspace_id: number | null;
  kind: string;
  payload: any;
  attempts: number;
  max_attempts: number;
  progress: any;
}

export interface EnqueueInput {
  workspaceId?: number | null;
  kind: string;
  payload?: unknown;
  runAt?: Date;
  /** At most one queued or running job per (workspace, unique key). */
  uniqueKey?: string;
  maxAttempts?: number;
}

export const WAKE_CHANNEL = 'parcours_work';

/**
 * Schedules a job in the caller's transaction, so the state change and the work it schedules
 * commit together. Returns the job id, or null when a job with the same unique key is pending.
 */
export async function enqueue(q: Queryable, clock: Clock, input: EnqueueInput): Promise<number | null> {
  const now = clock.now();
  const { rows } = await q.query<{ id: number }>(sql`
    insert into jobs (workspace_id, kind, payload, unique_key, run_at, max_attempts, created_at)
    values (${input.workspaceId ?? null}, ${input.kind}, ${JSON.stringify(input.payload ?? {})},
            ${input.uniqueKey ?? null}, ${input.runAt ?? now}, ${input.maxAttempts ?? 10}, ${now})
    on conflict (coalesce(workspace_id, 0), unique_key)
      where unique_key is not null and status in ('queued', 'running')
      do nothing
    returning id`);
  if (rows.length) await q.query(sql`select pg_notify(${WAKE_CHANNEL}, 'jobs')`);
  return rows[0]?.id ?? null;
}

/**
 * Claims due jobs: queued ones whose run_at has come, and running ones whose lease expired
 * (their worker died). SKIP LOCKED lets any number of workers claim side by side.
 */
export async function claimDueJobs(db: Db, now: Date, limit: number, leaseMs: number): Promise<Job[]> {
  const { rows } = await db.query<Job>(sql`
    update jobs set status = 'running', attempts = attempts + 1, started_at = ${now},
           locked_until = ${new Date(now.getTime() + leaseMs)}
     where id in (
       select id from jobs
        where (status = 'queued' and run_at <= ${now})
           or (status = 'running' and locked_until <= ${now})
        order by run_at, id
        limit ${limit}
        for update skip locked)
    returning id, workspace_id, kind, payload, attempts, max_attempts, progress`);
  return rows;
}

/** Jobs due now and not taken, and how long the oldest has waited (for /metrics). */
export async function jobBacklog(q: Queryable, now: Date): Promise<{ due: number; oldest: Date | null }> {
  const { rows } = await q.query<{ due: number; oldest: Date | null }>(sql`
    select count(*)::int as due, min(run_at) as oldest from jobs where status = 'queued' and run_at <= ${now}`);
  return rows[0];
}

export async function nextJobDueAt(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(`
    select min(case when status = 'queued' then run_at else locked_until end) as at
      from jobs where status in ('queued', 'running')`);
  return rows[0]?.at ?? null;
}

/** Marks a job done; call it inside the handler's last transaction for exactly-once effects. */
export async function completeJob(q: Queryable, clock: Clock, jobId: number, result?: unknown): Promise<void> {
  await q.query(sql`
    update jobs set status = 'done', finished_at = ${clock.now()}, locked_until = null,
           result = ${result === undefined ? null : JSON.stringify(result)}
     where id = ${jobId} and status = 'running'`);
}

/**
 * Ends at `now` the leases of running jobs whose workers are known to be gone (the embedded
 * database's new owner: every earlier client died with the old one), so that they run again at
 * once instead of after their lease (an import killed mid-way resumes from its checkpoint).
 */
export async function endJobLeases(q: Queryable, now: Date): Promise<number> {
  const r = await q.query(sql`update jobs set locked_until = ${now} where status = 'running' and locked_until > ${now}`);
  return r.rowCount;
}

/** Extends a running job's lease (its worker's heartbeat while the handler runs). */
export async function renewJobLease(q: Queryable, clock: Clock, jobId: number, leaseMs: number): Promise<void> {
  await q.query(sql`update jobs set locked_until = ${new Date(clock.now().getTime() + leaseMs)} where id = ${jobId} and status = 'running'`);
}

/**
 * Hands a claimed job back untouched (graceful stop): queued again at once, its attempt not
 * counted, for the next worker to take now rather than when its lease would have ended.
 */
export async function releaseJob(q: Queryable, job: Job): Promise<void> {
  await q.query(sql`
    update jobs set status = 'queued', locked_until = null, attempts = greatest(attempts - 1, 0)
     where id = ${job.id} and status = 'running'`);
}

/** Saves a checkpoint and extends the lease; call it in the transaction that did the work. */
export async function checkpointJob(q: Queryable, clock: Clock, jobId: number, progress: unknown, leaseMs: number) {
  await q.query(sql`
    update jobs set progress = ${JSON.stringify(progress)},
           locked_until = ${new Date(clock.now().getTime() + leaseMs)}
     where id = ${jobId}`);
}

/** Exponential backoff: 10 s, 20 s, 40 s … capped at one hour. */
export function backoffMs(attempts: number): number {
  return Math.min(3_600_000, 10_000 * 2 ** Math.max(0, attempts - 1));
}

/** Queues the job again after its backoff (or `delayMs`), or fails it for good after its last attempt. */
export async function failJob(q: Queryable, clock: Clock, job: Job, error: string, permanent = false, delayMs?: number) {
  const now = clock.now();
  const final = permanent || job.attempts >= job.max_attempts;
  await q.query(sql`
    update jobs set status = ${final ? 'failed' : 'queued'}, last_error = ${error.slice(0, 2000)},
           locked_until = null, run_at = ${new Date(now.getTime() + (delayMs ?? backoffMs(job.attempts)))},
           finished_at = ${final ? now : null}
     where id = ${job.id} and status = 'running'`);
}

export interface JobRow {
  id: number;
  kind: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  progress: unknown;
  result: unknown;
  run_at: Date;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** One of the workspace's jobs (none of another workspace's, nor the system's). */
export async function getJob(q: Queryable, workspaceId: number, id: number): Promise<JobRow | undefined> {
  const { rows } = await q.query<JobRow>(sql`
    select id, kind, status, attempts, max_attempts, last_error, progress, result, run_at, created_at, started_at, finished_at
      from jobs where workspace_id = ${workspaceId} and id = ${id}`);
  return rows[0];
}
