import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, id, version } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { getContact, isEmail } from '../contacts/index.ts';
import { checkContent, getMessage } from '../messages/index.ts';
import { previewRow, renderFor } from './preview.ts';
import { scheduleDeliveries, getDelivery, listDeliveries, retryDeliveries, sendingHealth } from './schedule.ts';
import { getOutboxMessage, listOutbox } from './transports/index.ts';
import { listSuppressions, recordBounce, suppress, unsuppress } from './feedback.ts';
import { postmarkBounce } from './postmark.ts';
import { bounceResult, delivery, deliverySummary, outboxMessage, outboxSummary, preview, sendingHealth as sendingHealthBody, suppression } from './schemas.ts';
import { ok, listOf, type Out } from '../http/schemas.ts';

const E164 = /^\+[1-9]\d{6,14}$/;

export function deliveryRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.post('/api/v1/messages/:id/preview', {
      schema: {
        tags: ['messages'],
        summary: 'Render the message as a given contact (M-1): subject, HTML, text or SMS text; with `content`, an unsaved draft of it (nothing is saved)',
        params: idParams,
        body: z.strictObject({
          contact_id: id.optional(),
          version: version.optional(),
          content: z.record(z.string(), z.unknown()).optional().meta({ description: 'a draft of the content (as PATCH takes it), rendered instead of the saved version; checked the same way (400 with line and column)' }),
        }),
        response: { 200: preview },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const message = await getMessage(ctx.db, ws, req.params.id, req.body.version);
      const contact = req.body.contact_id ? await getContact(ctx.db, ws, req.body.contact_id) : null;
      const draft = req.body.content ? { ...message, content: checkContent(message.channel, req.body.content) } : undefined;
      const out = await renderFor(ctx, previewRow(ws, message, contact), draft);
      if (!out) throw notFound('message');
      return (out.channel === 'email'
        ? { channel: 'email', language: out.language, subject: out.subject, from: out.from, html: out.html, text: out.text }
        : { channel: 'sms', language: out.language, text: out.body }) as Out<typeof preview>;
    });

    r.post('/api/v1/messages/:id/test', {
      config: { permission: 'write' },
      schema: {
        tags: ['messages'],
        summary: 'Send a test to given addresses (email) or numbers (SMS), personalised as a contact if given',
        params: idParams,
        body: z.strictObject({ to: z.array(z.string().max(254)).min(1).max(20), contact_id: id.optional() }),
        response: { 202: z.object({ deliveries: z.array(id).meta({ description: 'one delivery per address, queued now' }) }) },
      },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      const message = await getMessage(ctx.db, ws, req.params.id);
      req.body.to.forEach((to, i) => {
        if (message.channel === 'email' ? !isEmail(to) : !E164.test(to)) throw invalid(`to[${i}]`, message.channel === 'email' ? 'not a valid email address' : 'not an E.164 phone number');
      });
      const contact = req.body.contact_id ? await getContact(ctx.db, ws, req.body.contact_id) : null;
      const now = ctx.clock.now();
      const rows = await scheduleDeliveries(ctx.db, now, req.body.to.map((to) => ({
        workspaceId: ws, idempotencyKey: `test:${randomUUID()}`, contactId: contact?.id ?? null, messageId: message.id,
        messageVersion: message.version, channel: message.channel, to, source: 'test', transactional: true,
        options: { subject_prefix: '[TEST]' }, sendAt: now,
      })));
      return reply.status(202).send({ deliveries: rows.map((d) => d.id) });
    });

    r.get('/api/v1/outbox', {
      schema: { tags: ['outbox'], summary: 'Messages kept by the embedded transport, newest first', querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().positive().optional(), to: z.string().max(254).optional() }), response: { 200: listOf(outboxSummary) } },
    }, async (req) => ({ data: (await listOutbox(ctx.db, principal(req).workspaceId, req.query)) as Out<typeof outboxSummary>[] }));
    r.get('/api/v1/outbox/:id', { schema: { tags: ['outbox'], summary: 'A message kept by the embedded transport, with its HTML, text and headers', params: idParams, response: { 200: outboxMessage } } }, async (req) => {
      const m = await getOutboxMessage(ctx.db, principal(req).workspaceId, req.params.id);
      if (!m) throw notFound('outbox message');
      return m as Out<typeof outboxMessage>;
    });

    r.get('/api/v1/deliveries', {
      schema: { tags: ['deliveries'], summary: 'Deliveries, newest first, by contact and status (page with `before`: the last id seen)', response: { 200: listOf(deliverySummary) }, querystring: z.strictObject({ contact_id: z.coerce.number().int().positive().optional(), status: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().positive().optional() }) },
    }, async (req) => ({ data: (await listDeliveries(ctx.db, principal(req).workspaceId, { contactId: req.query.contact_id, status: req.query.status, limit: req.query.limit, before: req.query.before })) as Out<typeof deliverySummary>[] }));
    r.get('/api/v1/deliveries/:id', { schema: { tags: ['deliveries'], summary: 'One delivery: its state, attempts, last error and provider report', params: idParams, response: { 200: delivery } } }, async (req) => {
      const d = await getDelivery(ctx.db, principal(req).workspaceId, req.params.id);
      if (!d) throw notFound('delivery');
      return d as Out<typeof delivery>;
    });
    r.post('/api/v1/deliveries/retry', {
      config: { permission: 'admin' },
      schema: { tags: ['deliveries'], summary: 'Queue in_doubt or failed deliveries again (an explicit decision: in_doubt ones may have left)', body: z.strictObject({ ids: z.array(id).min(1).max(10_000) }), response: { 200: z.object({ queued: z.number().int() }) } },
    }, async (req) => ({ queued: await retryDeliveries(ctx.db, ctx.clock.now(), principal(req).workspaceId, req.body.ids) }));
    r.get('/api/v1/sending/health', { schema: { tags: ['deliveries'], summary: 'Queued, sending, in doubt and failed counts; domains backing off', response: { 200: sendingHealthBody } } }, async (req) =>
      sendingHealth(ctx.db, principal(req).workspaceId, ctx.clock.now()) as Promise<Out<typeof sendingHealthBody>>);

    r.get('/api/v1/suppressions', { schema: { tags: ['suppressions'], summary: 'Suppressed addresses (bounced, complained, unsubscribed, manual), newest first', querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }), response: { 200: listOf(suppression) } } }, async (req) =>
      ({ data: (await listSuppressions(ctx.db, principal(req).workspaceId, req.query.limit)) as Out<typeof suppression>[] }));
    r.post('/api/v1/suppressions', { config: { permission: 'write' }, schema: { tags: ['suppressions'], summary: 'Suppress an address by hand: no marketing email goes to it', body: z.strictObject({ address: z.string().max(254) }), response: { 201: ok } } }, async (req, reply) => {
      if (!isEmail(req.body.address)) throw invalid('address', 'not a valid email address');
      await suppress(ctx.db, ctx.clock.now(), principal(req).workspaceId, req.body.address);
      return reply.status(201).send({ ok: true });
    });
    r.delete('/api/v1/suppressions/:address', { config: { permission: 'admin' }, schema: { tags: ['suppressions'], summary: 'Lift a suppression (the consent it recorded is not changed)', params: z.strictObject({ address: z.string().max(254) }), response: { 200: ok } } }, async (req) => {
      if (!(await unsuppress(ctx.db, principal(req).workspaceId, req.params.address))) throw notFound('suppression');
      return { ok: true };
    });

    r.post('/api/v1/webhooks/bounces', {
      config: { permission: 'write' },
      schema: {
        tags: ['webhooks'],
        summary: 'Generic delivery report, bounce and complaint intake: delivered, hard, soft (three in a row) or complaint (M-3); the message by delivery_id, its Message-ID or the address',
        body: z.strictObject({
          email: z.string().max(254).optional(), delivery_id: id.optional(),
          message_id: z.string().max(998).optional().describe('the Message-ID header of the message, as <d….w….…@domain>'),
          type: z.enum(['hard', 'soft', 'complaint', 'delivered']), reason: z.string().max(1000).optional(),
        }),
        response: { 200: bounceResult },
      },
    }, async (req) => {
      const { email, delivery_id, message_id, type, reason } = req.body;
      if (!email && !delivery_id && !message_id) throw new AppError('validation', 'give email, delivery_id or message_id', [{ path: 'email', message: 'email, delivery_id or message_id is required' }]);
      return recordBounce(ctx, principal(req).workspaceId, { email, deliveryId: delivery_id, messageId: message_id, type, reason, actor: principal(req).actor }) as Promise<Out<typeof bounceResult>>;
    });

    r.post('/api/v1/webhooks/postmark', {
      config: { permission: 'write' },
      schema: { tags: ['webhooks'], summary: "Postmark's delivery, bounce and spam complaint webhooks (Basic auth with an API key as password)", body: z.looseObject({ RecordType: z.string(), Email: z.string().optional(), Type: z.string().optional() }), response: { 200: bounceResult } },
    }, async (req) => {
      const b = postmarkBounce(req.body, principal(req).workspaceId);
      if (!b) return { matched: false, ignored: true };
      return recordBounce(ctx, principal(req).workspaceId, { ...b, actor: principal(req).actor }) as Promise<Out<typeof bounceResult>>;
    });
  };
}
