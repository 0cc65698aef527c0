import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { completeJob, type JobHandler } from '../queue/index.ts';
import { audit, SYSTEM, type Actor } from './audit.ts';
import { enqueueCompletion } from './fanout.ts';
import { getCampaign, type Campaign, type CampaignStatus } from './store.ts';

function refuse(c: Campaign, what: string): never {
  throw new AppError('conflict', `a ${c.status} campaign cannot ${what}`, [{ path: 'status', message: `is ${c.status}` }]);
}

/**
 * Pause (K-7): queued deliveries are set aside as 'paused', which the sender never claims; a
 * fan-out still running queues its next batches as paused too.
 */
export async function pauseCampaign(ctx: Ctx, workspaceId: number, id: number, actor: Actor) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, workspaceId, id, true);
    if (c.status !== 'sending') refuse(c, 'be paused');
    const now = ctx.clock.now();
    const r = await tx.query(sql`
      update deliveries set status = 'paused', updated_at = ${now}
       where workspace_id = ${workspaceId} and campaign_id = ${id} and status = 'queued'`);
    await tx.query(sql`update campaigns set status = 'paused', paused_at = ${now}, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${id}`);
    await audit(tx, now, workspaceId, id, 'paused', actor, null, { deliveries: r.rowCount });
    return { ...(await getCampaign(tx, workspaceId, id)), deliveries_paused: r.rowCount };
  });
}

/**
 * Resume: paused deliveries are queued again, each later by the length of the pause so the
 * pacing keeps its rhythm; a deadline still drops what no longer fits (M-5).
 */
export async function resumeCampaign(ctx: Ctx, workspaceId: number, id: number, actor: Actor) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, workspaceId, id, true);
    if (c.status !== 'paused') refuse(c, 'be resumed');
    const now = ctx.clock.now();
    const pausedFor = Math.max(0, now.getTime() - (c.paused_at ?? now).getTime());
    const r = await tx.query(sql`
      update deliveries set status = 'queued', send_at = send_at + ${pausedFor}::bigint * interval '1 millisecond', updated_at = ${now}
       where workspace_id = ${workspaceId} and campaign_id = ${id} and status = 'paused'`);
    await tx.query(sql`update campaigns set status = 'sending', paused_at = null, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${id}`);
    await enqueueCompletion(tx, ctx, workspaceId, id);
    await audit(tx, now, workspaceId, id, 'resumed', actor, null, { deliveries: r.rowCount, paused_ms: pausedFor });
    return { ...(await getCampaign(tx, workspaceId, id)), deliveries_resumed: r.rowCount };
  });
}

const CANCELLABLE: CampaignStatus[] = ['approved', 'scheduled', 'sending', 'paused'];

/**
 * Cancel (K-7): a scheduled campaign sends nothing; a sending or paused one sends nothing more.
 * Its pending jobs are retired and its unsent deliveries cancelled, in one transaction.
 */
export async function cancelCampaign(ctx: Ctx, workspaceId: number, id: number, actor: Actor) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, workspaceId, id, true);
    if (!CANCELLABLE.includes(c.status)) refuse(c, 'be cancelled');
    const now = ctx.clock.now();
    await retireJobs(tx, now, workspaceId, id);
    const r = await tx.query(sql`
      update deliveries set status = 'cancelled', updated_at = ${now}
       where workspace_id = ${workspaceId} and campaign_id = ${id} and status in ('queued', 'paused')`);
    await tx.query(sql`update campaigns set status = 'cancelled', finished_at = ${now}, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${id}`);
    await audit(tx, now, workspaceId, id, 'cancelled', actor, null, { deliveries: r.rowCount, was: c.status });
    return { ...(await getCampaign(tx, workspaceId, id)), deliveries_cancelled: r.rowCount };
  });
}

/** Queued jobs of the campaign are done with; a running fan-out sees the status at its next batch. */
async function retireJobs(tx: Queryable, now: Date, workspaceId: number, id: number) {
  await tx.query(sql`
    update jobs set status = 'done', finished_at = ${now}, result = '{"cancelled":true}'
     where workspace_id = ${workspaceId} and status = 'queued' and unique_key like ${`campaign:${id}:%`}`);
}

/**
 * Marks a campaign sent once every phase is queued and nothing of it is left to send; until
 * then it looks again when its last queued message is due (at least 15 s later).
 */
export const completionJob = (ctx: Ctx): JobHandler => async (job) => {
  const ws = job.workspace_id!;
  const id = job.payload.campaignId as number;
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, ws, id, true).catch(() => null);
    const now = ctx.clock.now();
    if (!c || c.status !== 'sending') return completeJob(tx, ctx.clock, job.id, { skipped: c?.status ?? 'deleted' });
    const phases = await tx.query(sql`
      select 1 from jobs where workspace_id = ${ws} and status in ('queued', 'running') and unique_key in (${`campaign:${id}:fanout:main`}, ${`campaign:${id}:fanout:remainder`}, ${`campaign:${id}:ab`})`);
    const undecided = c.ab_test && c.ab_state?.phase !== 'decided';
    if (phases.rows.length || undecided) return completeJob(tx, ctx.clock, job.id, { waiting: 'fan-out or A/B decision' });
    const { rows } = await tx.query<{ n: number; last: Date | null }>(sql`
      select count(*)::int as n, max(send_at) as last from deliveries
       where workspace_id = ${ws} and campaign_id = ${id} and status in ('queued', 'sending', 'paused')`);
    if (rows[0].n === 0) {
      await tx.query(sql`update campaigns set status = 'sent', finished_at = ${now}, updated_at = ${now} where workspace_id = ${ws} and id = ${id}`);
      await audit(tx, now, ws, id, 'sent', SYSTEM);
      return completeJob(tx, ctx.clock, job.id, { sent: true });
    }
    const again = new Date(Math.max(now.getTime() + 15_000, rows[0].last!.getTime() + 1_000));
    await tx.query(sql`update jobs set status = 'queued', run_at = ${again}, locked_until = null where id = ${job.id}`);
    return { pending: rows[0].n, again };
  });
};
