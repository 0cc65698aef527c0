import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { id, idParams, listOf, ok, page, type Out } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { notFound } from '../errors.ts';
import { sql } from '../db/index.ts';
import * as s from './segments.ts';
import { countSegment, criteriaEnv, segmentMembers, validateCriteria } from './query.ts';
import { explainContact } from './explain.ts';
import { addMembersToList, exportColumns, exportMembersCsv } from './actions.ts';
import { contactEngagement, engagementSettings, engagementSummary, requestEngagementRecompute } from './engagement.ts';
import { requestSegmentRefresh } from './membership.ts';
import * as out from './schemas.ts';
import { contactEngagementAnswer, engagementOverview } from './engagement-schemas.ts';

const BUILTIN_IDS = Object.keys(s.BUILTIN_SEGMENTS).join('|');
// a saved segment's number, or a built-in's slug (most_engaged, …)
const segmentId = z
  .string()
  .regex(new RegExp(`^([1-9][0-9]{0,15}|${BUILTIN_IDS})$`), `a segment id or one of ${BUILTIN_IDS.replace(/\|/g, ', ')}`)
  .transform((v): s.SegmentId => (/^\d+$/.test(v) ? Number(v) : (v as s.BuiltinSegmentId)));
const segmentParams = z.strictObject({ id: segmentId });
const criteria = out.criteriaInput;
const name = z.string().trim().min(1).max(200);
const segmentBody = z.strictObject({ name, description: z.string().max(2000).optional(), criteria });
const jobStarted = out.jobStarted;
/** A segment as answered (its criteria as stored: parsed when saved). */
const seg = (p: Promise<s.Segment>) => p as Promise<Out<typeof out.segment>>;

