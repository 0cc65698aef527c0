import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { appendEvents } from '../events/index.ts';
import { setConsent } from '../contacts/index.ts';
import { eventData } from './outcomes.ts';
import { deliveryOfMessageId, type DeliveryRow } from './compose.ts';

async function deliveryRow(q: Queryable, workspaceId: number, id: number): Promise<DeliveryRow | null> {
  const { rows } = await q.query<DeliveryRow>(sql`
    select workspace_id, id, contact_id, message_id, channel, to_address, campaign_id, journey_id, step_id, transactional, status
      from deliveries where workspace_id = ${workspaceId} and id = ${id}`);
  return rows[0] ?? null;
}

/** Opens and clicks (M-3), logged for segments, journeys and reports. */
export async function recordEngagement(ctx: Ctx, workspaceId: number, deliveryId: number, kind: 'opened' | 'clicked', url?: string) {
  const d = await deliveryRow(ctx.db, workspaceId, deliveryId);
  if (!d || !d.contact_id) return false;
  await ctx.db.tx(async (tx) => {
    await appendEvents(tx, ctx.clock.now(), [
      { workspaceId, contactId: d.contact_id, type: `message.${kind}`, data: eventData(d, url ? { url } : {}) },
    ]);
    // an engaged address is a working one: its soft-bounce streak ends
    await tx.query(sql`update contacts set soft_bounces = 0 where workspace_id = ${workspaceId} and id = ${d.contact_id} and soft_bounces > 0`);
  });
  return true;
}

/** The unsubscribe link and RFC 8058 one-click POST: consent off, history and event kept. */
export async function unsubscribeFromDelivery(ctx: Ctx, workspaceId: number, deliveryId: number, contactId: number | null, ip?: string) {
  if (!contactId) return false;
  const d = await deliveryRow(ctx.db, workspaceId, deliveryId);
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const changed = await setConsent(tx, now, workspaceId, contactId, { channel: 'email', status: 'unsubscribed', source: 'unsubscribe_link', ip });
    if (changed && d) await appendEvents(tx, now, [{ workspaceId, contactId, type: 'message.unsubscribed', data: eventData(d) }]);
    return changed;
  });
}

export interface BounceReport {
  email?: string;
  deliveryId?: number;
  /** The Message-ID of the message reported on, as the report quotes it. */
  messageId?: string;
  /** Who reported it (the API key of the webhook), kept in the consent history. */
  actor?: string;
  type: 'hard' | 'soft' | 'complaint' | 'delivered';
  reason?: string;
}

/** The delivery a report names: by id, else by a Message-ID of this install and workspace. */
function reportedDelivery(ctx: Ctx, workspaceId: number, b: BounceReport): number | undefined {
  if (b.deliveryId) return b.deliveryId;
  const m = b.messageId ? deliveryOfMessageId(ctx.secret, b.messageId) : null;
  return m && m.workspaceId === workspaceId ? m.deliveryId : undefined;
}

/** The last marketing or journey email the address received (of the given contacts). */
async function lastReceived(q: Queryable, workspaceId: number, contactIds: number[], address: string): Promise<DeliveryRow | null> {
  if (!contactIds.length) return null;
  const { rows } = await q.query<DeliveryRow>(sql`
    select workspace_id, id, contact_id, message_id, channel, to_address, campaign_id, journey_id, step_id, transactional, status
      from deliveries
     where workspace_id = ${workspaceId} and contact_id = any(${contactIds}::bigint[]) and channel = 'email'
       and lower(to_address) = ${address} and status in ('sent', 'bounced') and sent_at is not null
     order by sent_at desc, id desc limit 1`);
  return rows[0] ?? null;
}

/**
 * Bounce and complaint intake (M-3, C-4): a hard bounce or three soft bounces in a row make
 * the address bounced, a complaint makes it complained; all three suppress marketing email.
 * A delivery report, an open or a click ends a soft-bounce streak. A complaint that names only
 * the address is about the last message the address received: it counts in that campaign.
 */
