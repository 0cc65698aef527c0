import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { setListForm, listByFormToken } from '../contacts/index.ts';
import { escapeHtml, page } from '../http/page.ts';
import { trackingRoutes } from './tracking-routes.ts';
import { confirmSignup, signup } from './signup.ts';
import { smsHooks } from './sms-hooks.ts';
import { signToken, verifyToken } from './tokens.ts';

const tokenParams = z.object({ token: z.string().max(8192) });
const listForm = z.object({
  enabled: z.boolean(),
  double_opt_in: z.boolean().meta({ description: 'a signup is confirmed by a link sent by email before the contact joins' }),
  form_url: z.string().optional().meta({ description: 'the public form (when enabled); post email, first_name, last_name to it' }),
  embed_html: z.string().optional().meta({ description: 'an HTML form posting to form_url, to paste into a site (when enabled)' }),
}).meta({ id: 'ListSignupForm', description: "A list's public signup form (C-5)." });

function formHtml(action: string, listName: string) {
  return `<form method="post" action="${escapeHtml(action)}"><p>Subscribe to ${escapeHtml(listName)}</p>
<label>Email <input type="email" name="email" required></label><label>First name <input type="text" name="first_name"></label>
<label>Last name <input type="text" name="last_name"></label><button type="submit">Subscribe</button></form>`;
}

/** Signup forms with double opt-in (C-5), inbound SMS keywords and status callbacks (M-6), and the tracking links. */
export function publicRoutes(ctx: Ctx) {
  return (r: Router) => {
    trackingRoutes(ctx)(r);

    r.put('/api/v1/lists/:id/form', {
      config: { permission: 'write' },
      schema: {
        tags: ['lists'],
        summary: 'Enable the public signup form of a list, with or without double opt-in',
        params: idParams,
        body: z.strictObject({ enabled: z.boolean(), double_opt_in: z.boolean().default(false) }),
        response: { 200: listForm },
      },
    }, async (req) => {
      const f = await setListForm(ctx.db, principal(req).workspaceId, req.params.id, { enabled: req.body.enabled, doubleOptIn: req.body.double_opt_in, token: randomBytes(12).toString('base64url') });
      if (!f.form_token) return { enabled: false, double_opt_in: f.double_opt_in };
      const url = `${ctx.config.publicUrl}/f/${f.form_token}`;
      const list = await listByFormToken(ctx.db, f.form_token);
      return { enabled: true, double_opt_in: f.double_opt_in, form_url: url, embed_html: formHtml(url, list!.name) };
    });

    r.get('/f/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
      const list = await listByFormToken(ctx.db, req.params.token);
      if (!list) return reply.status(404).type('text/html').send(page('Form not found', '<p>This signup form does not exist.</p>'));
      return reply.type('text/html').send(page(list.name, formHtml(`/f/${req.params.token}`, list.name)));
    });

    r.post('/f/:token', {
      config: { permission: 'public' },
      schema: { hide: true, params: tokenParams, body: z.object({ email: z.string().max(254), first_name: z.string().max(200).optional(), last_name: z.string().max(200).optional() }) },
    }, async (req, reply) => {
      const res = await signup(ctx, req.params.token, req.body, req.ip);
      if (!res) throw new AppError('not_found', 'no such signup form');
      const html = (req.headers.accept ?? '').includes('text/html');
      const message = res.confirmed ? `You are subscribed to ${res.list.name}.` : 'Almost done: check your inbox and confirm your subscription.';
      return html ? reply.type('text/html').send(page('Thank you', `<p>${escapeHtml(message)}</p>`)) : reply.status(res.confirmed ? 201 : 202).send({ confirmed: res.confirmed, message });
    });

    r.get('/f/confirm/:token', { config: { permission: 'public' }, schema: { hide: true, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'confirm', req.params.token);
      const state = p ? await confirmSignup(ctx, p, req.ip) : 'unknown';
      const text = { confirmed: 'Your subscription is confirmed. Thank you!', expired: 'This confirmation link has expired: please sign up again.', unknown: 'This link is not valid.' }[state];
      return reply.status(state === 'confirmed' ? 200 : 404).type('text/html').send(page(state === 'confirmed' ? 'Confirmed' : 'Link not valid', `<p>${text}</p>`));
    });

    r.get('/api/v1/sms/inbound-url', { config: { permission: 'admin' }, schema: { tags: ['sms'], summary: 'The URL to give the SMS provider for inbound messages (STOP/START)', response: { 200: z.object({ url: z.string().meta({ description: "the inbound messages webhook of this workspace's number, on PUBLIC_URL" }) }) } } }, async (req) =>
      ({ url: `${ctx.config.publicUrl}/hooks/sms/${signToken(ctx.secret, 'sms-in', [principal(req).workspaceId])}` }));

    smsHooks(ctx)(r);
  };
}
