import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, listOf, ok, versionQuery, type Out } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import * as m from './index.ts';
import type { SmsContent } from './content.ts';
import * as out from './schemas.ts';

/** A stored message as answered: an SMS with how its texts split into parts. */
const answer = (msg: m.MessageRow) =>
  (msg.channel === 'sms' ? { ...msg, sms_segments: m.describeSms(msg.content as SmsContent) } : msg) as Out<typeof out.message>;

export function messageRoutes(ctx: Ctx) {
  return (r: Router) => {
    const tags = ['messages'];
    const name = z.string().trim().min(1).max(200);
    r.get('/api/v1/messages', { schema: { tags, summary: 'Messages, newest first (without their content)', response: { 200: listOf(out.messageSummary) } } }, async (req) => ({
      data: (await m.listMessages(ctx.db, principal(req).workspaceId)) as Out<typeof out.messageSummary>[], // a row of untyped SQL
    }));
    r.post('/api/v1/messages', {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Create an email (MJML or HTML, Liquid) or SMS message; templates are checked (400 with line and column)',
        body: z.strictObject({ name, channel: z.enum(['email', 'sms']), content: out.messageContent }),
        response: { 201: out.message },
      },
    }, async (req, reply) => reply.status(201).send(answer(await ctx.db.tx((tx) => m.createMessage(tx, ctx.clock, principal(req).workspaceId, req.body, principal(req).userId)))));
    r.get('/api/v1/messages/:id', {
      schema: { tags, summary: 'A message with its content, at its current version or ?version', params: idParams, querystring: versionQuery, response: { 200: out.message } },
    }, async (req) => answer(await m.getMessage(ctx.db, principal(req).workspaceId, req.params.id, req.query.version)));
    r.patch('/api/v1/messages/:id', {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Rename, or edit the content (a new version; queued sends keep theirs)',
        params: idParams,
        body: z.strictObject({ name: name.optional(), content: out.messageContent.optional() }),
        response: { 200: out.message },
      },
    }, async (req) => answer(await ctx.db.tx((tx) => m.updateMessage(tx, ctx.clock, principal(req).workspaceId, req.params.id, req.body, principal(req).userId))));
    r.delete('/api/v1/messages/:id', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Delete a message never sent (one with deliveries is kept for their record: 409)', params: idParams, response: { 200: ok } },
    }, async (req) => {
      await m.deleteMessage(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    const stags = ['senders'];
    const senderBody = z.strictObject({ from_name: z.string().trim().min(1).max(200), from_email: z.string().max(254), reply_to: z.string().max(254).nullable().optional() });
    r.get('/api/v1/senders', { schema: { tags: stags, summary: "Sender identities, oldest first (the first is the workspace's default)", response: { 200: listOf(out.sender) } } }, async (req) => ({
      data: (await m.listSenders(ctx.db, principal(req).workspaceId)) as Out<typeof out.sender>[], // a row of untyped SQL
    }));
    r.post('/api/v1/senders', {
      config: { permission: 'admin' },
      schema: { tags: stags, summary: 'Add a sender identity (From name and address, Reply-To)', body: senderBody, response: { 201: out.sender } },
    }, async (req, reply) => reply.status(201).send((await m.createSender(ctx.db, ctx.clock, principal(req).workspaceId, req.body)) as Out<typeof out.sender>));
    r.patch('/api/v1/senders/:id', {
      config: { permission: 'admin' },
      schema: { tags: stags, summary: 'Change a sender identity (reply_to: null removes it)', params: idParams, body: senderBody.partial(), response: { 200: out.sender } },
    }, async (req) => (await m.updateSender(ctx.db, principal(req).workspaceId, req.params.id, req.body)) as Out<typeof out.sender>);
    r.delete('/api/v1/senders/:id', {
      config: { permission: 'admin' },
      schema: { tags: stags, summary: 'Delete a sender identity', params: idParams, response: { 200: ok } },
    }, async (req) => {
      await m.deleteSender(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.get('/api/v1/dkim-keys', {
      config: { permission: 'admin' },
      schema: { tags: stags, summary: 'The sending domains with a DKIM key (the keys themselves are never answered)', response: { 200: listOf(out.dkimKey) } },
    }, async (req) => ({ data: (await m.listDkimKeys(ctx.db, principal(req).workspaceId)) as Out<typeof out.dkimKey>[] })); // a row of untyped SQL
    r.post('/api/v1/dkim-keys', {
      config: { permission: 'admin' },
      schema: {
        tags: stags,
        summary: 'Set the DKIM key of a sending domain (replaces its key)',
        body: z.strictObject({
          domain: z.string().max(253),
          selector: z.string().max(63).meta({ description: 'the DNS selector the public key is published under' }),
          private_key: z.string().max(10_000).meta({ description: 'the private key, PEM' }),
        }),
        response: { 201: out.dkimKeySet },
      },
    }, async (req, reply) => reply.status(201).send(await m.setDkimKey(ctx.db, ctx.clock, principal(req).workspaceId, req.body)));
    r.delete('/api/v1/dkim-keys/:domain', {
      config: { permission: 'admin' },
      schema: { tags: stags, summary: "Delete a domain's DKIM key (its mail is no longer signed)", params: z.strictObject({ domain: z.string().max(253) }), response: { 200: ok } },
    }, async (req) => {
      await m.deleteDkimKey(ctx.db, principal(req).workspaceId, req.params.domain);
      return { ok: true };
    });
  };
}
