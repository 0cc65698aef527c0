import { randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { invalid } from '../errors.ts';
import { findContactByEmail, isEmail, listByFormToken, updateContact, upsertContact } from '../contacts/index.ts';
import { systemMessage } from '../messages/index.ts';
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

/** Confirmation mails an address may get: one per list per hour, five a day in all (issue 16). */
const CONFIRM_PER_LIST_HOUR = 1;
const CONFIRM_PER_DAY = 5;

/**
 * Public signup (C-5). Without double opt-in a new address is subscribed and joins at once;
 * with it, a confirmation email carries a signed link and nothing joins until it is followed.
 * A public form never lifts an unsubscribe, a bounce or a complaint by itself (issue 16): such
 * an address gets the confirmation mail even on a single opt-in list, and only following its
 * link subscribes it again (a working inbox clicked it, with the consent history saying so).
 * Nor does it overwrite what is stored: it fills empty fields only. Anyone can type any address,
 * so confirmation mails are throttled per address, and the answer is the same either way.
 */
export async function signup(ctx: Ctx, formToken: string, input: SignupInput, ip: string) {
  const list = await listByFormToken(ctx.db, formToken);
  if (!list) return null;
  const email = (input.email ?? '').trim();
  if (!isEmail(email)) throw invalid('email', 'not a valid email address');
  const values = { email, first_name: input.first_name?.trim() || undefined, last_name: input.last_name?.trim() || undefined };
  const ws = list.workspace_id;
  const existing = await findContactByEmail(ctx.db, ws, email);
  if (!list.double_opt_in && (!existing || existing.email_status === 'subscribed')) {
    if (existing) await updateContact(ctx, ws, existing.id, { ...emptyOnly(existing, values), list_ids: [list.id] }, { source: 'form', ip, actor: BY_FORM });
    else await upsertContact(ctx, ws, { ...values, email_status: 'subscribed', list_ids: [list.id] }, { source: 'form', ip, actor: BY_FORM });
    return { confirmed: true, list };
  }
  await ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    if (await throttled(tx, ws, list.id, email, now)) return;
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into signup_requests (workspace_id, list_id, email, values, ip, created_at)
      values (${ws}, ${list.id}, ${email}, ${JSON.stringify(values)}, ${ip}, ${now}) returning id`);
    const exp = now.getTime() + CONFIRM_DAYS * 86_400_000;
    const token = signToken(ctx.secret, 'confirm', [ws, rows[0].id, exp]);
    const message = await systemMessage(tx, ctx.clock, ws, { name: CONFIRM_NAME, channel: 'email', content: CONFIRM_CONTENT });
    await scheduleDeliveries(tx, now, [{
      workspaceId: ws, idempotencyKey: `signup:${rows[0].id}:${randomUUID()}`, contactId: null,
      messageId: message.id, messageVersion: message.version, channel: 'email', to: email, source: 'system', transactional: true,
      data: { list_name: list.name, first_name: values.first_name ?? '', confirm_url: `${ctx.config.publicUrl}/f/confirm/${token}` },
      sendAt: now,
    }]);
  });
  return { confirmed: false, list };
}

const BY_FORM = 'the contact, on the signup form';

/** Public input fills what is empty; it never replaces what the contact record holds. */
function emptyOnly(existing: Record<string, any>, values: { first_name?: string; last_name?: string }) {
  const out: { first_name?: string; last_name?: string } = {};
  if (values.first_name && !existing.first_name) out.first_name = values.first_name;
  if (values.last_name && !existing.last_name) out.last_name = values.last_name;
  return out;
}

async function throttled(tx: Queryable, ws: number, listId: number, email: string, now: Date): Promise<boolean> {
  const { rows } = await tx.query<{ hour: number; day: number }>(sql`
    select count(*) filter (where list_id = ${listId} and created_at > ${new Date(now.getTime() - 3_600_000)})::int as hour,
           count(*)::int as day
      from signup_requests
     where workspace_id = ${ws} and lower(email) = lower(${email}) and created_at > ${new Date(now.getTime() - 86_400_000)}`);
  return rows[0].hour >= CONFIRM_PER_LIST_HOUR || rows[0].day >= CONFIRM_PER_DAY;
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
  const now = ctx.clock.now();
  // following the link mailed to the address is the proof: it may lift an unsubscribe, a bounce or a complaint
  const proof = { reason: 'confirmed from the link mailed to the address (double opt-in)', consented_at: now.toISOString(), source: `signup form of list ${req.list_id} (request ${id})` };
  const opts = { source: 'form' as const, ip, actor: 'the contact, by the confirmation link', proof };
  const existing = await findContactByEmail(ctx.db, workspaceId, req.values.email);
  if (existing) await updateContact(ctx, workspaceId, existing.id, { ...emptyOnly(existing, req.values), email_status: 'subscribed', list_ids: [req.list_id] }, opts);
  else await upsertContact(ctx, workspaceId, { ...req.values, email_status: 'subscribed', list_ids: [req.list_id] }, opts);
  await ctx.db.query(sql`update signup_requests set confirmed_at = ${ctx.clock.now()} where workspace_id = ${workspaceId} and id = ${id}`);
  return 'confirmed';
}
