import { z } from 'zod';
import { id, timestamp } from '../http/schemas.ts';

/** Response shapes of the integrations routes (issue 18): connections, webhooks, transactional sends. */

const kind = z.enum(['shopify', 'woocommerce', 'generic']).meta({ description: 'shopify and woocommerce: their webhooks; generic: the JSON shape of WEBHOOKS.md' });
const connectionFields = {
  id,
  kind,
  name: z.string(),
  created_at: timestamp,
  webhook_url: z.string().meta({ description: "the URL to paste into the shop's webhook settings (on PUBLIC_URL)" }),
};
export const connection = z.object({
  ...connectionFields,
  last_received_at: timestamp.nullable().meta({ description: 'when an event from it was last recorded; null before the first' }),
}).meta({ id: 'IntegrationConnection', description: 'A shop or system allowed to post signed webhooks (P-4). Its secret is shown only when created.' });
export const createdConnection = z.object({
  ...connectionFields,
  secret: z.string().meta({ description: 'the HMAC-SHA256 signing secret: shown this once' }),
}).meta({ id: 'IntegrationConnectionCreated', description: 'A new connection, with its secret (shown this once).' });

const subscriptionFields = {
  id,
  url: z.string().meta({ description: 'where events are posted' }),
  event_types: z.array(z.string()).meta({ description: "exact types ('purchase'), families ('message.*') or '*'" }),
  description: z.string(),
  enabled: z.boolean(),
  created_at: timestamp,
  updated_at: timestamp,
};
export const subscription = z.object(subscriptionFields).meta({ id: 'WebhookSubscription', description: 'A URL subscribed to event types (P-4; signatures and payloads in WEBHOOKS.md).' });
export const createdSubscription = z.object({
  ...subscriptionFields,
  secret: z.string().meta({ description: 'signs each delivery (X-Parcours-Signature): shown this once' }),
}).meta({ id: 'WebhookSubscriptionCreated', description: 'A new subscription, with its signing secret (shown this once).' });

const webhookStatus = z.enum(['queued', 'sending', 'delivered', 'failed']).meta({ description: 'queued: waiting for its (next) attempt; sending: being posted; delivered: a 2xx came; failed: retried for 24 hours without a 2xx' });
const attempt = z.object({
  attempt: z.number().int().meta({ description: '1 for the first attempt' }),
  attempted_at: timestamp,
  status_code: z.number().int().nullable().meta({ description: "the receiver's HTTP status; null when no answer came" }),
  error: z.string().nullable(),
  duration_ms: z.number().int().nullable().meta({ description: 'milliseconds until the answer (or the failure)' }),
});
export const webhookDelivery = z.object({
  id,
  event_id: id,
  event_type: z.string(),
  status: webhookStatus,
  attempts: z.number().int().meta({ description: 'attempts made so far' }),
  next_attempt_at: timestamp.nullable().meta({ description: "a queued delivery's next attempt; null otherwise" }),
  last_status: z.number().int().nullable().meta({ description: 'the HTTP status of the last attempt; null if none came' }),
  last_error: z.string().nullable(),
  created_at: timestamp,
  delivered_at: timestamp.nullable(),
  attempt_log: z.array(attempt).meta({ description: 'every attempt, oldest first' }),
}).meta({ id: 'WebhookDelivery', description: 'One event posted (or to be posted) to one subscription, with its attempts.' });
export const webhookDeliveries = z.object({
  data: z.array(webhookDelivery),
  next_before: id.nullable().meta({ description: 'the next page: pass as `before`; null on the last page' }),
});
export const redelivered = z.object({ id, status: z.literal('queued') });

export const transactionalSend = z.object({
  delivery_id: id,
  status: z.string().meta({ description: "the delivery's status: queued, or where an earlier request with the same Idempotency-Key got to (sending, sent, suppressed…)" }),
  contact_id: id.nullable().meta({ description: 'null for a bare address that is no contact' }),
}).meta({ id: 'TransactionalSend', description: 'The delivery a transactional send made (P-1); follow it with GET /api/v1/deliveries/{id}.' });

export const inboundAnswer = z.object({
  ok: z.literal(true),
  status: z.enum(['recorded', 'duplicate', 'ignored', 'ping']).meta({ description: 'recorded: a new event; duplicate: already recorded (a redelivery); ignored: not recorded, see reason; ping: a WooCommerce URL check' }),
  type: z.string().optional().meta({ description: 'the event type it maps to (purchase, checkout.started…)' }),
  contact_id: id.optional().meta({ description: 'the contact the event was recorded on (recorded only)' }),
  reason: z.string().optional().meta({ description: 'why it was ignored' }),
}).meta({ id: 'IntegrationInboundAnswer', description: 'What became of a webhook posted by a connection.' });
