import { isConnectionError, retrying, type Db } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { claimDueJobs, completeJob, failJob, nextJobDueAt, WAKE_CHANNEL, type Job } from './jobs.ts';

/**
 * A kind of due work. Hot paths (deliveries, enrollments) are sources of their own over
 * their domain tables; everything else is a job kind behind the jobs source.
 */
export interface DueSource {
  name: string;
  /** The earliest time something is due, or null when nothing is pending. */
  nextDueAt(): Promise<Date | null>;
  /** Runs one batch of work due at `now`; returns how many items it handled. */
  runDue(now: Date): Promise<number>;
}

export interface JobContext {
  db: Db;
  clock: Clock;
  log: Logger;
}

/** A job handler does its work; it may call completeJob in its own last transaction. */
export type JobHandler = (job: Job, ctx: JobContext) => Promise<unknown>;

export class PermanentJobError extends Error {}

export const JOB_LEASE_MS = 5 * 60_000;

export function jobsSource(ctx: JobContext, handlers: Map<string, JobHandler>, batch = 20): DueSource {
  return {
    name: 'jobs',
    nextDueAt: () => nextJobDueAt(ctx.db),
    async runDue(now) {
      const jobs = await claimDueJobs(ctx.db, now, batch, JOB_LEASE_MS);
      for (const job of jobs) await runJob(ctx, handlers, job);
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
  try {
    result = await handler(job, ctx);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn({ job: job.id, kind: job.kind, err: message }, 'job failed');
    // recorded once the database answers again (failJob only touches a job still running), so
    // a restart does not leave the job to wait for its lease
    await retrying(() => failJob(ctx.db, ctx.clock, job, message, err instanceof PermanentJobError, isConnectionError(err) ? 1_000 : undefined));
    return;
  }
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
export async function inLanes(lanes: number, batch: () => Promise<number>, rounds = 4): Promise<number> {
  const lane = async () => {
    let total = 0;
    for (let i = 0; i < rounds; i++) {
      const n = await batch();
      total += n;
      if (n === 0) break;
    }
    return total;
  };
  const done = await Promise.all(Array.from({ length: Math.max(1, lanes) }, lane));
  return done.reduce((a, b) => a + b, 0);
}

/** Runs everything due at the clock's current time, source by source, until none is left. */
export async function drainDue(sources: DueSource[], clock: Clock): Promise<number> {
  let total = 0;
  for (;;) {
    let round = 0;
    for (const s of sources) round += await s.runDue(clock.now());
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
  private running?: Promise<void>;
  private wake?: () => void;
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly sources: DueSource[],
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly pollMs = 1000,
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
        await drainDue(this.sources, this.clock);
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

  /** Graceful shutdown: finishes the batch in hand, then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
    await this.unlisten?.();
  }
}
