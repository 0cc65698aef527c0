import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, id, listOf, ok, version, versionQuery, type Out } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { sql } from '../db/index.ts';
import { notFound } from '../errors.ts';
import { resolveContactIds } from '../contacts/index.ts';
import * as store from './store.ts';
import { enrollContacts } from './enroll.ts';
import { journeyReport } from './reports.ts';
import { dryRun } from './dryrun.ts';
import { createFromTemplate, listTemplates } from './templates.ts';
import { AppError } from '../errors.ts';
import { dryRunContact, enrollment, journeyDefinition, journeyReportSchema, journeySchema, journeySummary, journeyTemplate, journeyTransition, journeyVersion } from './schemas.ts';

const body = z.strictObject({ name: z.string().trim().min(1).max(200), definition: journeyDefinition });
const tags = ['journeys'];
/** The domain returns stored rows (jsonb typed loosely): typed as the schema that documents them, unchanged. */
const as = <S extends z.ZodType>(_schema: S) => async (p: Promise<unknown>) => (await p) as Out<S>;

export function journeyRoutes(ctx: Ctx) {
  return (r: Router) => {
    const ws = (req: any) => principal(req).workspaceId;
    r.get('/api/v1/journeys', { schema: { tags, summary: 'Journeys with their live in-progress counts', response: { 200: listOf(journeySummary) } } }, async (req) => ({ data: (await store.listJourneys(ctx.db, ws(req))) as Out<typeof journeySummary>[] }));
    r.post('/api/v1/journeys', { config: { permission: 'write' }, schema: { tags, summary: 'Create a draft journey (problems are listed, not refused)', body, response: { 201: journeySchema } } }, async (req, reply) =>
      reply.status(201).send(await as(journeySchema)(store.createJourney(ctx, ws(req), req.body))));
    r.get('/api/v1/journeys/:id', { schema: { tags, summary: 'A journey at its current version (or ?version), with what keeps it from activation', params: idParams, querystring: versionQuery, response: { 200: journeySchema } } }, async (req) => {
      const j = await store.getJourney(ctx.db, ws(req), req.params.id, req.query.version);
      const { journeyProblems } = await import('./validate.ts');
      return as(journeySchema)(Promise.resolve({ ...j, problems: await journeyProblems(ctx.db, ws(req), j.definition) }));
    });
    r.patch('/api/v1/journeys/:id', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Edit; a structural change to a live journey publishes a new version (J-17)', params: idParams, body: body.partial(), response: { 200: journeySchema } },
    }, async (req) => as(journeySchema)(store.updateJourney(ctx, ws(req), req.params.id, req.body)));
    r.delete('/api/v1/journeys/:id', { config: { permission: 'write' }, schema: { tags, summary: 'Delete a draft or archived journey', params: idParams, response: { 200: ok } } }, async (req) => {
      await store.deleteJourney(ctx.db, ws(req), req.params.id);
      return { ok: true };
    });

    r.post('/api/v1/journeys/:id/activate', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Validate and activate (J-16); optionally enroll contacts already on the trigger lists (J-6)', params: idParams, body: z.strictObject({ enroll_existing: z.boolean().optional() }).default({}), response: { 200: journeyTransition } },
    }, async (req) => as(journeyTransition)(store.transition(ctx, ws(req), req.params.id, 'activate', { enrollExisting: req.body.enroll_existing })));
    for (const action of ['stop', 'lock'] as const)
      r.post(`/api/v1/journeys/:id/${action}`, {
        config: { permission: 'write' },
        schema: {
          tags,
          summary: action === 'stop' ? 'Stop an active journey: no new contacts, and those in flight stop where they are (J-14)' : 'Lock an active journey: no new contacts, those in flight go on to the end (J-14)',
          params: idParams,
          response: { 200: journeyTransition },
        },
      }, async (req) => as(journeyTransition)(store.transition(ctx, ws(req), (req.params as any).id, action)));
    r.post('/api/v1/journeys/:id/archive', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Archive; an active journey needs confirm: true (it is stopped first)', params: idParams, body: z.strictObject({ confirm: z.boolean().default(false) }).default({ confirm: false }), response: { 200: journeyTransition } },
    }, async (req) => as(journeyTransition)(store.transition(ctx, ws(req), req.params.id, 'archive', { confirm: req.body.confirm })));
    r.post('/api/v1/journeys/:id/duplicate', { config: { permission: 'write' }, schema: { tags, summary: 'Copy any journey, in any state, into a new draft (J-14)', params: idParams, body: z.strictObject({ name: z.string().trim().min(1).max(200).optional() }).default({}), response: { 201: journeySchema } } }, async (req, reply) =>
      reply.status(201).send(await as(journeySchema)(store.duplicateJourney(ctx, ws(req), req.params.id, req.body.name))));
    r.get('/api/v1/journeys/:id/versions', { schema: { tags, summary: 'Every version with its definition and counts', params: idParams, response: { 200: listOf(journeyVersion) } } }, async (req) => ({ data: (await store.listVersions(ctx.db, ws(req), req.params.id)) as Out<typeof journeyVersion>[] }));
    r.post('/api/v1/journeys/:id/migrate', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Move enrollments of an older version to the current one by an explicit step mapping', params: idParams, body: z.strictObject({ from_version: version, mapping: z.record(z.string(), z.string().nullable()) }), response: { 200: z.object({ moved: z.number().int().meta({ description: 'enrollments moved' }) }) } },
    }, async (req) => as(z.object({ moved: z.number() }))(store.migrateEnrollments(ctx, ws(req), req.params.id, req.body.from_version, req.body.mapping)));

    r.post('/api/v1/journeys/:id/enroll', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Enroll contacts by hand or from code (J-6); the entry filter applies', params: idParams, body: z.strictObject({ contact_ids: z.array(id).min(1).max(10_000), data: z.record(z.string(), z.unknown()).optional() }), response: { 200: z.object({ enrolled: z.number().int().meta({ description: 'contacts enrolled (the entry filter and re-entry rules apply)' }) }) } },
    }, async (req) => {
      const w = ws(req);
      return ctx.db.tx(async (tx) => {
        const j = await store.getJourney(tx, w, req.params.id);
        if (j.status !== 'active') throw new AppError('conflict', `a ${j.status} journey takes no new contacts`, [{ path: 'status', message: `is ${j.status}` }]);
        await resolveContactIds(tx, w, req.body.contact_ids, 'contact_ids');
        const n = await enrollContacts(ctx, tx, w, j, req.body.contact_ids.map((c) => ({ contactId: c, data: req.body.data, entry: `manual${ctx.clock.now().getTime()}` })));
        return { enrolled: n };
      });
    });
    r.get('/api/v1/journeys/:id/enrollments', {
      schema: { tags, summary: 'Enrollments of the journey, newest first', params: idParams, querystring: z.strictObject({ status: z.enum(['active', 'completed', 'exited']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }), response: { 200: listOf(enrollment) } },
    }, async (req) => {
      await store.getJourney(ctx.db, ws(req), req.params.id);
      const { rows } = await ctx.db.query(sql`
        select id, contact_id, version, status, step_id, wait_until, next_run_at, entered_at, finished_at, exit_reason from enrollments
         where workspace_id = ${ws(req)} and journey_id = ${req.params.id} ${req.query.status ? sql`and status = ${req.query.status}` : sql``}
         order by id desc limit ${req.query.limit}`);
      return { data: rows as Out<typeof enrollment>[] };
    });
    r.get('/api/v1/journeys/:id/report', { schema: { tags, summary: 'Entered, in progress, completed, exited by reason; per step and branch; per day (J-21)', params: idParams, response: { 200: journeyReportSchema } } }, async (req) => {
      await store.getJourney(ctx.db, ws(req), req.params.id);
      return as(journeyReportSchema)(journeyReport(ctx.db, ws(req), req.params.id));
    });
    r.post('/api/v1/journeys/:id/dry-run', {
      schema: {
        tags,
        summary: 'Simulate for a contact or a sample: the timeline of steps, send times and branches, changing nothing',
        params: idParams,
        body: z.strictObject({ contact_id: id.optional(), sample: z.number().int().min(1).max(100).optional(), days: z.number().int().min(1).max(730).default(60), from: z.string().datetime({ offset: true }).optional() }),
        response: { 200: listOf(dryRunContact) },
      },
    }, async (req) => ({ data: await dryRun(ctx, ws(req), req.params.id, { contactId: req.body.contact_id, sample: req.body.sample, days: req.body.days, from: req.body.from ? new Date(req.body.from) : undefined }) }));

    r.get('/api/v1/journey-templates', { schema: { tags, summary: 'Ready-made journeys (J-22)', response: { 200: listOf(journeyTemplate) } } }, async () => ({ data: listTemplates() }));
    r.post('/api/v1/journey-templates/:key', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Create a draft journey, its messages and the custom fields it sets from a template', params: z.strictObject({ key: z.string().max(50) }), body: z.strictObject({ list_id: id.optional(), name: z.string().trim().min(1).max(200).optional() }).default({}), response: { 201: journeySchema } },
    }, async (req, reply) => reply.status(201).send(await as(journeySchema)(createFromTemplate(ctx, ws(req), req.params.key, req.body))));

    r.put('/api/v1/lists/:id/welcome', {
      config: { permission: 'write' },
      schema: { tags: ['lists'], summary: "The list's plain welcome email; a list-join journey on the list takes precedence (J-18)", params: idParams, body: z.strictObject({ message_id: id.nullable() }), response: { 200: ok } },
    }, async (req) => {
      const w = ws(req);
      if (req.body.message_id !== null) {
        const m = await ctx.db.query(sql`select 1 from messages where workspace_id = ${w} and id = ${req.body.message_id} and channel = 'email'`);
        if (!m.rows[0]) throw new AppError('validation', 'message_id: no such email message', [{ path: 'message_id', message: 'no such email message' }]);
      }
      const r2 = await ctx.db.query(sql`update lists set welcome_message_id = ${req.body.message_id} where workspace_id = ${w} and id = ${req.params.id}`);
      if (r2.rowCount === 0) throw notFound('list');
      return { ok: true };
    });
  };
}
