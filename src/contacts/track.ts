import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, type ErrorDetail } from '../errors.ts';
import { appendEvents } from '../events/index.ts';

const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const RESERVED = ['contact.', 'list.', 'tag.', 'consent.', 'message.', 'segment.', 'journey.'];

export interface TrackInput {
  contact_id?: number;
  contact_key?: string;
  email?: string;
  type: string;
  properties?: Record<string, unknown>;
  occurred_at?: string;
}

/**
 * Records custom events (C-3) for contacts named by id, unique key or email, all or none:
 * one bad item rejects the batch with the item's index in the error path.
 */
export async function trackEvents(ctx: Ctx, workspaceId: number, items: TrackInput[], at = 'events') {
  const errors: ErrorDetail[] = [];
  const now = ctx.clock.now();
  items.forEach((e, i) => {
    if (!TYPE.test(e.type)) errors.push({ path: `${at}[${i}].type`, message: 'letters, digits and _ . : - (starting with a letter), up to 100' });
    else if (RESERVED.some((p) => e.type.startsWith(p))) errors.push({ path: `${at}[${i}].type`, message: `the ${e.type.split('.')[0]}. prefix is reserved for Parcours events` });
    if (e.occurred_at !== undefined && Number.isNaN(Date.parse(e.occurred_at)))
      errors.push({ path: `${at}[${i}].occurred_at`, message: 'not an ISO 8601 time' });
    if (e.contact_id === undefined && e.contact_key === undefined && e.email === undefined)
      errors.push({ path: `${at}[${i}]`, message: 'name the contact with contact_id, contact_key or email' });
  });
  if (errors.length) throw new AppError('validation', errors[0].message, errors);
  return ctx.db.tx(async (tx) => {
    // one lookup for the whole batch: ids, keys and emails resolved together
    const { rows } = await tx.query<{ i: number; id: number | null }>(sql`
      select u.i::int, (select c.id from contacts c
                         where c.workspace_id = ${workspaceId}
                           and (c.id = u.cid or c.key = u.ckey or (u.email is not null and lower(c.email) = lower(u.email)))
                         order by c.id limit 1) as id
        from unnest(${items.map((e) => e.contact_id ?? null)}::bigint[], ${items.map((e) => e.contact_key ?? null)}::text[],
                    ${items.map((e) => e.email ?? null)}::text[]) with ordinality as u(cid, ckey, email, i)`);
    const ids = new Array<number | null>(items.length);
    for (const r of rows) ids[r.i - 1] = r.id;
    const missing = ids.map((id, i) => ({ id, i })).filter((x) => x.id === null);
    if (missing.length)
      throw new AppError('validation', `${at}[${missing[0].i}]: no such contact`, missing.slice(0, 100).map((m) => ({ path: `${at}[${m.i}]`, message: 'no such contact in this workspace' })));
    await appendEvents(
      tx,
      now,
      items.map((e, i) => ({
        workspaceId,
        contactId: ids[i],
        type: e.type,
        data: e.properties ?? {},
        occurredAt: e.occurred_at ? new Date(e.occurred_at) : now,
      })),
    );
    return { accepted: items.length };
  });
}
