import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, id, listOf, ok, page, type Out } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { contactTimeline } from '../events/index.ts';
import * as c from './index.ts';
import { resolveContactIds } from './contacts.ts';
import { invalid, notFound } from '../errors.ts';
import { currentEngagement } from '../segments/index.ts';
import type { Queryable } from '../db/index.ts';
import * as out from './schemas.ts';

const text = (max = 500) => z.string().max(max).nullable().optional();
const fieldValue = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);
const proofSchema = z.strictObject({
  reason: z.string().trim().min(3).max(500).describe('Why consent may be given back, in words'),
  consented_at: z.iso.datetime({ offset: true }).or(z.iso.date()).describe('When the contact gave consent (ISO 8601)'),
  source: z.string().trim().min(2).max(100).describe('Where: paper form, phone call, event, …'),
});
const contactBody = z.strictObject({
  email: text(254),
  phone: text(40),
  first_name: text(),
  last_name: text(),
  language: text(35),
  timezone: text(64),
  birthday: text(40),
  fields: z.record(z.string().max(63), fieldValue).optional(),
  email_status: z.enum(['subscribed', 'unsubscribed']).optional(),
  sms_status: z.enum(['none', 'opted_in', 'opted_out']).optional(),
  list_ids: z.array(id).max(100).optional(),
  tags: z.array(z.string().max(100)).max(100).optional(),
  consent_proof: proofSchema.optional().describe('Required to re-subscribe a contact who unsubscribed, bounced or complained (or SMS opted out): the reason, when and where consent was given'),
});
const ids = z.array(id).min(1).max(10_000);
const tagList = z.array(z.string().max(100)).max(100);
const bulkBody = z.strictObject({
  action: z.enum(c.BULK_ACTIONS).optional().describe('What to do; consent is not changed in bulk (it needs who and why per contact)'),
  contact_ids: ids.optional().describe('The chosen contacts (up to 10,000); or give filter'),
  filter: z.strictObject({
    q: z.string().max(200).optional(),
    list_id: id.optional(),
    tag: z.string().max(100).optional(),
  }).optional().describe('Every contact matching this search (as GET /api/v1/contacts); {} is every contact'),
  tags: tagList.min(1).optional().describe('For tag and untag'),
  list_ids: z.array(id).min(1).max(100).optional().describe('For add_to_list and remove_from_list'),
  source: z.enum(['api', 'manual']).optional().describe('How list changes are recorded (default api)'),
  add_list_ids: z.array(id).max(100).optional(),
  remove_list_ids: z.array(id).max(100).optional(),
  add_tags: tagList.optional(),
  remove_tags: tagList.optional(),
});
const eventBody = z.strictObject({
  type: z.string().max(100),
  properties: z.record(z.string(), z.unknown()).optional(),
  occurred_at: z.string().max(40).optional(),
});
/** Who writes, for the consent history (issue 16): the logged-in user or the API key. */
const who = (req: FastifyRequest) => ({ ip: req.ip, actor: principal(req).actor });
const sourceOf = (s?: string) => (s === 'manual' ? 'manual' : 'api') as c.JoinSource;

