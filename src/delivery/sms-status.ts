import { z } from 'zod';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { appendEvents } from '../events/index.ts';
import { setConsent } from '../contacts/index.ts';
import { eventData } from './outcomes.ts';
import { signToken } from './tokens.ts';
import type { DeliveryRow } from './compose.ts';

/**
 * SMS delivery reports (M-6: "delivery status comes back from the provider"). Each SMS is sent
 * with a StatusCallback URL naming its delivery by a signed token; Twilio posts the message's
 * status there as it changes. The final ones are recorded as email delivery reports are:
 * delivered → a message.delivered event (the delivery stays sent); undelivered → the delivery
 * bounced and a message.bounced event; failed (Twilio could not send it) → the delivery failed
 * and a message.failed event. The first final report wins: a repeat, or a late `sent` after
 * `delivered`, changes nothing. Callbacks may arrive before the sender has recorded the send:
 * the report is kept, and the sender's outcome then leaves the delivery bounced or failed.
 */
export const TWILIO_STATUSES = [
  'accepted', 'scheduled', 'canceled', 'queued', 'sending', 'sent', 'failed', 'delivered', 'undelivered',
  'receiving', 'received', 'read', 'partially_delivered',
] as const;
const FINAL = new Set(['delivered', 'undelivered', 'failed']);

/** Twilio error codes that mean the number will not take SMS (Twilio's error dictionary). */
const HARD = new Set(['21211', '21612', '21614', '30004', '30005', '30006']);
/** The recipient replied STOP to Twilio, which now refuses to send to the number. */
const UNSUBSCRIBED = '21610';

export const statusCallback = z.looseObject({
  MessageSid: z.string().min(1).max(64),
  MessageStatus: z.enum(TWILIO_STATUSES),
  ErrorCode: z.string().max(10).optional(),
  ErrorMessage: z.string().max(500).optional(),
  AccountSid: z.string().max(64).optional(),
});
export type StatusCallback = z.infer<typeof statusCallback>;

export function smsStatusUrl(ctx: Pick<Ctx, 'secret' | 'config'>, workspaceId: number, deliveryId: number): string {
  return `${ctx.config.publicUrl}/hooks/sms-status/${signToken(ctx.secret, 'sms-status', [workspaceId, deliveryId])}`;
}

type Row = DeliveryRow & { status: string; provider_id: string | null; provider_status: string | null };

export async function recordSmsStatus(ctx: Ctx, workspaceId: number, deliveryId: number, cb: StatusCallback) {
  return ctx.db.tx(async (tx) => {
    const { rows } = await tx.query<Row>(sql`
      select workspace_id, id, contact_id, message_id, channel, to_address, campaign_id, journey_id, step_id, transactional,
             status, provider_id, provider_status
        from deliveries where workspace_id = ${workspaceId} and id = ${deliveryId} for update`);
    const d = rows[0];
    if (!d || d.channel !== 'sms') throw new AppError('not_found', 'no such SMS delivery');
    if (d.provider_id && d.provider_id !== cb.MessageSid)
      throw new AppError('unprocessable', 'MessageSid: not the message sent for this delivery', [{ path: 'MessageSid', message: `this delivery was sent as ${d.provider_id}` }]);
    const status = cb.MessageStatus;
    if (!FINAL.has(status) || d.provider_status) return { delivery_id: d.id, recorded: false, provider_status: d.provider_status };
    const now = ctx.clock.now();
    const code = cb.ErrorCode && cb.ErrorCode !== '0' ? cb.ErrorCode : undefined;
    const reason = status === 'delivered' ? null : `Twilio ${status}${code ? `: error ${code}` : ''}${cb.ErrorMessage ? ` (${cb.ErrorMessage})` : ''}`;
    // a delivery still 'sending' is finished by the sender's outcome, which reads this report
    const next = d.status === 'sent' ? (status === 'undelivered' ? 'bounced' : status === 'failed' ? 'failed' : 'sent') : d.status;
    await tx.query(sql`
      update deliveries set provider_status = ${status}, reported_at = ${now}, status = ${next}, updated_at = ${now},
             provider_id = coalesce(provider_id, ${cb.MessageSid}), last_error = coalesce(${reason}, last_error)
       where workspace_id = ${workspaceId} and id = ${d.id}`);
    if (d.contact_id) {
      const type = status === 'delivered' ? 'message.delivered' : status === 'undelivered' ? 'message.bounced' : 'message.failed';
      const extra = status === 'delivered' ? {} : { bounce_type: code && HARD.has(code) ? 'hard' : 'soft', reason, error_code: code ?? null };
      await appendEvents(tx, now, [{ workspaceId, contactId: d.contact_id, type, data: eventData(d, { ...extra, provider_status: status }) }]);
      if (code === UNSUBSCRIBED)
        await setConsent(tx, now, workspaceId, d.contact_id, {
          channel: 'sms', status: 'opted_out', source: 'provider', actor: 'Twilio',
          reason: 'Twilio refused to send (error 21610): the phone had replied STOP to the sending number',
        });
    }
    return { delivery_id: d.id, recorded: true, provider_status: status };
  });
}
