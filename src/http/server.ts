import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { contractTransform, contractTransformObject, responseSerializer } from './contract.ts';
import type { Ctx } from '../context.ts';
import { errorHandler, toHttp } from './errors.ts';
import { registerAuth } from './auth.ts';
import { registerIdempotency } from './idempotency.ts';
import { registerJsonParser, registerTextInputCheck } from './text-input.ts';
import { registerApiLimits, registerLoginBackoff, registerRateLimits } from './rate-limit.ts';
import { parseForm } from './page.ts';
import { registerSecurityHeaders } from './headers.ts';
import { registerObservability, requestIds, type Observability } from './observability.ts';

export type Router = FastifyInstance<any, any, any, any, ZodTypeProvider>;
export type RoutePlugin = (r: Router) => void;

/** Builds the HTTP server: one error table, auth, idempotency, OpenAPI, then each module's routes. */
export async function buildServer(ctx: Ctx, plugins: RoutePlugin[], observability?: Observability): Promise<Router> {
  const server = Fastify({
    logger: false,
    ...requestIds,
    bodyLimit: 10 * 1024 * 1024,
    // X-Forwarded-For is believed only from the proxies PARCOURS_TRUST_PROXY names (none by
    // default): anyone else could name any address in it and step around the per-address limits
    trustProxy: typeof ctx.config.trustProxy === 'number' ? trustHops(ctx.config.trustProxy) : ctx.config.trustProxy,
    ajv: { customOptions: { removeAdditional: false } },
    // a path parameter may be as long as its schema allows (tracking tokens: 8192); longer is a 414
    routerOptions: { maxParamLength: 8192 },
    // errors the router raises before any route (bad percent-encoding) get the one error shape too
    frameworkErrors: (err, _req, reply) => {
      const { status, body } = toHttp(err);
      void (reply as FastifyReply).status(status).send({ error: body });
    },
  }).withTypeProvider<ZodTypeProvider>();
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(responseSerializer(ctx.config.checkResponses));
  server.setErrorHandler(errorHandler(ctx.log));
  server.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: [] } }),
  );
  await registerSecurityHeaders(server, ctx.config.publicUrl);
  await server.register(cookie);
  registerJsonParser(server);
  // HTML forms (unsubscribe, preferences, signup) and provider webhooks post urlencoded bodies
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) =>
    done(null, parseForm(body as string)),
  );
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      servers: [{ url: ctx.config.publicUrl, description: 'this instance (PUBLIC_URL)' }],
      info: { title: 'Parcours API', version: '1', license: { name: 'AGPL-3.0-only', identifier: 'AGPL-3.0-only' }, description: 'Email and SMS marketing automation. Authenticate with `Authorization: Bearer <API key>` or a session cookie (mutations then need `X-CSRF-Token`).' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: contractTransform,
    transformObject: contractTransformObject,
  });
  await server.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  registerRateLimits(server, ctx); // before auth: a flood of bad credentials is refused cheaply
  registerAuth(server, ctx);
  registerApiLimits(server, ctx, ctx.config.apiRateLimit);
  registerLoginBackoff(server, ctx);
  registerIdempotency(server, ctx);
  registerTextInputCheck(server);
  if (observability) registerObservability(server, ctx.log, observability);
  server.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () => server.swagger());
  server.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async () => {
    await ctx.db.query('select 1');
    return { ok: true };
  });
  for (const p of plugins) await server.register(async (scope) => p(scope as Router));
  await server.ready();
  return server;
}

/** PARCOURS_TRUST_PROXY=N: the N nearest hops are proxies (proxy-addr's trust function). */
function trustHops(n: number) {
  return (_address: string, hop: number) => hop < n;
}