export async function recordBounce(ctx: Ctx, workspaceId: number, b: BounceReport): Promise<{ matched: boolean; status?: string }> {
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const deliveryId = reportedDelivery(ctx, workspaceId, b);
    let d = deliveryId ? await deliveryRow(tx, workspaceId, deliveryId) : null;
    if (b.type === 'delivered') {
      // the receiving server accepted it (a provider's delivery report): logged, nothing suppressed,
      // and the address works: its soft-bounce streak ends
      const address = (d?.to_address ?? b.email ?? '').toLowerCase();
      if (d?.contact_id || address)
        await tx.query(sql`
          update contacts set soft_bounces = 0
           where workspace_id = ${workspaceId} and ${d?.contact_id ? sql`id = ${d.contact_id}` : sql`lower(email) = ${address}`} and soft_bounces > 0`);
      if (d?.contact_id) await appendEvents(tx, now, [{ workspaceId, contactId: d.contact_id, type: 'message.delivered', data: eventData(d) }]);
      return { matched: !!d };
    }
    const address = (d?.to_address ?? b.email ?? '').toLowerCase();
    if (!address) return { matched: false };
    const { rows } = await tx.query<{ id: number; soft_bounces: number }>(sql`
      update contacts set soft_bounces = case when ${b.type} = 'soft' then soft_bounces + 1 else soft_bounces end
       where workspace_id = ${workspaceId} and ${d?.contact_id ? sql`id = ${d.contact_id}` : sql`lower(email) = ${address}`}
      returning id, soft_bounces`);
    if (!d && b.type === 'complaint') d = await lastReceived(tx, workspaceId, rows.map((r) => r.id), address);
    const suppress = b.type === 'hard' || b.type === 'complaint' || rows.some((r) => r.soft_bounces >= 3);
    const status = b.type === 'complaint' ? 'complained' : 'bounced';
    if (suppress) {
      await tx.query(sql`
        insert into suppressions (workspace_id, address, reason, created_at) values (${workspaceId}, ${address}, ${status}, ${now})
        on conflict (workspace_id, address) do update set reason = excluded.reason`);
      const why = b.reason ?? (b.type === 'complaint' ? 'spam complaint' : b.type === 'hard' ? 'hard bounce' : 'three soft bounces in a row');
      for (const r of rows) await setConsent(tx, now, workspaceId, r.id, { channel: 'email', status, source: b.type === 'complaint' ? 'complaint' : 'bounce', actor: b.actor ?? null, reason: why });
    }
    if (d && b.type !== 'complaint') await tx.query(sql`update deliveries set status = 'bounced', last_error = ${b.reason ?? b.type}, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${d.id}`);
    const contactId = d?.contact_id ?? rows[0]?.id ?? null;
    if (contactId) {
      const type = b.type === 'complaint' ? 'message.complained' : 'message.bounced';
      const data = d ? eventData(d, { bounce_type: b.type, reason: b.reason }) : { bounce_type: b.type, reason: b.reason, channel: 'email' };
      await appendEvents(tx, now, [{ workspaceId, contactId, type, data }]);
    }
    return { matched: rows.length > 0 || !!d, status: suppress ? status : undefined };
  });
}

export async function listSuppressions(q: Queryable, workspaceId: number, limit: number) {
  const { rows } = await q.query(sql`select address, reason, created_at from suppressions where workspace_id = ${workspaceId} order by created_at desc limit ${limit}`);
  return rows;
}

export async function suppress(q: Queryable, now: Date, workspaceId: number, address: string) {
  await q.query(sql`
    insert into suppressions (workspace_id, address, reason, created_at) values (${workspaceId}, ${address.toLowerCase()}, 'manual', ${now})
    on conflict do nothing`);
}

export async function unsuppress(q: Queryable, workspaceId: number, address: string) {
  const r = await q.query(sql`delete from suppressions where workspace_id = ${workspaceId} and address = ${address.toLowerCase()}`);
  return r.rowCount > 0;
}
