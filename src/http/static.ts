import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { Router } from './server.ts';

/** Where `vite build` (npm postinstall) puts the web UI. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Parcours</title>
<body style="font-family:system-ui;max-width:36rem;margin:4rem auto">
<h1>Parcours</h1><p>The web UI is not built. Run <code>npm run build:web</code> (or <code>npm install</code>) and reload.
The API is at <a href="/api/docs">/api/docs</a>.</p></body>`;

const PROBES = new Set(['/health', '/healthcheck', '/ready', '/readiness', '/live', '/liveness', '/status', '/ping', '/metrics', '/stats', '/actuator/health']);

/**
 * Serves the web UI: hashed assets with a long cache, and index.html for every other GET outside
 * /api so that the browser's own routes (/contacts/12, /journeys/3) survive a reload.
 * Registered last, after every API route, so it never shadows one.
 */
export function staticRoutes(dist = WEB_DIST) {
  return (r: Router) => {
    const built = existsSync(join(dist, 'index.html'));
    if (built) {
      // preCompressed: the build writes file.br and file.gz beside each asset and index.html (web/vite.config.ts);
      // the one the browser accepts is sent as it is, with Content-Encoding and Vary: Accept-Encoding
      r.register(fastifyStatic, { root: join(dist, 'assets'), prefix: '/assets/', immutable: true, maxAge: '365d', wildcard: true, decorateReply: true, preCompressed: true });
    }
    r.get('/*', { config: { permission: 'public' }, schema: { hide: true } }, async (req, reply) => {
      const path = req.url.split('?')[0];
      // an unknown API path, or a probe no route answers (a misconfigured health check), must not pass with the UI's page
      if (path.startsWith('/api/') || path === '/api' || PROBES.has(path)) {
        return reply.status(404).send({ error: { code: 'not_found', message: `no route GET ${path}`, details: [] } });
      }
      if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
      const file = path.slice(1);
      if (file && !file.includes('..') && existsSync(join(dist, file)) && statSync(join(dist, file)).isFile()) return reply.sendFile(file, dist);
      // the page names the current hashed assets: revalidated on every load, never the assets' year-long cache
      reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', dist, { cacheControl: false });
    });
  };
}
