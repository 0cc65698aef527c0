import { z } from 'zod';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { FastifySerializerCompiler } from 'fastify';
import { PUBLIC_LIMITS } from './rate-limit.ts';

/**
 * The typed API contract (issue 18): what turns each route's zod schemas into an OpenAPI 3.1
 * operation a generated client can trust. Modules declare their inputs and their success
 * responses; this file adds what is the same everywhere — an operationId, the error statuses the
 * framework itself can answer on that route, and the one error body — so no module repeats them.
 */

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'a stable machine-readable code: validation, not_found, conflict, unprocessable…' }),
      message: z.string().meta({ description: 'what went wrong, in words, naming the field' }),
      details: z.array(z.object({ path: z.string(), message: z.string() })).meta({ description: 'one entry per field at fault' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error answer has this shape.' });

/** A success answer with no JSON body (a redirect, a 204): `{ 302: noBody('to the link') }`. */
export function noBody(description: string) {
  return { description, [NO_BODY]: true } as const;
}
const NO_BODY = 'x-parcours-no-body';

const ERRORS: Record<number, string> = {
  400: 'The input is invalid: the message and details name each field and the reason.',
  401: 'No valid credentials: log in or send `Authorization: Bearer <API key>`.',
  403: 'The role cannot do this, or a cookie session sent no `X-CSRF-Token`.',
  404: 'No such resource in this workspace.',
  409: 'It conflicts with what exists (a duplicate, or a state that does not allow it).',
  413: 'The body is too large.',
  422: 'Understood but not possible in the current state, or an `Idempotency-Key` reused with another body.',
  429: 'Too many requests: wait and retry (see `Retry-After`).',
};

interface RouteInfo {
  method: string | string[];
  url: string;
  config?: { permission?: string };
  schema?: { body?: unknown; querystring?: unknown; params?: unknown; response?: Record<string, unknown>; operationId?: string };
}

/** The error statuses any route of this kind can answer, whatever its module does. */
export function errorStatuses(route: RouteInfo): number[] {
  const method = [route.method].flat()[0].toUpperCase();
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
  const isPublic = route.config?.permission === 'public';
  const out = new Set<number>();
  if (route.schema?.body || route.schema?.querystring || route.schema?.params || hasBody) out.add(400);
  if (!isPublic) out.add(401).add(403);
  if (route.url.includes(':')) out.add(404);
  if (hasBody || method === 'DELETE') out.add(409).add(422);
  if (hasBody) out.add(413);
  if (!isPublic || PUBLIC_LIMITS.some((l) => l.route.test(route.url) && (!l.method || l.method === method))) out.add(429);
  return [...out];
}

/** `getContactsById`, `postCampaignsByIdApprove`: unique, since method and path are. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter((s) => s && s !== 'api' && s !== 'v1')
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s.startsWith('{') ? `by-${s.slice(1, -1)}` : s))
    .flatMap((s) => s.split(/[-_.*]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

const zodTransform = createJsonSchemaTransform({});

/** @fastify/swagger's per-route transform: zod → JSON Schema, then the contract's common parts. */
export const contractTransform: typeof zodTransform = (input) => {
  const route = (input as unknown as { route: RouteInfo }).route;
  const schema = (input.schema ?? {}) as RouteInfo['schema'] & Record<string, unknown>;
  const declared = { ...(schema.response ?? {}) };
  const bodiless: Record<string, { description: string }> = {};
  for (const [status, r] of Object.entries(declared))
    if (r && typeof r === 'object' && NO_BODY in r) {
      bodiless[status] = { description: (r as unknown as { description: string }).description };
      delete declared[status];
    }
  for (const status of errorStatuses(route)) if (!(status in declared)) declared[status] = errorBody.meta({ description: ERRORS[status] });
  const out = zodTransform({ ...input, schema: { ...schema, response: declared } } as typeof input);
  if (out.schema && !(out.schema as { hide?: boolean }).hide) {
    const s = out.schema as Record<string, any>;
    s.operationId ??= operationIdOf([route.method].flat()[0], route.url);
    s.response = { ...s.response, ...bodiless };
    for (const [status, r] of Object.entries(s.response as Record<string, any>))
      if (r && typeof r === 'object' && !r.description) r.description = ERRORS[Number(status)] ?? (Number(status) < 300 ? 'Success' : 'Error');
  }
  return out;
};

export const contractTransformObject = createJsonSchemaTransformObject({});

/**
 * Responses are written as JSON without being re-validated (the handlers are typed against the
 * same schemas); with PARCOURS_CHECK_RESPONSES=true — the test suite sets it — every JSON answer
 * is checked against its declared schema, so a document that drifts from the code fails a test.
 */
export function responseSerializer(check: boolean): FastifySerializerCompiler<z.ZodType> {
  return ({ schema, method, url, httpStatus }) =>
    (data) => {
      if (check && schema instanceof z.ZodType) {
        // the value the handler returned (Dates are documented as date-time strings: JSON writes them so)
        const result = schema.safeParse(data);
      if (!result.success) {
        const where = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
        throw new ResponseContractError(`the ${httpStatus} answer of ${method} ${url} does not match its OpenAPI schema: ${where.join('; ')}`);
        }
      }
      return JSON.stringify(data);
    };
}

/** An answer that broke its declared schema (only with PARCOURS_CHECK_RESPONSES): a 500 that says which. */
export class ResponseContractError extends Error {}
