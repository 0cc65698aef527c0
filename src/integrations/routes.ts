import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { id, idParams, listOf, ok, type Out } from '../http/schemas.ts';
import { connection, createdConnection, createdSubscription, redelivered, subscription, transactionalSend, webhookDeliveries } from './schemas.ts';
import type { Ctx } from '../context.ts';
import { createConnection, deleteConnection, getConnection, listConnections } from './connections.ts';
import { createSubscription, deleteSubscription, getSubscription, listSubscriptions, listWebhookDeliveries, redeliver, updateSubscription } from './webhooks.ts';
import { sendTransactional } from './transactional.ts';
import { batchAnswer, batchCall, identifyAnswer, identifyCall, identifyOne, ingestBatch, trackAnswer, trackCall, trackOne } from './segment-api.ts';
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
        response: { 201: createdConnection },
      },
    }, async (req, reply) => reply.status(201).send(await createConnection(ctx.db, ctx.clock, base, principal(req).workspaceId, req.body)));
    r.get('/api/v1/integrations/connections', { config: { permission: 'admin' }, schema: { tags, summary: 'Connections with their webhook URLs (secrets are not shown again)', response: { 200: listOf(connection) } } }, async (req) =>
      ({ data: await listConnections(ctx.db, base, principal(req).workspaceId) }));
    r.get('/api/v1/integrations/connections/:id', { config: { permission: 'admin' }, schema: { tags, summary: 'A connection with its webhook URL', params: idParams, response: { 200: connection } } }, async (req) =>
      getConnection(ctx.db, base, principal(req).workspaceId, req.params.id));
    r.delete('/api/v1/integrations/connections/:id', { config: { permission: 'admin' }, schema: { tags, summary: 'Delete a connection: its webhook URL stops accepting posts (events already recorded stay)', params: idParams, response: { 200: ok } } }, async (req) => {
      await deleteConnection(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.post('/api/v1/webhooks', {
      config: { permission: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: "Subscribe a URL to event types ('message.*', 'contact.updated', 'purchase', '*'); signed with the secret shown once (WEBHOOKS.md)",
        body: z.strictObject({ url: z.string().max(2000), event_types: eventTypes, description: z.string().max(500).optional(), enabled: z.boolean().optional() }),
        response: { 201: createdSubscription },
      },
    }, async (req, reply) => reply.status(201).send((await createSubscription(ctx, principal(req).workspaceId, req.body)) as Out<typeof createdSubscription>));
    r.get('/api/v1/webhooks', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], summary: 'Webhook subscriptions (secrets are not shown again)', response: { 200: listOf(subscription) } } }, async (req) =>
      ({ data: (await listSubscriptions(ctx.db, principal(req).workspaceId)) as Out<typeof subscription>[] }));
    r.get('/api/v1/webhooks/:id', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], summary: 'A webhook subscription', params: idParams, response: { 200: subscription } } }, async (req) =>
      (await getSubscription(ctx.db, principal(req).workspaceId, req.params.id)) as Out<typeof subscription>);
    r.patch('/api/v1/webhooks/:id', {
      config: { permission: 'admin' },
      schema: {
        tags: ['webhooks'],
        summary: 'Change a subscription: URL, event types, description, enabled (enabling it delivers events logged from then on)',
        params: idParams,
        body: z.strictObject({ url: z.string().max(2000).optional(), event_types: eventTypes.optional(), description: z.string().max(500).optional(), enabled: z.boolean().optional() }),
        response: { 200: subscription },
      },
    }, async (req) => (await updateSubscription(ctx, principal(req).workspaceId, req.params.id, req.body)) as Out<typeof subscription>);
    r.delete('/api/v1/webhooks/:id', { config: { permission: 'admin' }, schema: { tags: ['webhooks'], summary: 'Delete a subscription and its deliveries', params: idParams, response: { 200: ok } } }, async (req) => {
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
        response: { 200: webhookDeliveries },
      },
    }, async (req) => (await listWebhookDeliveries(ctx.db, principal(req).workspaceId, req.params.id, req.query)) as Out<typeof webhookDeliveries>);
    r.post('/api/v1/webhooks/:id/deliveries/:deliveryId/retry', {
      config: { permission: 'admin' },
      schema: { tags: ['webhooks'], summary: 'Send a failed delivery again, with a new 24-hour retry window', params: idParams.extend({ deliveryId: z.coerce.number().int().positive().max(2 ** 53) }), response: { 200: redelivered } },
    }, async (req) => (await redeliver(ctx, principal(req).workspaceId, req.params.id, req.params.deliveryId)) as Out<typeof redelivered>);

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
        response: { 202: transactionalSend },
      },
    }, async (req, reply) => {
      const key = req.headers['idempotency-key'];
      const res = await sendTransactional(ctx, principal(req).workspaceId, { ...req.body, idempotencyKey: typeof key === 'string' && key ? key : undefined });
      return reply.status(202).send(res);
    });

    // Segment's libraries post to {host}/v1/batch whatever path the host has (analytics-node
    // resolves '/v1/batch' against it, dropping '/api'): the tracking API answers at the root
    // too, with the same API key auth, as well as under /api/v1
    for (const [prefix, note] of [['/api/v1', ''], ['/v1', ' (the path Segment\'s libraries post to: host = PUBLIC_URL)']] as const) {
      const op = (name: string) => (prefix === '/v1' ? { operationId: `postSegment${name}` } : {});
      r.post(`${prefix}/track`, {
        config: { permission: 'write' },
        schema: { tags: ['events'], ...op('Track'), summary: `Segment-style track (event, properties, userId / anonymousId / context.traits.email); Basic auth with the API key as username works${note}`, body: trackCall, response: { 200: trackAnswer } },
      }, async (req) => trackOne(ctx, principal(req).workspaceId, req.body));
      r.post(`${prefix}/identify`, {
        config: { permission: 'write' },
        schema: { tags: ['events'], ...op('Identify'), summary: `Segment-style identify: traits to standard and custom fields; unknown traits are reported, not stored${note}`, body: identifyCall, response: { 200: identifyAnswer } },
      }, async (req) => identifyOne(ctx, principal(req).workspaceId, req.body));
      // /v1/import: where the Ruby and Java libraries post their batches
      for (const name of prefix === '/v1' ? (['batch', 'import'] as const) : (['batch'] as const))
        r.post(`${prefix}/${name}`, {
          config: { permission: 'write' },
          schema: { tags: ['events'], ...op(name === 'batch' ? 'Batch' : 'Import'), summary: `Segment-style ${name}: track and identify calls, each taken or skipped on its own${note}`, body: batchCall, response: { 200: batchAnswer } },
        }, async (req) => ingestBatch(ctx, principal(req).workspaceId, req.body.batch));
    }
  };
}
