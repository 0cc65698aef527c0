import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, versionQuery } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import * as m from './index.ts';
import type { SmsContent } from './content.ts';

const withSegments = (msg: m.MessageRow) => (msg.channel === 'sms' ? { ...msg, sms_segments: m.describeSms(msg.content as SmsContent) } : msg);

export function messageRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.get('/api/v1/messages', { schema: { tags: ['messages'] } }, async (req) => ({ data: await m.listMessages(ctx.db, principal(req).workspaceId) }));
    r.post('/api/v1/messages', {
      config: { permission: 'write' },
      schema: {
        tags: ['messages'],
        summary: 'Create an email (MJML or HTML, Liquid) or SMS message; templates are checked (400 with line and column)',
        body: z.strictObject({ name: z.string().trim().min(1).max(200), channel: z.enum(['email', 'sms']), content: z.record(z.string(), z.unknown()) }),
      },
    }, async (req, reply) => reply.status(201).send(withSegments(await ctx.db.tx((tx) => m.createMessage(tx, ctx.clock, principal(req).workspaceId, req.body, principal(req).userId)))));
    r.get('/api/v1/messages/:id', {
      schema: { tags: ['messages'], params: idParams, querystring: versionQuery },
    }, async (req) => withSegments(await m.getMessage(ctx.db, principal(req).workspaceId, req.params.id, req.query.version)));
    r.patch('/api/v1/messages/:id', {
      config: { permission: 'write' },
      schema: {
        tags: ['messages'],
        summary: 'Rename, or edit the content (a new version; queued sends keep theirs)',
        params: idParams,
        body: z.strictObject({ name: z.string().trim().min(1).max(200).optional(), content: z.record(z.string(), z.unknown()).optional() }),
      },
    }, async (req) => withSegments(await ctx.db.tx((tx) => m.updateMessage(tx, ctx.clock, principal(req).workspaceId, req.params.id, req.body, principal(req).userId))));
    r.delete('/api/v1/messages/:id', { config: { permission: 'write' }, schema: { tags: ['messages'], params: idParams } }, async (req) => {
      await m.deleteMessage(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    const senderBody = z.strictObject({ from_name: z.string().trim().min(1).max(200), from_email: z.string().max(254), reply_to: z.string().max(254).nullable().optional() });
    r.get('/api/v1/senders', { schema: { tags: ['senders'], summary: 'Sender identities' } }, async (req) => ({ data: await m.listSenders(ctx.db, principal(req).workspaceId) }));
    r.post('/api/v1/senders', { config: { permission: 'admin' }, schema: { tags: ['senders'], body: senderBody } }, async (req, reply) =>
      reply.status(201).send(await m.createSender(ctx.db, ctx.clock, principal(req).workspaceId, req.body)));
    r.patch('/api/v1/senders/:id', { config: { permission: 'admin' }, schema: { tags: ['senders'], params: idParams, body: senderBody.partial() } }, async (req) =>
      m.updateSender(ctx.db, principal(req).workspaceId, req.params.id, req.body));
    r.delete('/api/v1/senders/:id', { config: { permission: 'admin' }, schema: { tags: ['senders'], params: idParams } }, async (req) => {
      await m.deleteSender(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.get('/api/v1/dkim-keys', { config: { permission: 'admin' }, schema: { tags: ['senders'] } }, async (req) => ({ data: await m.listDkimKeys(ctx.db, principal(req).workspaceId) }));
    r.post('/api/v1/dkim-keys', {
      config: { permission: 'admin' },
      schema: { tags: ['senders'], summary: 'Set the DKIM key of a sending domain', body: z.strictObject({ domain: z.string().max(253), selector: z.string().max(63), private_key: z.string().max(10_000) }) },
    }, async (req, reply) => reply.status(201).send(await m.setDkimKey(ctx.db, ctx.clock, principal(req).workspaceId, req.body)));
    r.delete('/api/v1/dkim-keys/:domain', { config: { permission: 'admin' }, schema: { tags: ['senders'], params: z.strictObject({ domain: z.string().max(253) }) } }, async (req) => {
      await m.deleteDkimKey(ctx.db, principal(req).workspaceId, req.params.domain);
      return { ok: true };
    });
  };
}