export function segmentRoutes(ctx: Ctx) {
  const env = (ws: number) => criteriaEnv(ctx.db, ws, ctx.clock.now());
  const criteriaOf = async (ws: number, sid: s.SegmentId) => s.segmentCriteria(ctx.db, ws, sid);
  return (r: Router) => {
    const tags = ['segments'];
    r.get('/api/v1/segments', { schema: { tags, summary: 'Saved segments, after the four built-in engagement segments (S-2)', response: { 200: listOf(out.segment) } } }, async (req) => ({
      data: (await s.listSegments(ctx.db, principal(req).workspaceId)) as Out<typeof out.segment>[],
    }));

    r.post('/api/v1/segments', { config: { permission: 'write' }, schema: { tags, summary: 'Save a segment (criteria: see CRITERIA.md); its membership is tracked from now (J-5)', body: segmentBody, response: { 201: out.segment } } }, async (req, reply) =>
      reply.status(201).send(await seg(s.createSegment(ctx, principal(req).workspaceId, req.body))));

    r.post('/api/v1/segments/count', {
      config: { permission: 'read' },
      schema: { tags, summary: 'Count the contacts matching unsaved criteria (live count while editing, S-4)', body: z.strictObject({ criteria }), response: { 200: out.count } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const tree = await validateCriteria(ctx.db, ws, req.body.criteria);
      return { count: await countSegment(ctx.db, tree, await env(ws)) };
    });

    r.post('/api/v1/segments/refresh', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Recompute tracked membership of every saved segment now (J-5); follow the job at GET /api/v1/jobs/{id}', response: { 202: jobStarted } },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      return reply.status(202).send({ job_id: await requestSegmentRefresh(ctx.db, ctx.clock, ws) });
    });

    r.get('/api/v1/segments/:id', { schema: { tags, summary: 'A saved or built-in segment', params: segmentParams, response: { 200: out.segment } } }, async (req) =>
      seg(s.getSegment(ctx.db, principal(req).workspaceId, req.params.id)));

    r.patch('/api/v1/segments/:id', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Rename or change the criteria (built-ins are read-only: 409)', params: segmentParams, body: segmentBody.partial(), response: { 200: out.segment } },
    }, async (req) => seg(s.updateSegment(ctx, principal(req).workspaceId, req.params.id, req.body)));

    r.delete('/api/v1/segments/:id', { config: { permission: 'write' }, schema: { tags, summary: 'Delete a saved segment (built-ins: 409)', params: segmentParams, response: { 200: ok } } }, async (req) => {
      await s.deleteSegment(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.post('/api/v1/segments/:id/copy', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Copy a segment (built-in or saved) into a new saved segment', params: segmentParams, body: z.strictObject({ name: name.optional().meta({ description: 'default: "<name> (copy)"' }) }), response: { 201: out.segment } },
    }, async (req, reply) => reply.status(201).send(await seg(s.copySegment(ctx, principal(req).workspaceId, req.params.id, req.body ?? {}))));

    r.get('/api/v1/segments/:id/count', { schema: { tags, summary: 'How many contacts match now', params: segmentParams, response: { 200: out.count } } }, async (req) => {
      const ws = principal(req).workspaceId;
      return { count: await countSegment(ctx.db, await criteriaOf(ws, req.params.id), await env(ws)) };
    });

    r.get('/api/v1/segments/:id/members', { schema: { tags, summary: 'The contacts matching now, in id order', params: segmentParams, querystring: page, response: { 200: out.members } } }, async (req) => {
      const ws = principal(req).workspaceId;
      return (await segmentMembers(ctx.db, await criteriaOf(ws, req.params.id), await env(ws), req.query)) as Out<typeof out.members>; // rows of untyped SQL
    });

    r.post('/api/v1/segments/:id/add-to-list', {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: "Add the segment's current members to a list (list.joined for each new member)",
        params: segmentParams,
        body: z.strictObject({ list_id: id, source: z.enum(['api', 'manual']).default('manual').meta({ description: "the new memberships' source" }) }),
        response: { 200: out.added },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const tree = await criteriaOf(ws, req.params.id);
      return { added: await ctx.db.tx(async (tx) => addMembersToList(tx, tree, await criteriaEnv(tx, ws, ctx.clock.now()), req.body.list_id, req.body.source)) };
    });

    r.get('/api/v1/segments/:id/export', {
      schema: {
        tags,
        summary: 'Members as CSV (default: email, first_name, last_name, joined_at; ?fields=email,plan,created_at). joined_at is when the contact entered the segment (its tracked membership; a contact matching since the last refresh: the later of that refresh and its creation; a built-in segment: its creation)',
        params: segmentParams,
        querystring: z.strictObject({ fields: z.string().max(2000).optional().meta({ description: 'comma-separated columns: standard fields, custom field keys, joined_at' }) }),
        response: { 200: { description: 'the CSV file, with a header line', content: { 'text/csv': { schema: z.string() } } } },
      },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      const segment = await s.getSegment(ctx.db, ws, req.params.id);
      const tree = await criteriaOf(ws, req.params.id);
      const e = await env(ws);
      const columns = exportColumns(req.query.fields?.split(',').map((f) => f.trim()).filter(Boolean), e);
      const file = `segment-${String(segment.id).replace(/[^a-z0-9_-]/gi, '')}.csv`;
      reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}"`);
      // a stream: written as it is read, never serialized
      return reply.send(Readable.from(exportMembersCsv(ctx.db, tree, e, columns, undefined, typeof segment.id === 'number' ? segment.id : null)) as unknown as string);
    });

    r.get('/api/v1/segments/:id/explain/:contactId', {
      schema: { tags, summary: 'Why a contact is in the segment or not: every condition evaluated, with a sentence each', params: z.strictObject({ id: segmentId, contactId: idParams.shape.id }), response: { 200: out.explanation } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const segment = await s.getSegment(ctx.db, ws, req.params.id);
      const tree = await criteriaOf(ws, req.params.id);
      return { segment_id: segment.id, ...(await explainContact(ctx.db, tree, req.params.contactId, await env(ws))) };
    });

    // engagement (S-2, S-3)
    const etags = ['engagement'];
    r.get('/api/v1/engagement', { schema: { tags: etags, summary: 'Contacts per engagement level, and the thresholds in use', response: { 200: engagementOverview } } }, async (req) => {
      const ws = principal(req).workspaceId;
      const { rows } = await ctx.db.query<{ settings: Record<string, unknown> }>(sql`select settings from workspaces where id = ${ws}`);
      return { levels: await engagementSummary(ctx.db, ws), settings: engagementSettings(rows[0]?.settings.engagement) };
    });

    r.post('/api/v1/engagement/recompute', {
      config: { permission: 'write' },
      schema: { tags: etags, summary: "Recompute every contact's engagement level now (also runs daily); follow the job at GET /api/v1/jobs/{id}", response: { 202: jobStarted } },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      return reply.status(202).send({ job_id: await ctx.db.tx((tx) => requestEngagementRecompute(tx, ctx.clock, ws)) });
    });

    r.get('/api/v1/engagement/contacts/:id', { schema: { tags: etags, summary: "A contact's current and previous level, with its history", params: idParams, response: { 200: contactEngagementAnswer } } }, async (req) => {
      const ws = principal(req).workspaceId;
      const c = await ctx.db.query(sql`select 1 from contacts where workspace_id = ${ws} and id = ${req.params.id}`);
      if (!c.rows[0]) throw notFound('contact');
      return { contact_id: req.params.id, ...(await contactEngagement(ctx.db, ws, req.params.id)) } as Out<typeof contactEngagementAnswer>; // rows of untyped SQL
    });
  };
}
