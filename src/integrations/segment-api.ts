import { z } from 'zod';
import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { loadFieldDefs, updateContact, upsertContact, type FieldDef } from '../contacts/index.ts';
import { appendOnce, idText } from './commerce.ts';
import { contactForPerson, contactIdByEmail, validValues, workspaceUniqueKey, type Person } from './contact-match.ts';
import { ecommerceEvent, eventTypeOf, mapTraits } from './segment-traits.ts';

/**
 * Segment-style ingestion (P-1, C-3): `identify` and `track` as Segment's HTTP tracking API
 * defines them, so existing tracking code can point at Parcours. Objects are loose: Segment's
 * libraries add context, integrations, sentAt, _metadata… which are accepted and ignored.
 */
const userRef = z.union([z.string().max(500), z.number()]).nullable().optional();
const common = {
  userId: userRef,
  anonymousId: userRef,
  messageId: z.string().max(200).optional(),
  timestamp: z.string().max(40).optional(),
  context: z.looseObject({ traits: z.record(z.string(), z.unknown()).optional(), locale: z.string().max(35).optional(), timezone: z.string().max(64).optional() }).optional(),
};
export const trackCall = z.looseObject({ ...common, event: z.string().min(1).max(200), properties: z.record(z.string(), z.unknown()).optional() });
export const identifyCall = z.looseObject({ ...common, traits: z.record(z.string(), z.unknown()).optional() });
export const batchCall = z.looseObject({ batch: z.array(z.looseObject({ type: z.string().max(20) })).min(1).max(500) });
export const trackAnswer = z.object({
  type: z.literal('track'),
  event: z.string(),
  event_type: z.string().meta({ description: "the event type it was logged as ('Signed Up' → signed_up; 'Order Completed' → purchase)" }),
  contact_id: z.number().int().meta({ description: 'the contact it was recorded on (found by userId or email, or created)' }),
  status: z.enum(['recorded', 'duplicate']).meta({ description: 'duplicate: this messageId (or order) was recorded before' }),
}).meta({ id: 'SegmentTrackAnswer', description: 'What became of a track call.' });
export const identifyAnswer = z.object({
  type: z.literal('identify'),
  contact_id: z.number().int(),
  created: z.boolean().meta({ description: 'true when the call made a new contact' }),
  ignored_traits: z.array(z.string()).meta({ description: 'traits matching no standard or custom field: not stored' }),
  rejected_traits: z.array(z.object({ trait: z.string(), message: z.string().meta({ description: 'why its value was not stored' }) })).meta({ description: 'traits of a known field whose value did not fit it: not stored' }),
}).meta({ id: 'SegmentIdentifyAnswer', description: 'What became of an identify call.' });
export const batchAnswer = z.object({
  success: z.boolean().meta({ description: 'always true: calls are taken or skipped one by one' }),
  accepted: z.number().int().meta({ description: 'calls taken' }),
  skipped: z.array(z.object({ index: z.number().int(), reason: z.string() })).meta({ description: 'the calls not taken, by position in the batch' }),
  results: z.array(z.union([trackAnswer, identifyAnswer]).nullable()).meta({ description: 'one per call, in order; null for a skipped one' }),
}).meta({ id: 'SegmentBatchAnswer', description: 'What became of each call of a batch.' });
type Track = z.infer<typeof trackCall>;
type Identify = z.infer<typeof identifyCall>;

interface Env {
  uniqueKey: string;
  defs: Map<string, FieldDef>;
}

async function envOf(ctx: Ctx, ws: number): Promise<Env> {
  return { uniqueKey: await workspaceUniqueKey(ctx.db, ws), defs: await loadFieldDefs(ctx.db, ws) };
}

const skip = (reason: string): never => {
  throw new AppError('unprocessable', reason, [{ path: 'userId', message: reason }]);
};

async function knownIdentity(q: Queryable, ws: number, ids: (string | null)[]): Promise<number | null> {
  const list = ids.filter((x): x is string => !!x);
  if (list.length === 0) return null;
  const { rows } = await q.query<{ contact_id: number }>(sql`
    select contact_id from integration_identities where workspace_id = ${ws} and external_id = any(${list}::text[])
     order by array_position(${list}::text[], external_id) limit 1`);
  return rows[0]?.contact_id ?? null;
}

async function remember(ctx: Ctx, ws: number, ids: (string | null)[], contactId: number) {
  const list = [...new Set(ids.filter((x): x is string => !!x))];
  if (list.length === 0) return;
  await ctx.db.query(sql`
    insert into integration_identities (workspace_id, external_id, contact_id, created_at)
    select ${ws}, x, ${contactId}, ${ctx.clock.now()} from unnest(${list}::text[]) x
    on conflict (workspace_id, external_id) do update set contact_id = excluded.contact_id`);
}

/**
 * identify: a known userId updates its contact; else the unique key (userId when the key is a
 * custom field, the email trait otherwise) creates or updates one; else the contact of the
 * anonymousId or of the email trait is updated.
 */
