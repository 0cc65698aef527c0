import { randomUUID } from 'node:crypto';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { getContact } from '../contacts/index.ts';
import { scheduleDeliveries } from '../delivery/index.ts';

interface Past {
  id: number;
  message_id: number;
  message_version: number;
  channel: 'email' | 'sms';
  language: string | null;
  campaign_id: number | null;
  journey_id: number | null;
  step_id: string | null;
  variant: string | null;
  transactional: boolean;
  data: Record<string, unknown>;
  options: Record<string, unknown>;
}

/**
 * Resend (C-6, seed 004): the same message version again to the contact, now, as a new delivery
 * (source 'resend') to their current address. Consent still applies: refused here when the
 * contact cannot receive it, and checked again by the sender at send time.
 */
export async function resendDelivery(ctx: Ctx, ws: number, contactId: number, deliveryId: number) {
  const contact = (await getContact(ctx.db, ws, contactId)) as Record<string, any>;
  const { rows } = await ctx.db.query<Past>(sql`
    select id, message_id, message_version, channel, language, campaign_id, journey_id, step_id, variant, transactional, data, options
      from deliveries
     where workspace_id = ${ws} and id = ${deliveryId} and contact_id = ${contactId} and source in ('campaign', 'journey', 'transactional', 'resend')`);
  const d = rows[0];
  if (!d) throw notFound('delivery of this contact');
  const to = d.channel === 'email' ? contact.email : contact.phone;
  const refuse = (why: string) => new AppError('conflict', `cannot resend: ${why}`, [{ path: 'contact', message: why }]);
  if (!to) throw refuse(`the contact has no ${d.channel === 'email' ? 'email address' : 'phone number'}`);
  if (d.channel === 'sms' && contact.sms_status !== 'opted_in') throw refuse('the contact has not opted into SMS');
  if (d.channel === 'email' && !d.transactional) {
    if (contact.email_status !== 'subscribed') throw refuse(`the contact's email is ${contact.email_status}`);
    const s = await ctx.db.query(sql`select 1 from suppressions where workspace_id = ${ws} and address = ${String(to).toLowerCase()}`);
    if (s.rows[0]) throw refuse('the address is on the suppression list');
  }
  const now = ctx.clock.now();
  // a resend goes now: the original's delivery window does not hold it back
  const { window: _window, ...options } = d.options ?? {};
  const [row] = await scheduleDeliveries(ctx.db, now, [{
    workspaceId: ws, idempotencyKey: `resend:${d.id}:${randomUUID()}`, contactId, messageId: d.message_id, messageVersion: d.message_version,
    channel: d.channel, to: String(to), language: d.language, source: 'resend', campaignId: d.campaign_id, journeyId: d.journey_id,
    stepId: d.step_id, variant: d.variant, transactional: d.transactional, data: { ...d.data, resend_of: d.id }, options, sendAt: now,
  }]);
  return { delivery_id: row.id, resend_of: d.id, message_id: d.message_id, message_version: d.message_version, to };
}
