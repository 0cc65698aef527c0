import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Router } from '../http/server.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { ingest, parseJsonExact, type CommerceInput } from './commerce.ts';
import { connectionForWebhook, type Connection } from './connections.ts';
import { base64SignatureValid } from './signatures.ts';
import { fromShopify, SHOPIFY_TOPICS } from './shopify.ts';
import { fromWooCommerce, WOOCOMMERCE_TOPICS } from './woocommerce.ts';
import { fromGeneric } from './generic.ts';
import { inboundAnswer } from './schemas.ts';

const params = z.strictObject({ connectionId: z.coerce.number().int().positive().max(2 ** 53) });
const BODY_LIMIT = 5 * 1024 * 1024;

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

const rawOf = (req: FastifyRequest): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

function checkSignature(conn: Connection, req: FastifyRequest, name: string) {
  if (!base64SignatureValid(conn.secret, rawOf(req), req.headers[name.toLowerCase()]))
    throw new AppError('unauthenticated', `bad or missing ${name}`, [{ path: name, message: 'must be base64(HMAC-SHA256(raw body, connection secret))' }]);
}

function jsonOf(req: FastifyRequest): Record<string, unknown> {
  let body: unknown;
  try {
    body = parseJsonExact(rawOf(req).toString('utf8'));
  } catch (err) {
    throw new AppError('invalid_json', `the body is not valid JSON: ${(err as Error).message}`, [{ path: 'body', message: 'invalid JSON' }]);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('validation', 'the body must be a JSON object', [{ path: 'body', message: 'expected an object' }]);
  return body as Record<string, unknown>;
}

async function record(ctx: Ctx, conn: Connection, mapped: CommerceInput | { ignored: string }) {
  if ('ignored' in mapped) return { ok: true as const, status: 'ignored' as const, reason: mapped.ignored };
  const r = await ingest(ctx, conn, mapped);
  return { ok: true as const, ...r };
}

const doc = (summary: string, description: string) => ({ tags: ['integrations'], summary, description, params, security: [], response: { 200: inboundAnswer } });

/**
 * Public endpoints the platforms post to (P-4). They cannot send our API key: the HMAC of the
 * raw body with the connection's secret authenticates them, so this scope keeps bodies raw.
 * A bad or missing signature answers 401 and stores nothing.
 */
export function inboundRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.register(async (plain) => {
      plain.removeAllContentTypeParsers();
      plain.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      const scope = plain as unknown as Router;

      scope.post('/api/v1/integrations/shopify/:connectionId', {
        config: { permission: 'public' },
        schema: doc('Shopify webhooks (orders, checkouts, refunds)', `Signed with X-Shopify-Hmac-Sha256; topic in X-Shopify-Topic. Used topics: ${SHOPIFY_TOPICS.join(', ')}.`),
      }, async (req) => {
        const conn = await connectionForWebhook(ctx.db, req.params.connectionId, 'shopify');
        checkSignature(conn, req, 'X-Shopify-Hmac-Sha256');
        const topic = header(req, 'x-shopify-topic');
        if (!topic) throw new AppError('validation', 'X-Shopify-Topic is missing', [{ path: 'X-Shopify-Topic', message: 'required' }]);
        return record(ctx, conn, fromShopify(topic, jsonOf(req), header(req, 'x-shopify-webhook-id')));
      });

      scope.post('/api/v1/integrations/woocommerce/:connectionId', {
        config: { permission: 'public' },
        schema: doc('WooCommerce webhooks (orders)', `Signed with X-WC-Webhook-Signature; topic in X-WC-Webhook-Topic. Used topics: ${WOOCOMMERCE_TOPICS.join(', ')}. The unsigned ping WooCommerce sends when a webhook is saved (webhook_id=…) is answered 200.`),
      }, async (req) => {
        const conn = await connectionForWebhook(ctx.db, req.params.connectionId, 'woocommerce');
        // WooCommerce checks the URL with an unsigned form post when the webhook is saved
        if (!header(req, 'x-wc-webhook-signature') && /^webhook_id=\d+$/.test(rawOf(req).toString('utf8').trim())) return { ok: true as const, status: 'ping' as const };
        checkSignature(conn, req, 'X-WC-Webhook-Signature');
        const topic = header(req, 'x-wc-webhook-topic');
        if (!topic) throw new AppError('validation', 'X-WC-Webhook-Topic is missing', [{ path: 'X-WC-Webhook-Topic', message: 'required' }]);
        return record(ctx, conn, fromWooCommerce(topic, jsonOf(req)));
      });

      scope.post('/api/v1/integrations/events/:connectionId', {
        config: { permission: 'public' },
        schema: doc('Events in the generic JSON shape (see WEBHOOKS.md)', 'Signed with X-Parcours-Signature: base64(HMAC-SHA256(raw body, connection secret)). Body: { type, id?, occurred_at?, contact: { email, first_name?, last_name?, phone?, accepts_marketing? }, data }.'),
      }, async (req) => {
        const conn = await connectionForWebhook(ctx.db, req.params.connectionId, 'generic');
        checkSignature(conn, req, 'X-Parcours-Signature');
        return record(ctx, conn, fromGeneric(jsonOf(req)));
      });
    });
  };
}