export async function identify(ctx: Ctx, ws: number, m: Identify, env: Env) {
  const traits = { ...(m.context?.traits ?? {}), ...(m.traits ?? {}) };
  const { person, fields, ignored } = mapTraits(traits, env.defs);
  person.language ??= m.context?.locale ?? null;
  person.timezone ??= m.context?.timezone ?? null;
  const userId = idText(m.userId);
  const anonymousId = idText(m.anonymousId);
  if (env.uniqueKey !== 'email' && userId) fields[env.uniqueKey] = userId;
  const { values, rejected } = validValues({ ...person, fields }, env.defs);
  const keyed = env.uniqueKey === 'email' ? values.email : values.fields?.[env.uniqueKey];
  let contactId = await knownIdentity(ctx.db, ws, [userId]);
  let created = false;
  if (!contactId && keyed) {
    const r = await upsertContact(ctx, ws, values, { source: 'api' });
    contactId = r.contact.id as number;
    created = r.created;
  } else {
    contactId ??= (await knownIdentity(ctx.db, ws, [anonymousId])) ?? (values.email ? await contactIdByEmail(ctx.db, ws, values.email) : null);
    if (!contactId) skip(`unknown user: send traits.email${env.uniqueKey === 'email' ? '' : ` or a userId (this workspace's contacts are keyed by ${env.uniqueKey})`}`);
    if (Object.keys(values).length) await updateContact(ctx, ws, contactId!, values, { source: 'api' });
  }
  await remember(ctx, ws, [userId, anonymousId], contactId!);
  return { type: 'identify' as const, contact_id: contactId!, created, ignored_traits: ignored, rejected_traits: rejected.map((r) => ({ trait: r.path, message: r.message })) };
}

/** The contact a track call is about: the key, a known identity, or the email it carries (created if new). */
async function trackedContact(ctx: Ctx, ws: number, m: Track, env: Env): Promise<number | null> {
  const userId = idText(m.userId);
  if (env.uniqueKey !== 'email' && userId) {
    const { rows } = await ctx.db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws} and key = ${userId}`);
    if (rows[0]) return rows[0].id;
  }
  const known = await knownIdentity(ctx.db, ws, [userId, idText(m.anonymousId)]);
  if (known) return known;
  const traits = m.context?.traits ?? {};
  const email = traits.email ?? m.properties?.email;
  if (typeof email !== 'string') return null;
  const { person } = mapTraits(traits, new Map());
  return (await contactForPerson(ctx, ws, { ...person, email } as Person))?.id ?? null;
}

export async function track(ctx: Ctx, ws: number, m: Track, env: Env) {
  const mapped = eventTypeOf(m.event);
  if ('error' in mapped) throw new AppError('validation', `event: ${mapped.error}`, [{ path: 'event', message: mapped.error }]);
  const occurredAt = m.timestamp ? new Date(m.timestamp) : undefined;
  if (occurredAt && Number.isNaN(occurredAt.getTime())) throw new AppError('validation', 'timestamp: not an ISO 8601 time', [{ path: 'timestamp', message: 'not an ISO 8601 time' }]);
  const contactId = await trackedContact(ctx, ws, m, env);
  if (!contactId) skip('unknown user: identify this userId first, or send context.traits.email');
  const commerce = ecommerceEvent(m.event, m.properties ?? {});
  const type = commerce?.type ?? mapped.type;
  // an order counts once whatever delivers it; any other call once per messageId
  const key = commerce?.orderKey ? `segment:${commerce.orderKey}` : m.messageId ? `segment:${m.messageId}` : null;
  const status = await appendOnce(ctx, ws, key, { contactId: contactId!, type, data: commerce?.data ?? m.properties ?? {}, occurredAt });
  await remember(ctx, ws, [idText(m.userId), idText(m.anonymousId)], contactId!);
  return { type: 'track' as const, event: m.event, event_type: type, contact_id: contactId!, status };
}

export async function identifyOne(ctx: Ctx, ws: number, m: Identify) {
  return identify(ctx, ws, m, await envOf(ctx, ws));
}

export async function trackOne(ctx: Ctx, ws: number, m: Track) {
  return track(ctx, ws, m, await envOf(ctx, ws));
}

/**
 * A batch as Segment's libraries send it: each item on its own, so one bad call does not drop
 * the others; skipped items are reported by index. page, screen, group and alias are skipped.
 */
export async function ingestBatch(ctx: Ctx, ws: number, batch: { type: string }[]) {
  const env = await envOf(ctx, ws);
  const results: (Awaited<ReturnType<typeof track>> | Awaited<ReturnType<typeof identify>> | null)[] = [];
  const skipped: { index: number; reason: string }[] = [];
  for (const [index, raw] of batch.entries()) {
    try {
      const schema = raw.type === 'track' ? trackCall : raw.type === 'identify' ? identifyCall : null;
      if (!schema) throw new AppError('unprocessable', `type ${raw.type} is not supported (track, identify)`);
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new AppError('validation', `${i.path.join('.') || 'item'}: ${i.message}`);
      }
      results.push(raw.type === 'track' ? await track(ctx, ws, parsed.data as Track, env) : await identify(ctx, ws, parsed.data as Identify, env));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      skipped.push({ index, reason: err.message });
      results.push(null);
    }
  }
  return { success: true, accepted: batch.length - skipped.length, skipped, results };
}
