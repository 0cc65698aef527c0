import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Router } from '../http/server.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { inboundSms } from './sms-inbound.ts';
import { checkTwilioSignature, formParams, type Params } from './sms-signature.ts';
import { recordSmsStatus, statusCallback } from './sms-status.ts';
import { verifyToken } from './tokens.ts';

const tokenParams = z.object({ token: z.string().max(8192) });
const TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
const BODY_LIMIT = 256 * 1024;

/** The body as sent (signatures cover it) and its parameters: a form, or a JSON object's fields. */
function paramsOf(req: FastifyRequest): { raw: string; params: Params } {
  const raw = typeof req.body === 'string' ? req.body : '';
  if (!String(req.headers['content-type'] ?? '').includes('json')) return { raw, params: formParams(raw) };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new AppError('invalid_json', 'the body is not valid JSON', [{ path: 'body', message: 'invalid JSON' }]);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('validation', 'the body must be a JSON object', [{ path: 'body', message: 'expected an object' }]);
  return { raw, params: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])) };
}

/**
 * A request from the SMS provider: when SMS_AUTH_TOKEN or SMS_WEBHOOK_SECRET is set it must
 * carry Twilio's signature of the URL it called (PUBLIC_URL, path and query), else 403.
 */
function authentic(ctx: Ctx, req: FastifyRequest): Record<string, string> {
  const { raw, params } = paramsOf(req);
  const secrets = { authToken: ctx.config.sms?.authToken, sharedKeys: ctx.config.sms?.webhookSecrets };
  if (secrets.authToken || secrets.sharedKeys?.length) {
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    const check = checkTwilioSignature(secrets, {
      url: `${ctx.config.publicUrl}${req.url}`, params, rawBody: raw,
      signature: header('x-twilio-signature'), settings: header('x-twilio-webhooks-signature-settings'),
    });
    if (!check.ok) throw new AppError('forbidden', check.reason, [{ path: 'X-Twilio-Signature', message: check.reason }]);
  }
  // one value per name from here on (Twilio sends each once)
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]));
}

function fieldError(error: z.ZodError): AppError {
  const i = error.issues[0];
  const path = i.path.join('.') || 'body';
  return new AppError('validation', `${path}: ${i.message}`, error.issues.map((x) => ({ path: x.path.join('.') || 'body', message: x.message })));
}

/**
 * What Twilio posts to (M-6): inbound messages (STOP / START) and the status callbacks of the
 * messages sent. The bodies stay raw in this scope: the signatures cover them as sent.
 */
export function smsHooks(ctx: Ctx) {
  return (r: Router) => {
    r.register(async (plain) => {
      plain.removeAllContentTypeParsers();
      plain.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      const scope = plain as unknown as Router;

      scope.post('/hooks/sms/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
        const p = verifyToken(ctx.secret, 'sms-in', req.params.token);
        if (!p) throw new AppError('not_found', 'unknown inbound SMS address');
        const form = authentic(ctx, req);
        if (typeof form.From !== 'string' || typeof form.Body !== 'string') throw new AppError('validation', 'From and Body are required', [{ path: 'From', message: 'required' }]);
        await inboundSms(ctx, Number(p[0]), form.From, form.Body);
        return reply.type('text/xml').send(TWIML_EMPTY);
      });

      scope.post('/hooks/sms-status/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req) => {
        const p = verifyToken(ctx.secret, 'sms-status', req.params.token);
        if (!p) throw new AppError('not_found', 'unknown SMS status address');
        const parsed = statusCallback.safeParse(authentic(ctx, req));
        if (!parsed.success) throw fieldError(parsed.error);
        return recordSmsStatus(ctx, Number(p[0]), Number(p[1]), parsed.data);
      });
    });
  };
}