export function contactRoutes(ctx: Ctx) {
  return (r: Router) => {
    // contacts (C-1)
    r.get('/api/v1/contacts', {
      schema: {
        tags: ['contacts'],
        summary: 'Contacts in a sort order (newest first by default): search by email or name, filter by list or tag; with the total and the page position',
        description: `\`total\` is exact up to ${c.COUNT_CAP.toLocaleString('en')} matching contacts; beyond, \`total_exact\` is false and \`total\` is that cap ("${c.COUNT_CAP.toLocaleString('en')}+"). \`offset\` is the position of the page's first contact.`,
        querystring: page.extend({
          cursor: z.string().max(1000).optional(),
          q: z.string().max(200).optional(),
          list_id: z.coerce.number().int().positive().optional(),
          tag: z.string().max(100).optional(),
          sort: z.enum(c.CONTACT_SORTS).default('-created_at').describe('created_at or email; a leading - is descending'),
        }),
        response: { 200: out.contactPage },
      },
    }, async (req) => {
      const { limit, cursor, q, list_id: listId, tag, sort } = req.query;
      return (await c.listContacts(ctx.db, principal(req).workspaceId, { limit, cursor, q, listId, tag, sort })) as Out<typeof out.contactPage>; // rows of untyped SQL
    });

    r.post('/api/v1/contacts', {
      config: { permission: 'write' },
      schema: {
        tags: ['contacts'],
        summary: 'Create a contact (409 when its unique key exists)',
        body: contactBody,
        querystring: z.strictObject({ source: z.enum(['api', 'manual']).optional().describe('How list joins are recorded (default api)') }),
        response: { 201: out.contact },
      },
    }, async (req, reply) => {
      const { consent_proof: proof, ...input } = req.body;
      return reply.status(201).send((await c.createContact(ctx, principal(req).workspaceId, input, { source: sourceOf(req.query.source), ...who(req), proof })) as Out<typeof out.contact>);
    });

    r.post('/api/v1/contacts/upsert', {
      config: { permission: 'write' },
      schema: {
        tags: ['contacts'],
        summary: 'Create a contact (201) or update the one with the same unique key (200)',
        body: contactBody,
        response: { 200: out.contact, 201: out.contact },
      },
    }, async (req, reply) => {
      const { consent_proof: proof, ...input } = req.body;
      const res = await c.upsertContact(ctx, principal(req).workspaceId, input, { source: 'api', ...who(req), proof });
      return reply.status(res.created ? 201 : 200).send(res.contact as Out<typeof out.contact>);
    });

    r.get('/api/v1/contacts/:id', {
      schema: { tags: ['contacts'], summary: 'A contact with its lists, tags and engagement level (C-6)', params: idParams, response: { 200: out.contactRecord } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const contact = await c.getContact(ctx.db, ws, req.params.id);
      // the level is the engagement module's (segments); the record shows it beside the rest
      return { ...contact, engagement: await currentEngagement(ctx.db, ws, req.params.id) } as Out<typeof out.contactRecord>; // a row of untyped SQL
    });

    r.patch('/api/v1/contacts/:id', {
      config: { permission: 'write' },
      schema: { tags: ['contacts'], summary: 'Update fields, consent, and add lists and tags', params: idParams, body: contactBody, response: { 200: out.contact } },
    }, async (req) => {
      const { consent_proof: proof, ...input } = req.body;
      return (await c.updateContact(ctx, principal(req).workspaceId, req.params.id, input, { source: 'api', ...who(req), proof })) as Out<typeof out.contact>;
    });

    r.delete('/api/v1/contacts/:id', {
      config: { permission: 'write' },
      schema: { tags: ['contacts'], summary: 'Delete a contact with its history, memberships and tags', params: idParams, response: { 200: ok } },
    }, async (req) => {
      await c.deleteContact(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.post('/api/v1/contacts/:id/consent', {
      config: { permission: 'write' },
      schema: {
        tags: ['contacts'],
        summary: 'Set email or SMS consent; each change is kept in the consent history (C-4)',
        params: idParams,
        body: z.discriminatedUnion('channel', [
          z.strictObject({ channel: z.literal('email'), status: z.enum(c.EMAIL_STATUSES), source: z.string().max(50).default('api'), reason: z.string().max(500).optional(), proof: proofSchema.optional() }),
          z.strictObject({ channel: z.literal('sms'), status: z.enum(c.SMS_STATUSES), source: z.string().max(50).default('api'), reason: z.string().max(500).optional(), proof: proofSchema.optional() }),
        ]).describe('Re-subscribing a contact who unsubscribed, bounced or complained (SMS: opted out) takes `proof`'),
        response: { 200: out.contactDetail },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      await ctx.db.tx(async (tx) => {
        await resolveContactIdsOr404(tx, ws, req.params.id);
        const { proof, reason, ...change } = req.body;
        await c.setConsent(tx, ctx.clock.now(), ws, req.params.id, { ...change, ...who(req), proof, reason: reason ?? proof?.reason ?? null });
      });
      return (await c.getContact(ctx.db, ws, req.params.id)) as Out<typeof out.contactDetail>;
    });

    r.get('/api/v1/contacts/:id/consent-history', {
      schema: { tags: ['contacts'], summary: "The contact's consent changes, newest first: who, when, why and on what proof (C-4)", params: idParams, response: { 200: listOf(out.consentEntry) } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      await resolveContactIdsOr404(ctx.db, ws, req.params.id);
      return { data: (await c.consentHistory(ctx.db, ws, req.params.id)) as Out<typeof out.consentEntry>[] };
    });

    r.get('/api/v1/contacts/:id/events', {
      schema: {
        tags: ['contacts'],
        summary: "The contact's timeline, newest first",
        params: idParams,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          before: z.coerce.number().int().positive().optional().describe('an event id: the events before it (next_before of the previous page)'),
        }),
        response: { 200: out.timelinePage },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      await resolveContactIdsOr404(ctx.db, ws, req.params.id);
      const data = (await contactTimeline(ctx.db, ws, req.params.id, req.query.limit, req.query.before)) as Out<typeof out.timelinePage>['data'];
      return { data, next_before: data.length === req.query.limit ? data[data.length - 1].id : null };
    });

    r.post('/api/v1/contacts/:id/events', {
      config: { permission: 'write' },
      schema: { tags: ['events'], summary: 'Record a custom event for this contact (C-3)', params: idParams, body: eventBody, response: { 202: out.accepted } },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      await resolveContactIdsOr404(ctx.db, ws, req.params.id);
      await c.trackEvents(ctx, ws, [{ ...req.body, contact_id: req.params.id }]);
      return reply.status(202).send({ accepted: 1 });
    });

    r.post('/api/v1/events', {
      config: { permission: 'write' },
      schema: {
        tags: ['events'],
        summary: 'Record up to 5,000 custom events at once, all or none',
        body: z.strictObject({
          events: z.array(eventBody.extend({ contact_id: id.optional(), contact_key: z.string().max(500).optional(), email: z.string().max(254).optional() })).min(1).max(5000),
        }),
        response: { 202: out.accepted },
      },
    }, async (req, reply) => reply.status(202).send(await c.trackEvents(ctx, principal(req).workspaceId, req.body.events)));

    r.post('/api/v1/contacts/bulk', {
      config: { permission: 'write' },
      schema: {
        tags: ['contacts'],
        summary: 'Tag, untag, add to or remove from lists, or delete many contacts: chosen ones or all matching a filter',
        description: `With \`action\`: the contacts are \`contact_ids\` or every contact matching \`filter\` (as GET /api/v1/contacts filters; \`{}\` is every contact) when the request starts. The work is done in batches of ${c.BULK_BATCH.toLocaleString('en')} contacts, each its own transaction, with the same events as the single-contact routes; a retry (use Idempotency-Key) completes what an interrupted request left. Without \`action\` (the older form): \`contact_ids\` with add/remove lists and tags, all in one transaction.`,
        body: bulkBody,
        response: { 200: out.bulkAnswer },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const b = req.body;
      if (b.action) {
        for (const k of ['add_list_ids', 'remove_list_ids', 'add_tags', 'remove_tags'] as const)
          if (b[k]) throw invalid(k, 'not used with action: use tags or list_ids');
        const filter = b.filter && { q: b.filter.q, listId: b.filter.list_id, tag: b.filter.tag };
        return c.bulkContacts(ctx, ws, { action: b.action, tags: b.tags, list_ids: b.list_ids, contact_ids: b.contact_ids, filter, source: b.source });
      }
      if (!b.contact_ids) throw invalid('action', 'required (or contact_ids with add_tags, remove_tags, add_list_ids, remove_list_ids)');
      for (const k of ['tags', 'list_ids', 'filter', 'source'] as const) if (b[k] !== undefined) throw invalid(k, 'only used with action');
      const contactIds = b.contact_ids;
      return ctx.db.tx(async (tx) => {
        const now = ctx.clock.now();
        await resolveContactIds(tx, ws, contactIds, 'contact_ids');
        await c.assertLists(tx, ws, b.add_list_ids ?? [], 'add_list_ids');
        await c.assertLists(tx, ws, b.remove_list_ids ?? [], 'remove_list_ids');
        const addTags = (b.add_tags ?? []).map((t, i) => c.checkTag(t, `add_tags[${i}]`));
        return {
          lists_joined: await c.joinLists(tx, now, ws, contactIds, b.add_list_ids ?? [], 'api'),
          lists_left: await c.leaveLists(tx, now, ws, contactIds, b.remove_list_ids ?? []),
          tags_added: await c.addTags(tx, now, ws, contactIds, addTags),
          tags_removed: await c.removeTags(tx, now, ws, contactIds, b.remove_tags ?? []),
        };
      });
    });

    // custom fields
    const ftags = ['fields'];
    type Field = Out<typeof out.field>;
    r.get('/api/v1/fields', { schema: { tags: ftags, summary: 'Custom fields', response: { 200: listOf(out.field) } } }, async (req) => ({
      data: (await c.listFields(ctx.db, principal(req).workspaceId)) as Field[],
    }));
    r.post('/api/v1/fields', {
      config: { permission: 'write' },
      schema: {
        tags: ftags,
        summary: 'Create a custom field (409 when the key exists)',
        body: z.strictObject({
          key: z.string().max(63).describe('lower-case letters, digits and _, starting with a letter; not a standard field name'),
          label: z.string().trim().min(1).max(200).optional().describe('shown in the UI; the key by default'),
          type: z.enum(['text', 'number', 'date', 'boolean']),
        }),
        response: { 201: out.field },
      },
    }, async (req, reply) => reply.status(201).send((await ctx.db.tx((tx) => c.createField(tx, ctx.clock, principal(req).workspaceId, req.body))) as Field));
    const keyParams = z.strictObject({ key: z.string().max(63) });
    r.patch('/api/v1/fields/:key', {
      config: { permission: 'write' },
      schema: { tags: ftags, summary: "Change a custom field's label (its key and type stay)", params: keyParams, body: z.strictObject({ label: z.string().trim().min(1).max(200) }), response: { 200: out.field } },
    }, async (req) => (await c.updateField(ctx.db, principal(req).workspaceId, req.params.key, req.body.label)) as Field);
    r.delete('/api/v1/fields/:key', {
      config: { permission: 'write' },
      schema: { tags: ftags, summary: "Delete a custom field and every contact's value of it (409 while it is the unique key)", params: keyParams, response: { 200: ok } },
    }, async (req) => {
      await ctx.db.tx((tx) => c.deleteField(tx, ctx.clock, principal(req).workspaceId, req.params.key));
      return { ok: true };
    });

    // lists
    const ltags = ['lists'];
    type List = Out<typeof out.list>;
    const listBody = z.strictObject({ name: z.string().trim().min(1).max(200).describe('unique in the workspace'), description: z.string().max(2000).optional() });
    r.get('/api/v1/lists', { schema: { tags: ltags, summary: 'Lists with their member counts', response: { 200: listOf(out.list) } } }, async (req) => ({
      data: (await c.listLists(ctx.db, principal(req).workspaceId)) as List[],
    }));
    r.post('/api/v1/lists', { config: { permission: 'write' }, schema: { tags: ltags, summary: 'Create a list (409 when the name exists)', body: listBody, response: { 201: out.list } } }, async (req, reply) =>
      reply.status(201).send((await c.createList(ctx.db, ctx.clock, principal(req).workspaceId, req.body)) as List));
    r.get('/api/v1/lists/:id', { schema: { tags: ltags, summary: 'A list with its member count', params: idParams, response: { 200: out.list } } }, async (req) =>
      (await c.getList(ctx.db, principal(req).workspaceId, req.params.id)) as List);
    r.patch('/api/v1/lists/:id', {
      config: { permission: 'write' },
      schema: { tags: ltags, summary: 'Rename a list or change its description', params: idParams, body: listBody.partial(), response: { 200: out.list } },
    }, async (req) => (await c.updateList(ctx.db, principal(req).workspaceId, req.params.id, req.body)) as List);
    r.delete('/api/v1/lists/:id', {
      config: { permission: 'write' },
      schema: { tags: ltags, summary: 'Delete a list (its contacts stay)', params: idParams, response: { 200: ok } },
    }, async (req) => {
      await c.deleteList(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });
    r.post('/api/v1/lists/:id/members', {
      config: { permission: 'write' },
      schema: {
        tags: ltags,
        summary: 'Add contacts to the list (list.joined for each new member)',
        params: idParams,
        body: z.strictObject({ contact_ids: ids, source: z.enum(['api', 'manual']).default('api').describe('How the joins are recorded') }),
        response: { 200: out.membersAdded },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      return ctx.db.tx(async (tx) => {
        await c.assertLists(tx, ws, [req.params.id], 'id').catch(() => {
          throw notFoundList();
        });
        await resolveContactIds(tx, ws, req.body.contact_ids, 'contact_ids');
        return { added: await c.joinLists(tx, ctx.clock.now(), ws, req.body.contact_ids, [req.params.id], req.body.source) };
      });
    });
    r.delete('/api/v1/lists/:id/members/:contactId', {
      config: { permission: 'write' },
      schema: { tags: ltags, summary: 'Remove a contact from the list (list.left)', params: z.strictObject({ id: idParams.shape.id, contactId: idParams.shape.id }), response: { 200: ok } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const n = await ctx.db.tx((tx) => c.leaveLists(tx, ctx.clock.now(), ws, [req.params.contactId], [req.params.id]));
      if (n === 0) throw notFoundMember();
      return { ok: true };
    });

    // tags
    const ttags = ['tags'];
    r.get('/api/v1/tags', { schema: { tags: ttags, summary: 'Tags in use, with their contact counts', response: { 200: listOf(out.tag) } } }, async (req) => ({
      data: (await c.listTags(ctx.db, principal(req).workspaceId)) as Out<typeof out.tag>[],
    }));
    const tagParams = z.strictObject({ tag: z.string().min(1).max(100) });
    r.patch('/api/v1/tags/:tag', {
      config: { permission: 'write' },
      schema: { tags: ttags, summary: 'Rename a tag on every contact (tag.removed and tag.added are logged)', params: tagParams, body: z.strictObject({ name: z.string().max(100).describe('the new name') }), response: { 200: out.tagChanged } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      return { contacts: await ctx.db.tx((tx) => c.renameTag(tx, ctx.clock.now(), ws, req.params.tag, req.body.name)) };
    });
    r.delete('/api/v1/tags/:tag', {
      config: { permission: 'write' },
      schema: { tags: ttags, summary: 'Remove a tag from every contact', params: tagParams, response: { 200: out.tagChanged } },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      const n = await ctx.db.tx((tx) => c.removeTags(tx, ctx.clock.now(), ws, 'all', [req.params.tag]));
      if (n === 0) throw notFoundTag();
      return { contacts: n };
    });
  };
}

const notFoundList = () => notFound('list');
const notFoundMember = () => notFound('list member');
const notFoundTag = () => notFound('tag');
async function resolveContactIdsOr404(q: Queryable, ws: number, id: number) {
  await resolveContactIds(q, ws, [id], 'id').catch(() => {
    throw notFound('contact');
  });
}
