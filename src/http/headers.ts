import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet from '@fastify/helmet';

/**
 * Security headers on every response (issue 16, item 6), by @fastify/helmet: a CSP for the UI
 * (scripts from this origin only, never inline; the page cannot be framed), nosniff, no
 * referrer (public links carry signed tokens), HSTS when PUBLIC_URL is https. Resources stay
 * loadable cross-origin (CORP cross-origin): mail clients fetch the open pixel from other origins.
 * Styles may be inline: message previews (srcdoc frames inherit this policy) and the public
 * pages use them; images may come from anywhere a message links to.
 */
export async function registerSecurityHeaders(server: FastifyInstance, publicUrl: string) {
  await server.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'https:', 'http:'],
        'font-src': ["'self'", 'data:', 'https:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    hsts: publicUrl.startsWith('https://') ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
}

/**
 * HTML a user wrote (a message seen online) is served as a sandboxed document (issue 16, item 1):
 * no script runs, and it has an opaque origin, so even markup that slipped past everything else
 * cannot read the app's cookies or call its API with the reader's session. Links still open.
 */
export function asUserHtml(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', "sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation; default-src 'none'; img-src * data:; style-src * 'unsafe-inline'; font-src * data:; media-src *; frame-ancestors 'none'")
    .type('text/html; charset=utf-8');
}
