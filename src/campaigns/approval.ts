import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { audit, type Actor } from './audit.ts';
import { runChecklist } from './checklist.ts';
import { freeze } from './checklist.ts';
import { startTime } from './definition.ts';
import { enqueueFanout } from './fanout.ts';
import { compileAudience } from './recipients.ts';
import { getCampaign, type Campaign } from './store.ts';

const conflict = (c: Campaign, what: string) => new AppError('conflict', `a ${c.status} campaign cannot ${what}`, [{ path: 'status', message: `is ${c.status}` }]);

/**
 * "Prepare" (K-6): fixes the message versions, runs the checklist and, when every check
 * passes, puts the campaign in awaiting_approval. The user who prepares is its author.
 */
export async function prepareCampaign(ctx: Ctx, ws: number, id: number, actor: Actor) {
  const { c, frozen } = await ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, ws, id, true);
    if (!['draft', 'rejected', 'awaiting_approval'].includes(c.status)) throw conflict(c, 'be prepared');
    const frozen = await freeze(ctx, tx, ws, c);
    await tx.query(sql`update campaigns set frozen = ${JSON.stringify(frozen)} where workspace_id = ${ws} and id = ${id}`);
    return { c: { ...c, frozen }, frozen };
  });
  const audience = await compileAudience(ctx.db, ws, c, frozen.channel, ctx.clock.now());
  const result = await runChecklist(ctx, ws, c, frozen, audience);
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const cur = await getCampaign(tx, ws, id, true);
    if (cur.updated_at.getTime() !== c.updated_at.getTime() || cur.status !== c.status)
      throw new AppError('conflict', 'the campaign changed while it was being checked: prepare it again');
    const status = result.ok ? 'awaiting_approval' : 'draft';
    await tx.query(sql`
      update campaigns set status = ${status}, checklist = ${JSON.stringify({ ...result, checked_at: now })},
             prepared_by = ${actor.userId}, prepared_at = ${now}, updated_at = ${now}
       where workspace_id = ${ws} and id = ${id}`);
    const failed = result.checks.filter((x) => !x.ok).map((x) => x.key);
    await audit(tx, now, ws, id, result.ok ? 'prepared' : 'prepare_failed', actor, null, { failed, recipients: result.calculation.recipients });
    return { id, status, ...result };
  });
}

/**
 * The users who wrote this campaign since it was last approved (issue 16): whoever created,
 * edited or prepared it, and whoever wrote a version of its messages up to the one it sends.
 * Edits made with an API key have no user and name nobody.
 */
async function authorsOf(tx: Queryable, ws: number, c: Campaign): Promise<{ id: number; email: string }[]> {
  const pinned = c.frozen?.variants ?? [];
  const { rows } = await tx.query<{ id: number; email: string }>(sql`
    with since as (
      select coalesce(max(at), '-infinity'::timestamptz) as at, coalesce(max(id), 0) as audit_id
        from campaign_audit where workspace_id = ${ws} and campaign_id = ${c.id} and action = 'approved'),
    who as (
      select a.user_id from campaign_audit a, since
       where a.workspace_id = ${ws} and a.campaign_id = ${c.id} and a.id > since.audit_id and a.user_id is not null
         and a.action in ('created', 'edited', 'edited_back_to_draft', 'prepared')
      union
      select v.created_by from message_versions v
        join unnest(${pinned.map((p) => p.message_id)}::bigint[], ${pinned.map((p) => p.version)}::int[]) as p(message_id, version)
          on v.message_id = p.message_id and v.version <= p.version, since
       where v.workspace_id = ${ws} and v.created_by is not null and v.created_at > since.at)
    select u.id, u.email from users u join who on who.user_id = u.id order by u.id`);
  return rows;
}

/**
 * Approve (K-6) needs the 'approve' permission (owner, admin, approver). When the workspace
 * sets approval_requires_other_user, the approver must be a logged-in user who is none of its
 * authors (authorsOf); an API key has no user, so it cannot approve there (it could be an author's).
 */
export async function approveCampaign(ctx: Ctx, ws: number, id: number, actor: Actor) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, ws, id, true);
    if (c.status !== 'awaiting_approval') throw conflict(c, 'be approved');
    const settings = (await tx.query<{ settings: Record<string, unknown> }>(sql`select settings from workspaces where id = ${ws}`)).rows[0]?.settings ?? {};
    if (settings.approval_requires_other_user === true) {
      if (actor.userId === null) throw new AppError('forbidden', 'this workspace requires the approver to be another user than the author: approve as a logged-in user, not with an API key');
      const authors = await authorsOf(tx, ws, c);
      if (authors.some((a) => a.id === actor.userId))
        throw new AppError('forbidden', `you are one of this campaign's authors (${authors.map((a) => a.email).join(', ')}: they created or edited it or its message, or prepared it): this workspace requires another user to approve it`);
    }
    const now = ctx.clock.now();
    const start = startTime(c.schedule, now);
    if (c.schedule.type === 'at' && start.getTime() <= now.getTime())
      throw new AppError('conflict', `the scheduled time ${start.toISOString()} has passed: edit the schedule and prepare again`, [{ path: 'schedule.at', message: 'in the past' }]);
    const status = c.schedule.type === 'at' ? 'scheduled' : 'approved';
    await tx.query(sql`
      update campaigns set status = ${status}, approved_by = ${actor.userId}, approved_at = ${now}, start_at = ${start}, updated_at = ${now}
       where workspace_id = ${ws} and id = ${id}`);
    await enqueueFanout(tx, ctx, ws, id, 'main', start);
    await audit(tx, now, ws, id, 'approved', actor, null, { start_at: start.toISOString(), schedule: c.schedule.type });
    return getCampaign(tx, ws, id);
  });
}

/** Reject (K-6): back to its author with a reason; editing it makes it a draft again. */
export async function rejectCampaign(ctx: Ctx, ws: number, id: number, actor: Actor, reason: string) {
  return ctx.db.tx(async (tx) => {
    const c = await getCampaign(tx, ws, id, true);
    if (c.status !== 'awaiting_approval') throw conflict(c, 'be rejected');
    const now = ctx.clock.now();
    await tx.query(sql`update campaigns set status = 'rejected', updated_at = ${now} where workspace_id = ${ws} and id = ${id}`);
    await audit(tx, now, ws, id, 'rejected', actor, reason);
    return getCampaign(tx, ws, id);
  });
}
