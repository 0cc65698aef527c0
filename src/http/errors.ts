import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, HTTP_STATUS, type ErrorDetail } from '../errors.ts';
import type { Logger } from '../log.ts';
import { ResponseContractError } from './contract.ts';

/** The one mapping from errors to HTTP answers: `{ error: { code, message, details } }`. */
export function errorHandler(log: Logger) {
  return (err: FastifyError | AppError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = toHttp(err);
    if (status >= 500) log.error({ err, url: req.url, method: req.method }, 'request failed');
    return reply.status(status).send({ error: body });
  };
}

export function toHttp(err: any): { status: number; body: { code: string; message: string; details: ErrorDetail[] } } {
  if (err instanceof AppError) return { status: HTTP_STATUS[err.code], body: { code: err.code, message: err.message, details: err.details } };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const details = err.validation.flatMap((v) => {
      const base = [where === 'body' ? '' : where, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean);
      // an unknown key is reported at the key itself, so the caller sees which field to drop
      const keys = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [];
      if (keys.length) return keys.map((k) => ({ path: [...base, k === '' ? '""' : k].join('.'), message: 'unknown field' }));
      return [{ path: base.join('.') || where, message: v.message ?? 'invalid' }];
    });
    return { status: 400, body: { code: 'validation', message: `${details[0].path}: ${details[0].message}`, details } };
  }
  const code = err?.code as string | undefined;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && (err as any).statusCode === 400) || code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return { status: 400, body: { code: 'invalid_json', message: `the body is not valid JSON: ${err.message}`, details: [{ path: 'body', message: 'invalid JSON' }] } };
  // the router refused the URL itself: bad percent-encoding, or a path segment beyond maxParamLength
  if (code === 'FST_ERR_BAD_URL')
    return { status: 400, body: { code: 'bad_url', message: 'the URL is not valid (malformed percent-encoding)', details: [{ path: 'url', message: 'malformed percent-encoding' }] } };
  if (code === 'FST_ERR_MAX_PARAM_LENGTH')
    return { status: 414, body: { code: 'uri_too_long', message: 'a path segment of the URL is too long', details: [{ path: 'url', message: 'path segment too long' }] } };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { status: 413, body: { code: 'payload_too_large', message: 'the body is too large', details: [{ path: 'body', message: 'too large' }] } };
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return { status: 415, body: { code: 'unsupported_media_type', message: err.message, details: [{ path: 'content-type', message: 'unsupported' }] } };
  // PostgreSQL rejected a value we passed through (22xxx: data exception): the caller's input
  if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code))
    return { status: 400, body: { code: 'validation', message: `invalid value: ${err.message}`, details: [{ path: 'body', message: err.message }] } };
  if (code === '23505') return { status: 409, body: { code: 'conflict', message: 'already exists', details: [] } };
  if (err instanceof ResponseContractError) return { status: 500, body: { code: 'response_contract', message: err.message, details: [] } };
  const status = typeof err?.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status < 500) return { status, body: { code: code ?? 'bad_request', message: err.message, details: [] } };
  return { status: 500, body: { code: 'internal', message: 'internal error', details: [] } };
}
