import { z } from 'zod';
import type { Router } from '../http/server.ts';
import type { Ctx } from '../context.ts';
import { escapeHtml, page } from '../http/page.ts';
import { asUserHtml } from '../http/headers.ts';
import { urlSignatureValid, verifyToken } from './tokens.ts';
import { recordEngagement, unsubscribeFromDelivery } from './feedback.ts';
import { preferencesPage, savePreferences, viewOnline } from './preferences.ts';
import { confirmSmsOptIn, requestSmsOptIn } from './sms-optin.ts';

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const tokenParams = z.object({ token: z.string().max(8192) });
const hidden = { hide: true };
const codeForm = (action: string) =>
  `<form method="post" action="${escapeHtml(action.replace(/\/confirm$/, ''))}/confirm"><label>Code <input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required></label><button type="submit">Confirm</button></form>`;

/** Public endpoints reached from messages (M-3): open pixel, click redirect, unsubscribe, preferences. */
export function trackingRoutes(ctx: Ctx) {
  return (r: Router) => {
    const notFound = (reply: any) => reply.status(404).type('text/html').send(page('Link not valid', '<p>This link is not valid.</p>'));

    r.get('/t/o/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'delivery', req.params.token.replace(/\.gif$/, ''));
      if (!p) return notFound(reply);
      await recordEngagement(ctx, Number(p[0]), Number(p[1]), 'opened');
      return reply.header('cache-control', 'no-store').type('image/gif').send(GIF);
    });

    r.get('/t/c/:token/:sig', {
      config: { permission: 'public' },
      schema: { ...hidden, params: z.object({ token: z.string().max(8192), sig: z.string().max(64) }), querystring: z.object({ u: z.string().max(8192) }) },
    }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'delivery', req.params.token);
      const url = req.query.u;
      if (!p || !/^https?:\/\//i.test(url) || !urlSignatureValid(ctx.secret, Number(p[2]), url, req.params.sig)) return notFound(reply);
      await recordEngagement(ctx, Number(p[0]), Number(p[1]), 'clicked', url);
      return reply.redirect(url, 302);
    });

    r.get('/u/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      if (!verifyToken(ctx.secret, 'unsubscribe', req.params.token)) return notFound(reply);
      // a GET never unsubscribes: mail scanners follow links; the button posts
      return reply.type('text/html').send(page('Unsubscribe', `<form method="post"><p>Stop receiving these emails?</p><button type="submit">Unsubscribe</button></form>`));
    });

    r.post('/u/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'unsubscribe', req.params.token);
      if (!p) return notFound(reply);
      await unsubscribeFromDelivery(ctx, Number(p[0]), Number(p[1]), p[2] === null ? null : Number(p[2]), req.ip);
      return reply.type('text/html').send(page('Unsubscribed', '<p>You will not receive these emails any more.</p>'));
    });

    r.get('/p/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'unsubscribe', req.params.token);
      if (!p || p[2] === null) return notFound(reply);
      return reply.type('text/html').send(await preferencesPage(ctx, Number(p[0]), Number(p[2])));
    });

    r.post('/p/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'unsubscribe', req.params.token);
      if (!p || p[2] === null) return notFound(reply);
      await savePreferences(ctx, Number(p[0]), Number(p[2]), (req.body ?? {}) as Record<string, string>, req.ip);
      return reply.type('text/html').send(page('Preferences saved', `<p>Your preferences are saved.</p><p><a href="${escapeHtml(req.url)}">Back</a></p>`));
    });

    r.get('/s/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      if (!verifyToken(ctx.secret, 'unsubscribe', req.params.token)) return notFound(reply);
      return reply.type('text/html').send(page('Get our text messages', `<form method="post"><label>Mobile number (with country code, e.g. +33612345678)
<input type="text" name="phone" required></label><label><input type="checkbox" name="consent" value="yes" required> I agree to receive text messages. Reply STOP to stop.</label><button type="submit">Sign me up</button></form>`));
    });

    // the number is proven by a code sent to it (issue 16): the link alone is a forwarded mail's
    r.post('/s/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams, body: z.object({ phone: z.string().max(40), consent: z.literal('yes') }) } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'unsubscribe', req.params.token);
      if (!p || p[2] === null) return notFound(reply);
      const sent = await requestSmsOptIn(ctx, Number(p[0]), Number(p[2]), req.body.phone, req.ip);
      const note = sent === 'sent' ? 'We sent a code to your phone.' : 'A code was sent a moment ago: use it, or wait a minute for a new one.';
      return reply.type('text/html').send(page('Enter your code', `<p>${note}</p>${codeForm(req.url)}`));
    });

    r.post('/s/:token/confirm', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams, body: z.object({ code: z.string().max(12) }) } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'unsubscribe', req.params.token);
      if (!p || p[2] === null) return notFound(reply);
      const r = await confirmSmsOptIn(ctx, Number(p[0]), Number(p[2]), req.body.code, req.ip);
      if (r === 'confirmed') return reply.type('text/html').send(page('Thank you', '<p>You will now receive our text messages. Reply STOP at any time to stop.</p>'));
      const back = escapeHtml(req.url.replace(/\/confirm$/, ''));
      if (r === 'wrong') return reply.status(400).type('text/html').send(page('Wrong code', `<p>That code is not the one we sent.</p>${codeForm(back)}`));
      return reply.status(400).type('text/html').send(page('Code expired', `<p>This code has expired or was tried too often. <a href="${back}">Ask for a new one</a>.</p>`));
    });

    r.get('/v/:token', { config: { permission: 'public' }, schema: { ...hidden, params: tokenParams } }, async (req, reply) => {
      const p = verifyToken(ctx.secret, 'delivery', req.params.token);
      if (!p) return notFound(reply);
      const html = await viewOnline(ctx, Number(p[0]), Number(p[1]));
      return html === null ? notFound(reply) : asUserHtml(reply).send(html);
    });
  };
}
