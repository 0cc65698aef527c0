import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { httpDuration } from '../metrics/index.ts';

/**
 * What an operator watches (issue 18, O-4): a request id on every request (X-Request-Id kept
 * when the client or proxy sends a sane one, else a new one; echoed in the answer and in the
 * log), one access-log line per request, liveness and readiness probes, and /metrics.
 * The access log names the route's pattern (`/u/:token`), never the URL itself: links carry
 * signed tokens and queries carry addresses, neither belongs in a log.
 */
export interface Observability {
  registry: Registry;
  /** Ready to serve: the database answers and has every migration of this version. */
  ready(): Promise<{ ok: boolean; checks: Record<string, string> }>;
  /** When set, /metrics needs `Authorization: Bearer <token>`; else only loopback and private networks may scrape. */
  metricsToken?: string;
}

const SANE_ID = /^[\w.:@/+=-]{1,128}$/;

/** Request ids for the server's options: the client's X-Request-Id if sane, else a UUID. */
export const requestIds = {
  requestIdHeader: false as const,
  genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
    const given = req.headers['x-request-id'];
    return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
  },
};

const PRIVATE = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|::ffff:(127|10)\.|::ffff:192\.168\.|f[cd]|fe80:)/i;

function mayScrape(req: FastifyRequest, token?: string): boolean {
  if (token) return req.headers.authorization === `Bearer ${token}`;
  return PRIVATE.test(req.socket.remoteAddress ?? '');
}

export function registerObservability(server: FastifyInstance, log: Logger, o: Observability) {
  server.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  server.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    if (route === '/livez' || route === '/readyz' || route === '/metrics' || route === '/healthz') return;
    log.info({ req_id: req.id, method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  const probe = { config: { permission: 'public' as const }, schema: { hide: true } };
  server.get('/livez', probe, async () => ({ ok: true }));
  server.get('/readyz', probe, async (_req, reply) => {
    const r = await o.ready().catch((err: Error) => ({ ok: false, checks: { database: `unreachable: ${err.message}` } }));
    return reply.status(r.ok ? 200 : 503).send(r);
  });
  server.get('/metrics', probe, async (req, reply) => {
    if (!mayScrape(req, o.metricsToken))
      return reply.status(403).send({ error: { code: 'forbidden', message: 'metrics: set PARCOURS_METRICS_TOKEN and send it as a bearer token, or scrape from a private network', details: [] } });
    return reply.type(o.registry.contentType).send(await o.registry.metrics());
  });
}
