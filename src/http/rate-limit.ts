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
  // accepting checks the password of the address's account, but only with the link mailed to it
  { name: 'invitation', route: /^\/api\/v1\/invitations\/(accept|preview)$/, max: 30, key: byIp },
  { name: 'tracking', route: /^\/(t\/o|t\/c|v)\//, max: 1200, key: byIp },
  { name: 'unsubscribe', route: /^\/(u|p|s|f\/confirm)\//, max: 60, key: byIp },
  { name: 'signup form', route: /^\/f\/:token$/, method: 'POST', max: 10, key: byIp },
  { name: 'inbound webhook', route: /^\/api\/v1\/integrations\/(shopify|woocommerce|events)\//, max: 600, key: byIpAndConnection },
  { name: 'inbound SMS', route: /^\/hooks\/sms\//, max: 300, key: byIp },
];

const WINDOW_MS = 60_000;

/**
 * The time limits count in. A rate is of real requests, so a manual clock (--clock manual:
 * demos, scripted tests) must not freeze the windows, or a UI left open would be refused after
 * its first minute's worth of requests; moving the manual clock moves them too, as scripts
 * expect. So: the app's clock plus the real time elapsed since start when the clock is manual.
 */
export function limitClock(clock: Clock): Clock {
  if (!clock.manual) return clock;
  const started = performance.now();
  return { manual: false, now: () => new Date(clock.now().getTime() + (performance.now() - started)) };
}

export function registerRateLimits(server: FastifyInstance, ctx: Ctx, limits: PublicLimit[] = PUBLIC_LIMITS) {
  const limiters = new Map(limits.map((l) => [l.name, new RateLimiter(limitClock(ctx.clock), l.max, WINDOW_MS)]));
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
    if (this.take(key).limited) throw new AppError('rate_limited', 'too many requests; try again in a minute');
  }

  /** Counts one request of `key`: what is left in its window and when the window ends. */
  take(key: string): { limited: boolean; remaining: number; resetMs: number } {
    const now = this.clock.now().getTime();
    let h = this.hits.get(key);
    if (!h || h.until <= now) {
      if (this.hits.size > 50_000) this.hits.clear();
      h = { n: 0, until: now + this.windowMs };
      this.hits.set(key, h);
    }
    h.n++;
    return { limited: h.n > this.max, remaining: Math.max(0, this.max - h.n), resetMs: h.until - now };
  }
}

/**
 * The authenticated API, per API key or logged-in user (issue 16): `perMinute` requests in a
 * fixed one-minute window, told in every answer by the IETF draft's RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset headers; past it, 429 with Retry-After. Registered
 * after authentication, which names the caller. Our limiter rather than @fastify/rate-limit:
 * windows follow the app's clock, so a manual clock (--clock manual) moves them too.
 */
export function registerApiLimits(server: FastifyInstance, ctx: Ctx, perMinute: number) {
  const limiter = new RateLimiter(limitClock(ctx.clock), perMinute, WINDOW_MS);
  server.addHook('onRequest', async (req, reply) => {
    const p = req.principal;
    // the API, and the Segment-compatible tracking API at /v1 (src/integrations/routes.ts)
    if (!p || !(req.url.startsWith('/api/') || req.url.startsWith('/v1/'))) return;
    const r = limiter.take(`${p.workspaceId} ${p.actor}`);
    const reset = Math.ceil(r.resetMs / 1000);
    reply.header('ratelimit-limit', String(perMinute)).header('ratelimit-remaining', String(r.remaining)).header('ratelimit-reset', String(reset));
    if (r.limited) {
      reply.header('retry-after', String(reset));
      throw new AppError('rate_limited', `more than ${perMinute} requests a minute with these credentials: try again in ${reset} s`);
    }
  });
}

/**
 * Failed logins per account (issue 16), whatever address they come from: after 5 failures in
 * 15 minutes, that account's next attempt waits 1 minute, then 2, 4 … up to 15, until a login
 * succeeds. In this process's memory, like the other limits. A stranger can make a victim wait,
 * never lock them out for longer than 15 minutes, and never learn the password by guessing.
 */
export class LoginBackoff {
  private readonly byAccount = new Map<string, { failures: number; first: number; until: number }>();
  constructor(private readonly clock: Clock) {}

  /** Milliseconds this account must still wait before another attempt (0: may try). */
  wait(email: string): number {
    const a = this.byAccount.get(email.trim().toLowerCase());
    return a ? Math.max(0, a.until - this.clock.now().getTime()) : 0;
  }

  failed(email: string) {
    const key = email.trim().toLowerCase();
    const now = this.clock.now().getTime();
    let a = this.byAccount.get(key);
    if (!a || now - a.first > 15 * WINDOW_MS) a = { failures: 0, first: now, until: 0 };
    a.failures++;
    if (a.failures >= 5) a.until = now + Math.min(15, 2 ** (a.failures - 5)) * WINDOW_MS;
    if (this.byAccount.size > 50_000) this.byAccount.clear();
    this.byAccount.set(key, a);
  }

  succeeded(email: string) {
    this.byAccount.delete(email.trim().toLowerCase());
  }
}

/** The login route's per-account back-off: checked before the handler, counted after its answer. */
export function registerLoginBackoff(server: FastifyInstance, ctx: Ctx, backoff = new LoginBackoff(limitClock(ctx.clock))) {
  const isLogin = (req: FastifyRequest) => req.routeOptions.url === '/api/v1/auth/login' && req.method === 'POST';
  const emailOf = (req: FastifyRequest) => String((req.body as { email?: unknown } | undefined)?.email ?? '');
  server.addHook('preHandler', async (req, reply) => {
    if (!isLogin(req)) return;
    const ms = backoff.wait(emailOf(req));
    if (ms > 0) {
      reply.header('retry-after', String(Math.ceil(ms / 1000)));
      throw new AppError('rate_limited', `too many failed logins for this account: try again in ${Math.ceil(ms / 1000)} s`);
    }
  });
  server.addHook('onResponse', async (req, reply) => {
    if (!isLogin(req) || !emailOf(req)) return;
    if (reply.statusCode === 401) backoff.failed(emailOf(req));
    else if (reply.statusCode < 300) backoff.succeeded(emailOf(req));
  });
}
