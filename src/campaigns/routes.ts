import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, id, listOf, ok, type Out } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { getMessage } from '../messages/index.ts';
import type { Actor } from './audit.ts';
import { listAudit } from './audit.ts';
import { campaignInput } from './definition.ts';
import * as store from './store.ts';
import { approveCampaign, prepareCampaign, rejectCampaign } from './approval.ts';
import { cancelCampaign, pauseCampaign, resumeCampaign } from './lifecycle.ts';
import { pickWinnerByHand } from './ab-test.ts';
import { calculate, compileAudience } from './recipients.ts';
import { campaignReport } from './report.ts';
import { resendDelivery } from './resend.ts';
import { abStateSchema, auditEntry, calculationSchema, campaignReportSchema, campaignSchema, campaignSummary, pendingApproval, prepareResult, resendResult } from './schemas.ts';

const tags = ['campaigns'];
/** The domain returns the stored rows (jsonb typed loosely): typed as the schema that documents them, unchanged. */
const as = <S extends z.ZodType>(_schema: S) => async (p: Promise<unknown>) => (await p) as Out<S>;
const cancelled = campaignSchema.extend({ deliveries_cancelled: z.number().int().meta({ description: 'unsent deliveries cancelled' }) });
const paused = campaignSchema.extend({ deliveries_paused: z.number().int().meta({ description: 'queued deliveries set aside' }) });
const resumed = campaignSchema.extend({ deliveries_resumed: z.number().int().meta({ description: 'paused deliveries queued again' }) });
const picked = campaignSchema.extend({ ab_state: abStateSchema });
const STATUSES = ['draft', 'awaiting_approval', 'rejected', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;

export function campaignRoutes(ctx: Ctx) {
  return (r: Router) => {
    const ws = (req: FastifyRequest) => principal(req).workspaceId;
    const actor = (req: FastifyRequest): Actor => {
      const p = principal(req);
      return { userId: p.userId, via: p.via, role: p.role };
    };

    r.get('/api/v1/campaigns', {
      schema: { tags, summary: 'Campaigns, newest first', querystring: z.strictObject({ status: z.enum(STATUSES).optional(), limit: z.coerce.number().int().min(1).max(500).default(50), before: z.coerce.number().int().positive().optional() }), response: { 200: listOf(campaignSummary) } },
    }, async (req) => ({ data: (await store.listCampaigns(ctx.db, ws(req), req.query)) as Out<typeof campaignSummary>[] }));
    r.post('/api/v1/campaigns', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Create a draft campaign: message, recipients, duplicates, control group, A/B test, schedule and options (K-1 … K-5)', body: campaignInput, response: { 201: campaignSchema } },
    }, async (req, reply) => reply.status(201).send(await as(campaignSchema)(store.createCampaign(ctx, ws(req), req.body, actor(req)))));
    r.get('/api/v1/campaigns/:id', { schema: { tags, summary: 'A campaign, with its checklist, frozen versions and A/B state', params: idParams, response: { 200: campaignSchema } } }, async (req) => as(campaignSchema)(store.getCampaign(ctx.db, ws(req), req.params.id)));
    r.patch('/api/v1/campaigns/:id', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Edit a draft, rejected or awaiting campaign (each key given replaces the stored one; it becomes a draft again)', params: idParams, body: z.record(z.string(), z.unknown()).meta({ description: 'any keys of the campaign input (name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options): each replaces the stored one, and the result is validated as on create' }), response: { 200: campaignSchema } },
    }, async (req) => as(campaignSchema)(store.updateCampaign(ctx, ws(req), req.params.id, req.body, actor(req))));
    r.delete('/api/v1/campaigns/:id', { config: { permission: 'write' }, schema: { tags, summary: 'Delete a draft or rejected campaign', params: idParams, response: { 200: ok } } }, async (req) => {
      await store.deleteCampaign(ctx.db, ws(req), req.params.id);
      return { ok: true };
    });
    r.post('/api/v1/campaigns/:id/duplicate', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Copy into a new draft', params: idParams, body: z.strictObject({ name: z.string().trim().min(1).max(200).optional() }).default({}), response: { 201: campaignSchema } },
    }, async (req, reply) => reply.status(201).send(await as(campaignSchema)(store.duplicateCampaign(ctx, ws(req), req.params.id, actor(req), req.body.name))));

    r.post('/api/v1/campaigns/:id/calculate', {
      schema: { tags, summary: 'Count the recipients now: matching, without address, suppressed, duplicates collapsed, control group (K-1)', params: idParams, response: { 200: calculationSchema } },
    }, async (req) => {
      const c = await store.getCampaign(ctx.db, ws(req), req.params.id);
      const channel = c.frozen?.channel ?? (await getMessage(ctx.db, ws(req), c.message_id)).channel;
      return calculate(ctx.db, await compileAudience(ctx.db, ws(req), c, channel, ctx.clock.now()));
    });
    r.post('/api/v1/campaigns/:id/prepare', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Run the checklist; when every check passes the campaign awaits approval (K-6)', params: idParams, response: { 200: prepareResult } },
    }, async (req) => as(prepareResult)(prepareCampaign(ctx, ws(req), req.params.id, actor(req))));
    r.post('/api/v1/campaigns/:id/approve', {
      config: { permission: 'approve' },
      schema: { tags, summary: 'Approve: sends now, at the scheduled time, or at optimized times (K-4, K-6)', params: idParams, response: { 200: campaignSchema } },
    }, async (req) => as(campaignSchema)(approveCampaign(ctx, ws(req), req.params.id, actor(req))));
    r.post('/api/v1/campaigns/:id/reject', {
      config: { permission: 'approve' },
      schema: { tags, summary: 'Reject with a reason; the author edits it and prepares again', params: idParams, body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }), response: { 200: campaignSchema } },
    }, async (req) => as(campaignSchema)(rejectCampaign(ctx, ws(req), req.params.id, actor(req), req.body.reason)));
    r.post('/api/v1/campaigns/:id/cancel', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Cancel a scheduled campaign (nothing is sent), or stop a sending one (K-7)', params: idParams, response: { 200: cancelled } },
    }, async (req) => as(cancelled)(cancelCampaign(ctx, ws(req), req.params.id, actor(req))));
    r.post('/api/v1/campaigns/:id/pause', { config: { permission: 'write' }, schema: { tags, summary: 'Pause a sending campaign (K-7)', params: idParams, response: { 200: paused } } }, async (req) =>
      as(paused)(pauseCampaign(ctx, ws(req), req.params.id, actor(req))));
    r.post('/api/v1/campaigns/:id/resume', { config: { permission: 'write' }, schema: { tags, summary: 'Resume a paused campaign; pacing keeps its rhythm', params: idParams, response: { 200: resumed } } }, async (req) =>
      as(resumed)(resumeCampaign(ctx, ws(req), req.params.id, actor(req))));
    r.post('/api/v1/campaigns/:id/ab/winner', {
      config: { permission: 'write' },
      schema: { tags, summary: 'Pick the A/B winner by hand; the rest of the audience gets it', params: idParams, body: z.strictObject({ variant: z.string().max(20) }), response: { 200: picked } },
    }, async (req) => as(picked)(pickWinnerByHand(ctx, ws(req), req.params.id, req.body.variant, actor(req))));
    r.get('/api/v1/campaigns/:id/audit', { schema: { tags, summary: 'Who created, prepared, approved, rejected, paused… and when (K-6)', params: idParams, response: { 200: listOf(auditEntry) } } }, async (req) => {
      await store.getCampaign(ctx.db, ws(req), req.params.id);
      return { data: (await listAudit(ctx.db, ws(req), req.params.id)) as Out<typeof auditEntry>[] };
    });
    r.get('/api/v1/campaigns/:id/report', {
      schema: {
        tags,
        summary: 'Results (K-8): statuses, opens, clicks per link, per variant, per language, per hour and day, and the hold-out comparison on ?event within ?days',
        params: idParams,
        querystring: z.strictObject({ event: z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/).default('purchase'), days: z.coerce.number().int().min(1).max(365).default(14) }),
        response: { 200: campaignReportSchema },
      },
    }, async (req) => campaignReport(ctx.db, ws(req), await store.getCampaign(ctx.db, ws(req), req.params.id), { ...req.query, now: ctx.clock.now() }));

    r.get('/api/v1/approvals/pending', { schema: { tags, summary: 'Campaigns awaiting approval, for the home page (K-6)', response: { 200: listOf(pendingApproval) } } }, async (req) => ({ data: (await store.pendingApprovals(ctx.db, ws(req))) as Out<typeof pendingApproval>[] }));
    r.post('/api/v1/contacts/:id/resend', {
      config: { permission: 'write' },
      schema: { tags: ['contacts'], summary: "Send one of the contact's past messages again, now (C-6); consent applies", params: idParams, body: z.strictObject({ delivery_id: id }), response: { 202: resendResult } },
    }, async (req, reply) => reply.status(202).send(await resendDelivery(ctx, ws(req), req.params.id, req.body.delivery_id)));
  };
}
