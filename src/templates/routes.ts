import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { listOf, ok, timestamp } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { deleteTemplate, getTemplate, listTemplates, saveTemplate } from './templates.ts';
import { previewTemplate } from './preview.ts';

const tags = ['templates'];
const channel = z.enum(['email', 'sms']);
const templateParams = z.strictObject({
  id: z.string().regex(/^([a-z0-9][a-z0-9-]{0,62}|\d{1,15})$/, 'a built-in template name (welcome) or a saved template number').meta({ description: 'a built-in template name (e.g. welcome) or the number of a saved one' }),
});

const summary = z.object({
  id: z.string().meta({ description: 'built-in: its name (welcome); saved by the workspace: a number' }),
  kind: z.enum(['builtin', 'own']).meta({ description: 'builtin: part of the gallery, cannot be deleted; own: saved by this workspace' }),
  name: z.string(),
  category: z.string(),
  description: z.string(),
  channel,
  subject: z.string().nullable().meta({ description: 'an email template\'s subject (Liquid)' }),
  created_at: timestamp.nullable().meta({ description: 'when it was saved; null for a built-in template' }),
}).meta({ id: 'TemplateSummary', description: 'A gallery entry: a built-in template or one saved by the workspace, without its content.' });
const template = summary.extend({
  content: z.record(z.string(), z.unknown()).meta({ description: 'a message content, ready for POST /api/v1/messages: email {subject, preheader, format, body, …}; SMS {text}' }),
}).meta({ id: 'Template', description: 'A template with its full content.' });
const preview = z.union([
  z.object({ channel: z.literal('email'), subject: z.string(), html: z.string().meta({ description: 'the rendered HTML, for a sandboxed iframe' }) }),
  z.object({ channel: z.literal('sms'), text: z.string() }),
]).meta({ id: 'TemplatePreview', description: 'A template rendered for the sample contact: an email (subject and HTML) or an SMS (text).' });

/** The template gallery (M-7, issue 19): built-in emails and SMS starters, and a workspace's own. */
export function templateRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.get('/api/v1/templates', {
      schema: {
        tags,
        summary: 'The template gallery: built-in email templates and SMS starters, then the workspace\'s saved templates (newest first)',
        querystring: z.strictObject({ channel: channel.optional() }),
        response: { 200: listOf(summary) },
      },
    }, async (req) => ({ data: await listTemplates(ctx.db, principal(req).workspaceId, req.query.channel) }));

    r.get('/api/v1/templates/:id', {
      schema: { tags, summary: 'A template with its full content (copy it into a message to use it)', params: templateParams, response: { 200: template } },
    }, async (req) => getTemplate(ctx.db, principal(req).workspaceId, req.params.id));

    r.get('/api/v1/templates/:id/preview', {
      schema: { tags, summary: 'A template rendered for a sample contact (Alex Morgan) with the workspace\'s fields; links point to #', params: templateParams, response: { 200: preview } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      return previewTemplate(ctx.db, ws, await getTemplate(ctx.db, ws, req.params.id));
    });

    r.post('/api/v1/templates', {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Save as template: a message content kept in the workspace\'s gallery, checked as a message\'s is (400 naming the field)',
        body: z.strictObject({ name: z.string().trim().min(1).max(200), channel, content: z.record(z.string(), z.unknown()) }),
        response: { 201: template },
      },
    }, async (req, reply) => {
      const p = principal(req);
      return reply.status(201).send(await saveTemplate(ctx.db, ctx.clock, p.workspaceId, req.body, p.userId));
    });

    r.delete('/api/v1/templates/:id', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Delete a saved template (403 for a built-in one); messages made from it keep their content', params: templateParams, response: { 200: ok } },
    }, async (req) => {
      await deleteTemplate(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });
  };
}
