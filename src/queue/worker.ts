import { isConnectionError, retrying, type Db } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { jobsTotal } from '../metrics/index.ts';
import { claimDueJobs, completeJob, failJob, nextJobDueAt, releaseJob, renewJobLease, WAKE_CHANNEL, type Job } from './jobs.ts';

/**
 * A kind of due work. Hot paths (deliveries, enrollments) are sources of their own over
 * their domain tables; everything else is a job kind behind the jobs source.
 */
export interface DueSource {
  name: string;
  /** The earliest time something is due, or null when nothing is pending. */
  nextDueAt(): Promise<Date | null>;
  /**
   * Runs one batch of work due at `now`; returns how many items it handled. Once `stop` is
   * aborted (graceful shutdown) it starts nothing new: work not yet begun goes back to its queue.
   */
  runDue(now: Date, stop?: AbortSignal): Promise<number>;
}

export interface JobContext {
  db: Db;
  clock: Clock;
  log: Logger;
  /** Aborted when the process stops: a long handler ends at its next checkpoint. */
  stop?: AbortSignal;
}

/** A job handler does its work; it may call completeJob in its own last transaction. */
export type JobHandler = (job: Job, ctx: JobContext) => Promise<unknown>;

export class PermanentJobError extends Error {}

/** Thrown by a handler that stopped at a checkpoint because the process stops: the job is handed back, not failed. */
export class JobInterrupted extends Error {}

/**
 * A running job's claim, renewed every quarter of it while its handler runs (heartbeat) and at
 * each checkpoint: a job whose worker died is taken over within 20 s (issue 18), not 5 minutes.
 */
export const JOB_LEASE_MS = 20_000;

export function jobsSource(ctx: JobContext, handlers: Map<string, JobHandler>, batch = 20): DueSource {
  return {
    name: 'jobs',
    nextDueAt: () => nextJobDueAt(ctx.db),
    async runDue(now, stop) {
      if (stop?.aborted) return 0;
      const jobs = await claimDueJobs(ctx.db, now, batch, JOB_LEASE_MS);
      for (const job of jobs) {
        // a stop between jobs hands the rest back at once rather than when their lease ends
        if (stop?.aborted) await releaseJob(ctx.db, job);
        else await runJob({ ...ctx, stop }, handlers, job);
      }
      return jobs.length;
    },
  };
}

async function runJob(ctx: JobContext, handlers: Map<string, JobHandler>, job: Job) {
  const handler = handlers.get(job.kind);
  if (!handler) {
    await failJob(ctx.db, ctx.clock, job, `no handler for job kind ${job.kind}`, true);
    return;
  }
  let result: unknown;
  const beat = setInterval(() => void renewJobLease(ctx.db, ctx.clock, job.id, JOB_LEASE_MS).catch(() => {}), JOB_LEASE_MS / 4);
  beat.unref();
  try {
    result = await handler(job, ctx);
  } catch (err) {
    clearInterval(beat);
    if (err instanceof JobInterrupted) {
      jobsTotal.inc({ kind: job.kind, result: 'released' });
      return void (await retrying(() => releaseJob(ctx.db, job)));
    }
    jobsTotal.inc({ kind: job.kind, result: 'failed' });
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn({ job: job.id, kind: job.kind, err: message }, 'job failed');
    // recorded once the database answers again (failJob only touches a job still running), so
    // a restart does not leave the job to wait for its lease
    await retrying(() => failJob(ctx.db, ctx.clock, job, message, err instanceof PermanentJobError, isConnectionError(err) ? 1_000 : undefined));
    return;
  }
  clearInterval(beat);
  jobsTotal.inc({ kind: job.kind, result: 'done' });
  await retrying(() => completeJob(ctx.db, ctx.clock, job.id, result)); // no-op when the handler completed it
}

/**
 * Runs `lanes` loops of batches of a source at once and adds up what they handled: one batch's
 * database round trips overlap another's work in this process. Each lane takes its next batch
 * as soon as its own is done, with no barrier between lanes (one would keep them in step: both
 * waiting on the server, then both computing here), until a batch finds nothing or after
 * `rounds` batches, so that the caller's other sources get their turn. Each batch claims its
 * own rows (SKIP LOCKED).
 */
export async function inLanes(lanes: number, batch: () => Promise<number>, rounds = 4, stop?: AbortSignal): Promise<number> {
  const lane = async () => {
    let total = 0;
    for (let i = 0; i < rounds && !stop?.aborted; i++) {
      const n = await batch();
      total += n;
      if (n === 0) break;
    }
    return total;
  };
  const done = await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  return done.reduce((a, b) => a + b, 0);
}

/**
 * Rounds of due work in one process, one at a time: the worker's background rounds and a manual
 * clock's advance (or a test's drain) take turns. A manual clock therefore never moves while
 * work it started is in flight: a send handed to the relay records its outcome, a job commits,
 * before time jumps ahead of their leases and deadlines (issue 17).
 */
export class Turns {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const mine = this.tail.then(fn);
    this.tail = mine.catch(() => {});
    return mine;
  }
}

/** Runs everything due at the clock's current time, source by source, until none is left or `stop`. */
export async function drainDue(sources: DueSource[], clock: Clock, stop?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    let round = 0;
    for (const s of sources) {
      if (stop?.aborted) return total;
      round += await s.runDue(clock.now(), stop);
    }
    total += round;
    if (round === 0) return total;
  }
}

/**
 * The background loop of a worker process: run what is due, then sleep until the next due
 * time, a NOTIFY wake-up, or the poll interval, whichever comes first.
 */
export class Worker {
  private stopping = false;
  private readonly stopSignal = new AbortController();
  private running?: Promise<void>;
  private wake?: () => void;
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly sources: DueSource[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly pollMs = 1000,
    /** Shared with the manual clock's advance: a round and an advance never overlap. */
    private readonly turns = new Turns(),
  ) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(WAKE_CHANNEL, () => this.wake?.());
    this.running = this.loop();
  }

  private async loop() {
    let failures = 0;
    while (!this.stopping) {
      let wait: number;
      try {
        await this.turns.run(() => drainDue(this.sources, this.clock, this.stopSignal.signal));
        if (failures > 0) this.log.warn({ failures }, 'worker round succeeded again');
        failures = 0;
        wait = await this.untilNextDue();
      } catch (err) {
        // the database went away (restart, failover) or a query failed: the loop survives and
        // tries again after a growing pause, 250 ms … 10 s
        failures++;
        wait = Math.min(10_000, 250 * 2 ** Math.min(failures - 1, 6));
        if (failures === 1 || failures % 10 === 0) this.log.error({ err, failures, retryInMs: wait }, 'worker round failed; retrying');
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async untilNextDue(): Promise<number> {
    try {
      const times = await Promise.all(this.sources.map((s) => s.nextDueAt()));
      const next = Math.min(...times.filter((t): t is Date => t !== null).map((t) => t.getTime()));
      if (!Number.isFinite(next)) return this.pollMs;
      return Math.max(0, Math.min(this.pollMs, next - this.clock.now().getTime()));
    } catch {
      return this.pollMs;
    }
  }

  /**
   * Graceful shutdown (O-3): claims nothing more, lets the work already started finish (a send
   * handed to the relay, a job's current step), hands back what it claimed but did not start,
   * then returns.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    this.wake?.();
    await this.running;
    await this.unlisten?.();
  }
}
