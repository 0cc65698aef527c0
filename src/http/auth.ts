import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, principalFromApiKey, principalFromSession, type Permission, type Principal } from '../accounts/index.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../context.ts';

export const SESSION_COOKIE = 'parcours_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the caller needs; 'public' routes take no credentials. */
    permission?: Permission | 'public' | 'session';
  }
}

/** The caller's principal; throws 401 on routes reached without one. */
export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('unauthenticated', 'log in or send an API key');
  return req.principal;
}

/**
 * Authenticates every non-public route: `Authorization: Bearer pk_…` or the session cookie.
 * Cookie sessions must echo their CSRF token in `X-CSRF-Token` on every mutation.
 */
export function registerAuth(server: FastifyInstance, ctx: Ctx) {
  server.addHook('onRequest', async (req) => {
    if (!req.routeOptions.url) return; // no such route: the 404 handler answers
    // the API requires credentials unless a route says otherwise; pages and docs do not
    const permission = req.routeOptions.config?.permission ?? (req.url.startsWith('/api/v1/') ? 'read' : 'public');
    if (permission === 'public') return;
    const key = apiKeyOf(req.headers.authorization);
    if (key !== null) {
      req.principal = (await principalFromApiKey(ctx, key)) ?? undefined;
      if (!req.principal) throw new AppError('unauthenticated', 'unknown or revoked API key');
    } else {
      const token = req.cookies?.[SESSION_COOKIE];
      if (token) req.principal = (await principalFromSession(ctx, token)) ?? undefined;
      if (!req.principal) throw new AppError('unauthenticated', 'log in or send an API key (Authorization: Bearer …)');
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && req.headers['x-csrf-token'] !== req.principal.csrfToken)
        throw new AppError('csrf', 'missing or wrong X-CSRF-Token header for a cookie session');
    }
    if (permission === 'session') return;
    if (!can(req.principal.role, permission))
      throw new AppError('forbidden', `the ${req.principal.role} role cannot do this (needs ${permission})`);
  });
}

/**
 * `Bearer <key>`, or HTTP Basic with the key as password: providers that post webhooks
 * (Postmark, Twilio) take credentials in the URL, which they send as Basic auth. Segment's
 * libraries send the key as the username with an empty password (`writeKey:`): taken too.
 */
function apiKeyOf(header: string | undefined): string | null {
  if (!header) return null;
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  if (header.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = decoded.slice(colon + 1);
    return password === '' && colon > 0 ? decoded.slice(0, colon) : password;
  }
  return null;
}
