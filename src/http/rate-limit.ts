import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * Rate limits of the public endpoints (issue 9, security): what anyone on the Internet can call
 * without credentials. Per client address (X-Forwarded-For only from a trusted proxy: see
 * trustProxy in server.ts), fixed one-minute windows on the app's clock, in process memory.
 * Generous where real traffic is bursty (an image proxy fetching every open pixel of a mailing,
 * a shop replaying a backlog of webhooks), tight where guessing is the attack (passwords).
 */
export interface PublicLimit {
  name: string;
  /** Matched against the route's URL pattern (routeOptions.url). */
  route: RegExp;
  /** Only this method of the route (the form's POST, not the page showing it); any when absent. */
  method?: string;
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
  { name: 'signup form', route: /^\/f\/:token$/, method: 'POST', max: 10, key: byIp },
  { name: 'inbound webhook', route: /^\/api\/v1\/integrations\/(shopify|woocommerce|events)\//, max: 600, key: byIpAndConnection },
  { name: 'inbound SMS', route: /^\/hooks\/sms\//, max: 300, key: byIp },
];

const WINDOW_MS = 60_000;

export function registerRateLimits(server: FastifyInstance, ctx: Ctx, limits: PublicLimit[] = PUBLIC_LIMITS) {
  const limiters = new Map(limits.map((l) => [l.name, new RateLimiter(ctx.clock, l.max, WINDOW_MS)]));
  server.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    if (!url) return;
    const limit = limits.find((l) => l.route.test(url) && (!l.method || l.method === req.method));
    if (!limit) return;
    try {
      limiters.get(limit.name)!.check(limit.key(req));
    } catch (err) {
      reply.header('retry-after', String(WINDOW_MS / 1000));
      throw err;
    }
  });
}

/**
 * A fixed-window limit per key, kept in this process's memory: with several API processes each
 * allows `max` per window, which still caps abuse.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { n: number; until: number }>();
  constructor(private readonly clock: Clock, private readonly max: number, private readonly windowMs: number) {}

  check(key: string): void {
    const now = this.clock.now().getTime();
    const h = this.hits.get(key);
    if (!h || h.until <= now) {
      if (this.hits.size > 50_000) this.hits.clear();
      this.hits.set(key, { n: 1, until: now + this.windowMs });
      return;
    }
    if (++h.n > this.max) throw new AppError('rate_limited', 'too many requests; try again in a minute');
  }
}
