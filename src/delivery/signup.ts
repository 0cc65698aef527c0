import { randomUUID } from 'node:crypto';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { invalid } from '../errors.ts';
import { isEmail, listByFormToken, upsertContact } from '../contacts/index.ts';
import { createMessage } from '../messages/index.ts';
import { signToken } from './tokens.ts';
import { scheduleDeliveries } from './schedule.ts';

const CONFIRM_DAYS = 7;
const CONFIRM_NAME = '[system] Confirm your subscription';
const CONFIRM_CONTENT = {
  format: 'html',
  subject: 'Please confirm your subscription to {{ data.list_name }}',
  body: '<p>Hello {{ data.first_name | default: "" }},</p><p>Please confirm that you want to receive emails from {{ workspace.name }} ({{ data.list_name }}):</p><p><a href="{{ data.confirm_url }}">Yes, subscribe me</a></p><p>If you did not ask for this, ignore this email.</p>',
};

export interface SignupInput {
  email: string;
  first_name?: string;
  last_name?: string;
}

/**
 * Public signup (C-5). Without double opt-in the contact is subscribed and joins at once;
 * with it, a confirmation email carries a signed link and nothing joins until it is followed.
 */
export async function signup(ctx: Ctx, formToken: string, input: SignupInput, ip: string) {
  const list = await listByFormToken(ctx.db, formToken);
  if (!list) return null;
  const email = (input.email ?? '').trim();
  if (!isEmail(email)) throw invalid('email', 'not a valid email address');
  const values = { email, first_name: input.first_name?.trim() || undefined, last_name: input.last_name?.trim() || undefined };
  if (!list.double_opt_in) {
    await upsertContact(ctx, list.workspace_id, { ...values, email_status: 'subscribed', list_ids: [list.id] }, { source: 'form', ip });
    return { confirmed: true, list };
  }
  await ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into signup_requests (workspace_id, list_id, email, values, ip, created_at)
      values (${list.workspace_id}, ${list.id}, ${email}, ${JSON.stringify(values)}, ${ip}, ${now}) returning id`);
    const exp = now.getTime() + CONFIRM_DAYS * 86_400_000;
    const token = signToken(ctx.secret, 'confirm', [list.workspace_id, rows[0].id, exp]);
    const message = await confirmationMessage(ctx, tx, list.workspace_id);
    await scheduleDeliveries(tx, now, [{
      workspaceId: list.workspace_id, idempotencyKey: `signup:${rows[0].id}:${randomUUID()}`, contactId: null,
      messageId: message.id, messageVersion: message.version, channel: 'email', to: email, source: 'system', transactional: true,
      data: { list_name: list.name, first_name: values.first_name ?? '', confirm_url: `${ctx.config.publicUrl}/f/confirm/${token}` },
      sendAt: now,
    }]);
  });
  return { confirmed: false, list };
}

async function confirmationMessage(ctx: Ctx, tx: Parameters<Parameters<Ctx['db']['tx']>[0]>[0], workspaceId: number) {
  const { rows } = await tx.query<{ id: number; version: number }>(sql`
    select id, version from messages where workspace_id = ${workspaceId} and name = ${CONFIRM_NAME} order by id limit 1`);
  return rows[0] ?? createMessage(tx, ctx.clock, workspaceId, { name: CONFIRM_NAME, channel: 'email', content: CONFIRM_CONTENT });
}

/** Follows a confirmation link: subscribes and joins, once; a second click changes nothing. */
export async function confirmSignup(ctx: Ctx, payload: unknown[], ip: string): Promise<'confirmed' | 'expired' | 'unknown'> {
  const [workspaceId, id, exp] = payload.map(Number);
  if (ctx.clock.now().getTime() > exp) return 'expired';
  const { rows } = await ctx.db.query<{ list_id: number; values: any; confirmed_at: Date | null }>(sql`
    select list_id, values, confirmed_at from signup_requests where workspace_id = ${workspaceId} and id = ${id}`);
  const req = rows[0];
  if (!req) return 'unknown';
  if (req.confirmed_at) return 'confirmed';
  await upsertContact(ctx, workspaceId, { ...req.values, email_status: 'subscribed', list_ids: [req.list_id] }, { source: 'form', ip });
  await ctx.db.query(sql`update signup_requests set confirmed_at = ${ctx.clock.now()} where workspace_id = ${workspaceId} and id = ${id}`);
  return 'confirmed';
}
