import { z } from 'zod';
import { id, timestamp } from '../http/schemas.ts';

/** What the delivery routes answer (issue 18: the typed contract). */
export const deliveryStatus = z
  .enum(['queued', 'sending', 'sent', 'failed', 'bounced', 'suppressed', 'expired', 'skipped', 'in_doubt', 'cancelled', 'paused'])
  .meta({ description: 'in_doubt: the worker stopped while sending, it may have left (retry is an explicit decision)' });
const channel = z.enum(['email', 'sms']);
const source = z.enum(['campaign', 'journey', 'transactional', 'test', 'resend', 'system']);

export const deliverySummary = z
  .object({
    id,
    contact_id: id.nullable(),
    message_id: id,
    channel,
    to_address: z.string(),
    source,
    campaign_id: id.nullable(),
    journey_id: id.nullable(),
    step_id: z.string().nullable(),
    status: deliveryStatus,
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    send_at: timestamp,
    sent_at: timestamp.nullable(),
  })
  .meta({ id: 'DeliverySummary' });

export const delivery = deliverySummary
  .extend({
    idempotency_key: z.string().meta({ description: "one send per key, ever: 'campaign:{id}:contact:{id}', 'enrollment:{id}:step:{id}', …" }),
    message_version: z.number().int(),
    transactional: z.boolean(),
    deadline: timestamp.nullable(),
    provider_id: z.string().nullable().meta({ description: "the provider's id of the message (SMTP queue id, SMS sid)" }),
    provider_status: z.enum(['delivered', 'undelivered', 'failed']).nullable().optional().meta({ description: "the provider's last delivery report" }),
    reported_at: timestamp.nullable().optional(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Delivery' });

export const preview = z.discriminatedUnion('channel', [
  z.object({ channel: z.literal('email'), language: z.string().nullable(), subject: z.string(), from: z.string().nullable(), html: z.string(), text: z.string() }),
  z.object({ channel: z.literal('sms'), language: z.string().nullable(), text: z.string() }),
]).meta({ id: 'MessagePreview' });

export const outboxSummary = z.object({
  id,
  delivery_id: id.nullable(),
  channel,
  to_address: z.string(),
  from_address: z.string().nullable(),
  subject: z.string().nullable(),
  created_at: timestamp,
});
export const outboxMessage = outboxSummary
  .extend({ workspace_id: id, html: z.string().nullable(), text: z.string().nullable(), headers: z.record(z.string(), z.unknown()) })
  .meta({ id: 'OutboxMessage' });

export const sendingHealth = z.object({
  counts: z.record(z.string(), z.number().int()).meta({ description: 'deliveries by status: queued, sending, in_doubt, failed (absent when 0)' }),
  backing_off: z.array(z.object({ domain: z.string(), until: timestamp, level: z.number().int(), last_error: z.string().nullable() })),
});

export const suppression = z.object({ address: z.string(), reason: z.enum(['bounced', 'complained', 'unsubscribed', 'manual']), created_at: timestamp }).meta({ id: 'Suppression' });

export const bounceResult = z.object({
  matched: z.boolean().meta({ description: 'a delivery or contact was found for the report' }),
  status: z.enum(['bounced', 'complained']).optional().meta({ description: 'set when the address is now suppressed' }),
  ignored: z.boolean().optional().meta({ description: 'a record type that changes nothing (Postmark)' }),
});
