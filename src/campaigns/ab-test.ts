import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { completeJob, type JobHandler } from '../queue/index.ts';
import { audit, SYSTEM, type Actor } from './audit.ts';
import { enqueueCompletion, enqueueFanout } from './fanout.ts';
import { getCampaign, type AbState, type Campaign } from './store.ts';

/**
 * Each variant's sent count and how many of its recipients opened (or clicked) it: unique
 * contacts over sent messages. Events are found through the campaign index and tied to the
 * variant by their delivery.
 */
export async function variantRates(q: Queryable, workspaceId: number, c: Campaign): Promise<NonNullable<AbState['rates']>> {
  const type = c.ab_test?.winner_metric === 'clicks' ? 'message.clicked' : 'message.opened';
  const { rows } = await q.query<{ variant: string; sent: number; engaged: number }>(sql`
    select d.variant, count(*) filter (where d.status in ('sent', 'bounced'))::int as sent,
           count(*) filter (where exists (
             select 1 from events e where e.workspace_id = d.workspace_id and e.campaign_id = ${String(c.id)}
                and e.type = ${type} and e.contact_id = d.contact_id))::int as engaged
      from deliveries d
     where d.workspace_id = ${workspaceId} and d.campaign_id = ${c.id} and d.source = 'campaign' and d.variant is not null
     group by d.variant`);
  const by = new Map(rows.map((r) => [r.variant, r]));
  return (c.ab_test?.variants ?? []).map((v) => {
    const r = by.get(v.id);
    const sent = r?.sent ?? 0;
    const engaged = r?.engaged ?? 0;
    return { variant: v.id, sent, engaged, rate: sent ? engaged / sent : 0 };
  });
}

/** The best rate wins; a tie goes to the variant listed first. */
export function pickWinner(rates: NonNullable<AbState['rates']>): string {
  return rates.reduce((best, r) => (r.rate > best.rate ? r : best), rates[0]).variant;
}

/** The winner is known: the rest of the audience is queued with it (or, with no rest, the campaign completes). */
async function decide(ctx: Ctx, tx: Queryable, ws: number, c: Campaign, winner: string, by: 'auto' | 'manual', rates: AbState['rates'], actor: Actor) {
  const now = ctx.clock.now();
  const state: AbState = { ...c.ab_state!, phase: 'decided', winner, by, rates };
  await tx.query(sql`update campaigns set ab_state = ${JSON.stringify(state)}, updated_at = ${now} where workspace_id = ${ws} and id = ${c.id}`);
  await audit(tx, now, ws, c.id, 'ab_winner', actor, null, { winner, by, rates });
  if ((c.ab_test?.test_percent ?? 100) < 100) await enqueueFanout(tx, ctx, ws, c.id, 'remainder', now);
  else await enqueueCompletion(tx, ctx, ws, c.id);
  return state;
}

/** At decide_after: the automatic decision, or (auto off) the rates so far and a wait for a pick. */
export const abDecideJob = (ctx: Ctx): JobHandler => async (job) => {
  const ws = job.workspace_id!;
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, ws, job.payload.campaignId, true).catch(() => null);
    if (!c || !c.ab_test || !['sending', 'paused'].includes(c.status) || c.ab_state?.phase !== 'test') return completeJob(tx, ctx.clock, job.id, { skipped: c?.status ?? 'deleted' });
    const rates = await variantRates(tx, ws, c);
    if (c.ab_test.auto) {
      const state = await decide(ctx, tx, ws, c, pickWinner(rates), 'auto', rates, SYSTEM);
      return completeJob(tx, ctx.clock, job.id, state);
    }
    const state: AbState = { ...c.ab_state, phase: 'waiting', rates };
    await tx.query(sql`update campaigns set ab_state = ${JSON.stringify(state)}, updated_at = ${ctx.clock.now()} where workspace_id = ${ws} and id = ${c.id}`);
    await audit(tx, ctx.clock.now(), ws, c.id, 'ab_waiting_for_pick', SYSTEM, null, { rates });
    return completeJob(tx, ctx.clock, job.id, state);
  });
};

/** A winner picked by hand, before or after decide_after, once the test share is queued. */
export async function pickWinnerByHand(ctx: Ctx, workspaceId: number, id: number, variant: string, actor: Actor) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, workspaceId, id, true);
    if (!c.ab_test) throw new AppError('conflict', 'this campaign has no A/B test');
    if (!c.ab_test.variants.some((v) => v.id === variant)) throw new AppError('validation', `variant: no variant ${variant}`, [{ path: 'variant', message: `expected one of ${c.ab_test.variants.map((v) => v.id).join(', ')}` }]);
    if (!['sending', 'paused'].includes(c.status) || !c.ab_state || c.ab_state.phase === 'decided')
      throw new AppError('conflict', c.ab_state?.phase === 'decided' ? `the winner is already ${c.ab_state.winner}` : 'the test share is not queued yet', [{ path: 'status', message: `is ${c.status}` }]);
    await tx.query(sql`
      update jobs set status = 'done', finished_at = ${ctx.clock.now()}, result = '{"picked":true}'
       where workspace_id = ${workspaceId} and status = 'queued' and unique_key = ${`campaign:${id}:ab`}`);
    const state = await decide(ctx, tx, workspaceId, c, variant, 'manual', await variantRates(tx, workspaceId, c), actor);
    return { ...(await getCampaign(tx, workspaceId, id)), ab_state: state };
  });
}
