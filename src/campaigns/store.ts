import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound, type ErrorDetail } from '../errors.ts';
import { assertLists } from '../contacts/index.ts';
import { getSegment, type SegmentId } from '../segments/index.ts';
import { audit, type Actor } from './audit.ts';
import { campaignInput, crossCheck, type AbTest, type CampaignInput, type Options, type Recipients, type Schedule } from './definition.ts';

export type CampaignStatus = 'draft' | 'awaiting_approval' | 'rejected' | 'approved' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

/** The versions a campaign sends, fixed by prepare: what was checked is what goes out. */
export interface FrozenVariant {
  id: string | null;
  message_id: number;
  version: number;
  languages: string[];
  options: Record<string, unknown>;
  /** A message made for a variant's subject override, reused by the next prepare. */
  derived?: boolean;
}
export interface Frozen {
  channel: 'email' | 'sms';
  variants: FrozenVariant[];
}

export interface AbState {
  phase: 'test' | 'waiting' | 'decided';
  decide_at: string;
  winner?: string | null;
  by?: 'auto' | 'manual';
  rates?: { variant: string; sent: number; engaged: number; rate: number }[];
}

export interface Campaign {
  id: number;
  name: string;
  message_id: number;
  status: CampaignStatus;
  recipients: Recipients;
  duplicates: 'per_contact' | 'per_email';
  control_group_percent: number;
  ab_test: AbTest | null;
  schedule: Schedule;
  options: Options;
  frozen: Frozen | null;
  checklist: unknown;
  start_at: Date | null;
  ab_state: AbState | null;
  stats: Record<string, any>;
  created_by: number | null;
  prepared_by: number | null;
  prepared_at: Date | null;
  approved_by: number | null;
  approved_at: Date | null;
  paused_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = sql`id, name, message_id, status, recipients, duplicates, control_group_percent::float8 as control_group_percent, ab_test, schedule, options, frozen, checklist,
  start_at, ab_state, stats, created_by, prepared_by, prepared_at, approved_by, approved_at, paused_at, started_at, finished_at, created_at, updated_at`;

export async function getCampaign(q: Queryable, workspaceId: number, id: number, lock = false): Promise<Campaign> {
  const { rows } = await q.query<Campaign>(sql`
    select ${COLUMNS} from campaigns where workspace_id = ${workspaceId} and id = ${id} ${lock ? sql`for update` : sql``}`);
  if (!rows[0]) throw notFound('campaign');
  return rows[0];
}

export async function listCampaigns(q: Queryable, workspaceId: number, f: { status?: string; limit: number; before?: number }) {
  const { rows } = await q.query(sql`
    select id, name, message_id, status, schedule, start_at, started_at, finished_at, stats, created_at, updated_at
      from campaigns where workspace_id = ${workspaceId}
       ${f.status ? sql`and status = ${f.status}` : sql``} ${f.before ? sql`and id < ${f.before}` : sql``}
     order by id desc limit ${f.limit}`);
  return rows;
}

/** Every reference must exist in the workspace: message(s) of one channel, lists, segments. */
async function checkRefs(q: Queryable, workspaceId: number, c: CampaignInput): Promise<void> {
  const errors: ErrorDetail[] = [];
  const ids = [c.message_id, ...(c.ab_test?.variants ?? []).flatMap((v) => (v.message_id ? [v.message_id] : []))];
  const { rows } = await q.query<{ id: number; channel: string }>(sql`select id, channel from messages where workspace_id = ${workspaceId} and id = any(${ids}::bigint[])`);
  const channel = new Map(rows.map((r) => [r.id, r.channel]));
  if (!channel.has(c.message_id)) errors.push({ path: 'message_id', message: 'no such message' });
  c.ab_test?.variants.forEach((v, i) => {
    if (v.message_id && !channel.has(v.message_id)) errors.push({ path: `ab_test.variants[${i}].message_id`, message: 'no such message' });
    else if (v.message_id && channel.get(v.message_id) !== channel.get(c.message_id)) errors.push({ path: `ab_test.variants[${i}].message_id`, message: 'a variant must use the channel of the campaign message' });
    if (!v.message_id && !v.subject && !v.from) errors.push({ path: `ab_test.variants[${i}]`, message: 'give message_id, subject or from' });
    if (channel.get(c.message_id) === 'sms' && (v.subject || v.from)) errors.push({ path: `ab_test.variants[${i}]`, message: 'an SMS variant differs by message_id only' });
  });
  for (const key of ['lists', 'exclude_lists'] as const) {
    await assertLists(q, workspaceId, c.recipients[key], `recipients.${key}`).catch((err) => {
      if (!(err instanceof AppError)) throw err;
      errors.push(...err.details);
    });
  }
  for (const key of ['segments', 'exclude_segments'] as const) {
    for (const [i, s] of c.recipients[key].entries()) {
      await getSegment(q, workspaceId, s as SegmentId).catch(() => errors.push({ path: `recipients.${key}[${i}]`, message: 'no such segment' }));
    }
  }
  if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors);
}

