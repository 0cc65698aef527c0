import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { id, idParams } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { createConnection, deleteConnection, getConnection, listConnections } from './connections.ts';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, listWebhookDeliveries, redeliver, updateSubscription } from './webhooks.ts';
import { sendTransactional } from './transactional.ts';
import { batchCall, identifyCall, identifyOne, ingestBatch, trackCall, trackOne } from './segment-api.ts';
import { inboundRoutes } from './inbound-routes.ts';

const tags = ['integrations'];
const eventTypes = z.array(z.string().max(102)).min(1).max(50);
const to = z.union([
  z.strictObject({ contact_id: id }),
  z.strictObject({ email: z.string().max(254) }),
  z.strictObject({ phone: z.string().max(40) }),
]);

/** Connections, outbound webhooks, transactional sends and Segment-style ingestion (P-1, P-4). */
export function integrationRoutes(ctx: Ctx) {
  const base = ctx.config.publicUrl;
  return (r: Router) => {
    inboundRoutes(ctx)(r);

    r.post('/api/v1/integrations/connections', {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Connect a shop or system posting signed webhooks; the secret is shown once (give Shopify\'s, or let us make one)',
        body: z.strictObject({ kind: z.enum(['shopify', 'woocommerce', 'generic']), name: z.string().min(1).max(200).optional(), secret: z.string().min(16).max(500).optional() }),
      },
    }, async (req, reply) => reply.status(201).send(await createConnection(ctx.db, ctx.clock, base, principal(req).workspaceId, req.body)));
    r.get('/api/v1/integrations/connections', { config: { permission: 'admin' }, schema: { tags, summary: 'Connections with their webhook URLs (secrets are not shown again)' } }, async (req) =>
      ({ data: await listConnections(ctx.db, base, principal(req).workspaceId) }));
    r.get('/api/v1/integrations/connections/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) =>
      getConnection(ctx.db, base, principal(req).workspaceId, req.params.id));
    r.delete('/api/v1/integrations/connections/:id', { config: { permission: 'admin' }, schema: { tags, params: idParams } }, async (req) => {
      await deleteConnection(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.post('/api/v1/webhooks', {
      config: { permission: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: "Subscribe a URL to event types ('message.*', 'contact.updated', 'purchase', '*'); signed with the secret shown once (WEBHOOKS.md)",
        body: z.strictObject({ url: z.string().max(2000), event_types: eventTypes, description: z.string().max(500).optional(), enabled: z.boolean().optional() }),
      },
    }, async (req, reply) => reply.status(201).send(await createSubscription(ctx, principal(req).workspaceId, req.body)));
    r.get('/api/v1/webhooks', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], summary: 'Webhook subscriptions' } }, async (req) =>
      ({ data: await listSubscriptions(ctx.db, principal(req).workspaceId) }));
    r.get('/api/v1/webhooks/:id', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], params: idParams } }, async (req) =>
      getSubscription(ctx.db, principal(req).workspaceId, req.params.id));
    r.patch('/api/v1/webhooks/:id', {
      config: { permission: 'admin' },
      schema: { tags: ['webhooks'], params: idParams, body: z.strictObject({ url: z.string().max(2000).optional(), event_types: eventTypes.optional(), description: z.string().max(500).optional(), enabled: z.boolean().optional() }) },
    }, async (req) => updateSubscription(ctx, principal(req).workspaceId, req.params.id, req.body));
    r.delete('/api/v1/webhooks/:id', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], params: idParams } }, async (req) => {
      await deleteSubscription(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });
    r.get('/api/v1/webhooks/:id/deliveries', {
      config: { permission: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Deliveries of a subscription, newest first, each with its attempts',
        params: idParams,
        querystring: z.strictObject({ status: z.enum(['queued', 'sending', 'delivered', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().positive().optional() }),
      },
    }, async (req) => listWebhookDeliveries(ctx.db, principal(req).workspaceId, req.params.id, req.query));
    r.post('/api/v1/webhooks/:id/deliveries/:deliveryId/retry', {
      config: { permission: 'admin' },
      schema: { tags: ['webhooks'], summary: 'Send a failed delivery again, with a new 24-hour retry window', params: idParams.extend({ deliveryId: z.coerce.number().int().positive().max(2 ** 53) }) },
    }, async (req) => redeliver(ctx, principal(req).workspaceId, req.params.id, req.params.deliveryId));

    r.post('/api/v1/transactional', {
      config: { permission: 'write' },
      schema: {
        tags: ['transactional'],
        summary: 'Send one message now to a contact, an email or a phone, with `data.*` for the template; bypasses marketing consent unless transactional is false. Use Idempotency-Key.',
        body: z.strictObject({
          message_id: id,
          to,
          data: z.record(z.string(), z.unknown()).default({}),
          transactional: z.boolean().default(true),
          create_contact: z.boolean().default(false),
        }),
      },
    }, async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const res = await sendTransactional(ctx, principal(req).workspaceId, { ...req.body, idempotencyKey: typeof key === 'string' && key ? key : undefined });
      return reply.status(202).send(res);
    });

    r.post('/api/v1/track', {
      config: { permission: 'write' },
      schema: { tags: ['events'], summary: 'Segment-style track (event, properties, userId / anonymousId / context.traits.email); Basic auth with the API key as username works', body: trackCall },
    }, async (req) => trackOne(ctx, principal(req).workspaceId, req.body));
    r.post('/api/v1/identify', {
      config: { permission: 'write' },
      schema: { tags: ['events'], summary: 'Segment-style identify: traits to standard and custom fields; unknown traits are reported, not stored', body: identifyCall },
    }, async (req) => identifyOne(ctx, principal(req).workspaceId, req.body));
    r.post('/api/v1/batch', {
      config: { permission: 'write' },
      schema: { tags: ['events'], summary: 'Segment-style batch of track and identify calls; each is taken or skipped on its own', body: batchCall },
    }, async (req) => ingestBatch(ctx, principal(req).workspaceId, req.body.batch));
  };
}
