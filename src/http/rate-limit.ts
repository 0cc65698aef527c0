import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Ctx } from '../context.ts';
import { RateLimiter } from '../delivery/rate-limit.ts';

/**
 * Rate limits of the public endpoints (issue 9, security): what anyone on the Internet can call
 * without credentials. Per client address (X-Forwarded-For only from a trusted proxy: see
 * trustProxy in server.ts), fixed one-minute windows on the app's clock, in process memory.
 * Generous where real traffic is bursty (an image proxy fetching every open pixel of a mailing,
 * a shop replaying a backlog of webhooks), tight where guessing is the attack (passwords).
 * The signup form has its own limit (src/delivery/public-routes.ts).
 */
export interface PublicLimit {
  name: string;
  /** Matched against the route's URL pattern (routeOptions.url). */
  route: RegExp;
  max: number;
  /** Who is counted: the client address, or the address and the route's target. */
  key: (req: FastifyRequest) => string;
}

const byIp = (req: FastifyRequest) => req.ip;
const byIpAndConnection = (req: FastifyRequest) => `${req.ip} ${(req.params as Record<string, string>)?.connectionId ?? ''}`;

export const PUBLIC_LIMITS: PublicLimit[] = [
  { name: 'login', route: /^\/api\/v1\/auth\/login$/, max: 10, key: byIp },
  { name: 'tracking', route: /^\/(t\/o|t\/c|v)\//, max: 1200, key: byIp },
  { name: 'unsubscribe', route: /^\/(u|p|s|f\/confirm)\//, max: 60, key: byIp },
  { name: 'inbound webhook', route: /^\/api\/v1\/integrations\/(shopify|woocommerce|events)\//, max: 600, key: byIpAndConnection },
  { name: 'inbound SMS', route: /^\/hooks\/sms\//, max: 300, key: byIp },
];

const WINDOW_MS = 60_000;

export function registerRateLimits(server: FastifyInstance, ctx: Ctx, limits: PublicLimit[] = PUBLIC_LIMITS) {
  const limiters = new Map(limits.map((l) => [l.name, new RateLimiter(ctx.clock, l.max, WINDOW_MS)]));
  server.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (!url) return;
    const limit = limits.find((l) => l.route.test(url));
    if (!limit) return;
    try {
      limiters.get(limit.name)!.check(limit.key(req));
    } catch (err) {
      reply.header('retry-after', String(WINDOW_MS / 1000));
      throw err;
    }
  });
}