const asJson = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export async function createCampaign(ctx: Ctx, workspaceId: number, raw: unknown, actor: Actor): Promise<Campaign> {
  const c = parseInput(raw);
  return ctx.db.tx(async (tx) => {
    await checkRefs(tx, workspaceId, c);
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into campaigns (workspace_id, name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options, created_by, created_at, updated_at)
      values (${workspaceId}, ${c.name}, ${c.message_id}, ${asJson(c.recipients)}, ${c.duplicates}, ${c.control_group_percent}, ${asJson(c.ab_test)},
              ${asJson(c.schedule)}, ${asJson(c.options)}, ${actor.userId}, ${now}, ${now})
      returning id`);
    await audit(tx, now, workspaceId, rows[0].id, 'created', actor);
    return getCampaign(tx, workspaceId, rows[0].id);
  });
}

function parseInput(raw: unknown): CampaignInput {
  const parsed = campaignInput.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message }));
    throw new AppError('validation', `${details[0].path}: ${details[0].message}`, details);
  }
  crossCheck(parsed.data);
  return parsed.data;
}

const EDITABLE: CampaignStatus[] = ['draft', 'rejected', 'awaiting_approval'];

/**
 * Edits a campaign not yet approved. Each given top-level key replaces the stored one. Editing
 * one that awaits approval or was rejected takes it back to draft: approval is for what was
 * checked, so it must be prepared again.
 */
export async function updateCampaign(ctx: Ctx, workspaceId: number, id: number, patch: Record<string, unknown>, actor: Actor): Promise<Campaign> {
  return ctx.db.tx(async (tx) => {
    const cur = await getCampaign(tx, workspaceId, id, true);
    if (!EDITABLE.includes(cur.status)) throw new AppError('conflict', `a ${cur.status} campaign cannot be edited`, [{ path: 'status', message: `is ${cur.status}` }]);
    const { name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options } = cur;
    const c = parseInput({ name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options, ...patch });
    await checkRefs(tx, workspaceId, c);
    const now = ctx.clock.now();
    await tx.query(sql`
      update campaigns set name = ${c.name}, message_id = ${c.message_id}, recipients = ${asJson(c.recipients)}, duplicates = ${c.duplicates},
             control_group_percent = ${c.control_group_percent}, ab_test = ${asJson(c.ab_test)}, schedule = ${asJson(c.schedule)},
             options = ${asJson(c.options)}, status = 'draft', updated_at = ${now}
       where workspace_id = ${workspaceId} and id = ${id}`);
    await audit(tx, now, workspaceId, id, cur.status === 'draft' ? 'edited' : 'edited_back_to_draft', actor, null, { fields: Object.keys(patch) });
    return getCampaign(tx, workspaceId, id);
  });
}

export async function deleteCampaign(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query<{ status: string }>(sql`select status from campaigns where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('campaign');
  if (!['draft', 'rejected'].includes(rows[0].status)) throw new AppError('conflict', `a ${rows[0].status} campaign is kept for its results; only drafts can be deleted`, [{ path: 'status', message: `is ${rows[0].status}` }]);
  await q.query(sql`delete from campaigns where workspace_id = ${workspaceId} and id = ${id}`);
}

/** A copy as a new draft: same message, recipients and options, nothing of the run. */
export async function duplicateCampaign(ctx: Ctx, workspaceId: number, id: number, actor: Actor, name?: string) {
  const c = await getCampaign(ctx.db, workspaceId, id);
  const { message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options } = c;
  return createCampaign(ctx, workspaceId, { name: name ?? `${c.name} (copy)`, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options }, actor);
}

/** Campaigns waiting for a decision, for the home page (K-6). */
export async function pendingApprovals(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`
    select c.id, c.name, c.message_id, m.name as message_name, c.schedule, c.prepared_by, u.email as prepared_by_email, c.prepared_at,
           (c.checklist -> 'calculation' ->> 'recipients')::int as recipients
      from campaigns c
      left join messages m on m.workspace_id = c.workspace_id and m.id = c.message_id
      left join users u on u.id = c.prepared_by
     where c.workspace_id = ${workspaceId} and c.status = 'awaiting_approval'
     order by c.prepared_at`);
  return rows;
}
