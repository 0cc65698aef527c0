import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { checkpointJob, completeJob, enqueue, JOB_LEASE_MS, type Job } from '../queue/index.ts';
import { audit, SYSTEM } from './audit.ts';
import { batchStatement, countPhase, nextBound, type BatchCounts, type PhasePlan } from './batch.ts';
import { durationMs } from './definition.ts';
import { bigStatement, compileAudience, type Cuts } from './recipients.ts';
import { paceInterval } from './send-time.ts';
import { getCampaign, type Campaign } from './store.ts';

export const FANOUT_JOB = 'campaign.fanout';
export const COMPLETE_JOB = 'campaign.complete';
export const AB_JOB = 'campaign.ab_decide';
/** Contacts per statement: big enough for INSERT … SELECT speed, small enough for a short transaction. */
export const FANOUT_BATCH = 50_000;
/** Id slices fanned out side by side on PostgreSQL (one per core here); PGlite has one connection. */
export const FANOUT_SLICES = 2;

export type Phase = 'main' | 'remainder';

const COUNTERS = ['batches', 'queued', 'inserted', 'no_address', 'suppressed', 'collapsed', 'control', 'awaiting_winner'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;

/** One contiguous range of contact ids (lo, hi] and how far it got: `after` is its checkpoint. */
export interface Slice extends Counters {
  lo: number;
  hi: number | null;
  after: number;
  done: boolean;
}

/** The job's progress: fixed at the first run (start, slices), each slice checkpointed with its batch. */
export interface Progress extends Counters {
  phase: Phase;
  start: string;
  /** Phase size counted before the first batch (spread_over pacing only). */
  total: number | null;
  /** The hold-out and A/B draws, fixed by the main phase's first run (the remainder reuses them). */
  cuts?: Cuts;
  slices: Slice[];
  done?: boolean;
}

const zero = (): Counters => ({ batches: 0, queued: 0, inserted: 0, no_address: 0, suppressed: 0, collapsed: 0, control: 0, awaiting_winner: 0 });

export const fanoutKey = (campaignId: number, phase: Phase) => `campaign:${campaignId}:fanout:${phase}`;

export async function enqueueFanout(q: Queryable, ctx: Ctx, workspaceId: number, campaignId: number, phase: Phase, runAt: Date) {
  await enqueue(q, ctx.clock, { workspaceId, kind: FANOUT_JOB, uniqueKey: fanoutKey(campaignId, phase), payload: { campaignId, phase }, runAt });
}

export async function enqueueCompletion(q: Queryable, ctx: Ctx, workspaceId: number, campaignId: number, runAt?: Date) {
  await enqueue(q, ctx.clock, { workspaceId, kind: COMPLETE_JOB, uniqueKey: `campaign:${campaignId}:complete`, payload: { campaignId }, runAt });
}

async function planFor(ctx: Ctx, q: Queryable, workspaceId: number, c: Campaign, phase: Phase, p: Pick<Progress, 'start' | 'total' | 'cuts'>): Promise<PhasePlan> {
  const frozen = c.frozen!;
  const ws = (await q.query<{ timezone: string }>(sql`select timezone from workspaces where id = ${workspaceId}`)).rows[0];
  const audience = await compileAudience(q, workspaceId, c, frozen.channel, ctx.clock.now(), p.cuts);
  const winner = frozen.variants.find((v) => v.id === c.ab_state?.winner);
  const start = new Date(p.start);
  const pace = paceInterval({ perHour: c.options.pacing?.per_hour, spreadOverMs: c.options.pacing?.spread_over ? durationMs(c.options.pacing.spread_over) : null, count: p.total ?? 0 });
  return {
    audience,
    phase,
    variants: phase === 'remainder' ? [winner!] : frozen.variants,
    abSplit: phase === 'main' && !!c.ab_test,
    forcedLanguage: c.options.language ?? null,
    deadline: c.options.deadline ? new Date(c.options.deadline) : null,
    workspaceZone: ws.timezone,
    timing: c.schedule.type === 'optimized' ? { kind: 'optimized', start, defaultHour: c.schedule.default_hour } : { kind: 'paced', start, ...pace },
  };
}

/**
 * Slice bounds at id quantiles of the workspace. Pacing numbers messages in id order across the
 * whole phase, so a paced phase is one slice.
 */
async function sliceBounds(q: Queryable, ws: number, slices: number): Promise<Slice[]> {
  let bounds: number[] = [];
  if (slices > 1) {
    const fractions = Array.from({ length: slices - 1 }, (_, k) => (k + 1) / slices);
    const { rows } = await q.query<{ ids: (number | string)[] | null }>(sql`
      select percentile_disc(${fractions}::float8[]) within group (order by id) as ids from contacts where workspace_id = ${ws}`);
    bounds = [...new Set((rows[0]?.ids ?? []).map(Number))];
  }
  const edges = [0, ...bounds];
  return edges.map((lo, k) => ({ lo, hi: edges[k + 1] ?? null, after: lo, done: false, ...zero() }));
}

/** First run of a phase: the campaign starts sending, the start time and the slices are fixed. */
async function begin(ctx: Ctx, tx: Queryable, job: Job, ws: number, phase: Phase, slices: number): Promise<Progress | null> {
  const c = await getCampaign(tx, ws, job.payload.campaignId, true);
  if (c.status === 'cancelled' || !c.frozen) return null;
  const now = ctx.clock.now();
  if (phase === 'main' && (c.status === 'approved' || c.status === 'scheduled')) {
    await tx.query(sql`update campaigns set status = 'sending', started_at = ${now}, updated_at = ${now} where workspace_id = ${ws} and id = ${c.id}`);
    await audit(tx, now, ws, c.id, 'sending', SYSTEM);
  }
  // the draws are exact over the audience as it is now, and stay fixed for the rest of the send
  const cuts: Cuts = (phase === 'remainder' && c.stats?.main?.cuts) || (await compileAudience(tx, ws, c, c.frozen.channel, now)).cuts;
  const base = { start: now.toISOString(), total: null as number | null, cuts };
  if (c.options.pacing?.spread_over) base.total = await countPhase(tx, await planFor(ctx, tx, ws, c, phase, base));
  const paced = !!c.options.pacing && c.schedule.type !== 'optimized';
  const p: Progress = { phase, ...base, slices: await sliceBounds(tx, ws, paced ? 1 : slices), ...zero() };
  await checkpointJob(tx, ctx.clock, job.id, p, JOB_LEASE_MS);
  return p;
}

function add(s: Slice, b: BatchCounts, upto: number | null, main: boolean): Slice {
  const done = s.hi === null ? upto === null : upto === null || upto >= s.hi;
  const out: Slice = { ...s, after: done ? (s.hi ?? Math.max(s.after, b.last ?? s.after)) : upto!, done, batches: s.batches + 1 };
  out.queued += b.selected;
  out.inserted += b.inserted;
  out.awaiting_winner += b.awaiting_winner;
  if (main) for (const k of ['no_address', 'suppressed', 'collapsed', 'control'] as const) out[k] += b[k];
  return out;
}

export interface FanoutOptions {
  batch?: number;
  /** Parallel slices for a new phase (default: 2 on PostgreSQL, 1 on PGlite). */
  slices?: number;
  /** Called after each committed batch (tests simulate a crash here). */
  afterBatch?: (s: Slice) => void | Promise<void>;
}

/**
 * The fan-out (issue 5's heart): recipients become deliveries set-wise, one INSERT … SELECT per
 * batch of contact ids, each batch committed with its slice's checkpoint. A crash resumes every
 * slice after its last committed batch; a replay inserts nothing twice (idempotency keys). A
 * paused campaign's batches queue as 'paused'; a cancelled one stops at the next batch.
 */
export async function runFanout(ctx: Ctx, job: Job, opts: FanoutOptions = {}): Promise<Progress | { skipped: string }> {
  const ws = job.workspace_id!;
  const id = job.payload.campaignId as number;
  const phase: Phase = job.payload.phase ?? 'main';
  const size = opts.batch ?? job.payload.batch ?? FANOUT_BATCH;
  const slices = opts.slices ?? job.payload.slices ?? (ctx.db.kind === 'postgres' ? FANOUT_SLICES : 1);
  const p: Progress | null = job.progress?.slices ? job.progress : await ctx.db.tx((tx) => begin(ctx, tx, job, ws, phase, slices));
  if (!p) {
    await completeJob(ctx.db, ctx.clock, job.id, { skipped: 'cancelled' });
    return { skipped: 'cancelled' };
  }
  const plan = await planFor(ctx, ctx.db, ws, await getCampaign(ctx.db, ws, id), phase, p);
  let cancelled = false;
  const runSlice = async (k: number) => {
    let s = p.slices[k];
    while (!s.done && !cancelled) {
      const from = s;
      const next = await ctx.db.tx(async (tx) => {
        // FOR SHARE: slices run side by side; pause and cancel (FOR UPDATE) wait for the batch in hand
        const { rows } = await tx.query<{ status: string }>(sql`select status from campaigns where workspace_id = ${ws} and id = ${id} for share`);
        if (!rows[0] || rows[0].status === 'cancelled') return null;
        await bigStatement(tx);
        const bound = await nextBound(tx, ws, from.after, size);
        const upto = from.hi !== null && (bound === null || bound > from.hi) ? from.hi : bound;
        const status = rows[0].status === 'paused' ? 'paused' : 'queued';
        const counts = (await tx.query<BatchCounts>(batchStatement(plan, { after: from.after, upto, offset: from.queued }, status, ctx.clock.now()))).rows[0];
        const to = add(from, counts, upto, phase === 'main');
        await tx.query(sql`
          update jobs set progress = jsonb_set(progress, ${['slices', String(k)]}::text[], ${JSON.stringify(to)}::jsonb),
                 locked_until = ${new Date(ctx.clock.now().getTime() + JOB_LEASE_MS)}
           where id = ${job.id}`);
        return to;
      });
      if (!next) cancelled = true;
      else {
        s = p.slices[k] = next;
        await opts.afterBatch?.(s);
      }
    }
  };
  const results = await Promise.allSettled(p.slices.map((_, k) => runSlice(k)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (cancelled) {
    await completeJob(ctx.db, ctx.clock, job.id, { cancelled: true });
    return { skipped: 'cancelled' };
  }
  return ctx.db.tx(async (tx) => {
    const total = { ...p, ...zero(), done: true };
    for (const s of p.slices) for (const key of COUNTERS) total[key] += s[key];
    await finishPhase(ctx, tx, ws, id, total);
    await completeJob(tx, ctx.clock, job.id, total);
    return total;
  });
}

/** The end of a phase: its counts on the campaign, then the A/B decision or the check that all was sent. */
async function finishPhase(ctx: Ctx, tx: Queryable, ws: number, campaignId: number, p: Progress) {
  const c = await getCampaign(tx, ws, campaignId, true);
  const now = ctx.clock.now();
  const { slices: _slices, ...stats } = p;
  await tx.query(sql`
    update campaigns set stats = jsonb_set(stats, ${[p.phase]}::text[], ${JSON.stringify(stats)}::jsonb), updated_at = ${now}
     where workspace_id = ${ws} and id = ${campaignId}`);
  await audit(tx, now, ws, campaignId, p.phase === 'main' ? 'queued' : 'remainder_queued', SYSTEM, null, { deliveries: p.queued, control: p.control, suppressed: p.suppressed });
  if (p.phase === 'main' && c.ab_test) {
    const decideAt = new Date(new Date(p.start).getTime() + durationMs(c.ab_test.decide_after)!);
    await tx.query(sql`
      update campaigns set ab_state = ${JSON.stringify({ phase: 'test', decide_at: decideAt.toISOString() })}
       where workspace_id = ${ws} and id = ${campaignId}`);
    await enqueue(tx, ctx.clock, { workspaceId: ws, kind: AB_JOB, uniqueKey: `campaign:${campaignId}:ab`, payload: { campaignId }, runAt: decideAt });
    return;
  }
  await enqueueCompletion(tx, ctx, ws, campaignId);
}
