import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { appendEvents } from '../events/index.ts';
import { isEmail } from '../contacts/index.ts';
import { contactForPerson, type Person } from './contact-match.ts';

/**
 * The events a shop produces, whatever the shop (C-3, J-4). Journeys, segments and revenue
 * reports read these data shapes:
 *   purchase          { order_id, order_number?, total, currency, items, source, placed_at? }
 *   cart.updated      { cart_id, checkout_id, total, currency, items, recovery_url, source }
 *   checkout.started  same as cart.updated
 *   order.refunded    { order_id, refund_id, total, currency, items, source }
 * with items [{ product_id, sku, name, quantity, price }] and money as numbers.
 */
export interface Item {
  product_id: string | null;
  sku: string | null;
  name: string;
  quantity: number;
  price: number;
}

export interface CommerceInput {
  type: string;
  /** Unique per connection for what this event records (an order, a refund, a checkout state). */
  key: string | null;
  /** Who: a person with an email, or the contact of an earlier purchase of this order. */
  contact: Person | { order_id: string };
  data: Record<string, unknown>;
  occurredAt?: Date;
}

export type IngestResult =
  | { status: 'recorded'; type: string; contact_id: number }
  | { status: 'duplicate'; type: string }
  | { status: 'ignored'; type: string; reason: string };

/** A platform amount ("404.95", 12, null) as a number; unparsable amounts count as 0. */
export function money(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? Math.round(n * 100) / 100 : 0;
}

/** The objects of a payload's array (a list item may be null, a number, junk): the rest are skipped. */
export function records(list: unknown): Record<string, any>[] {
  return Array.isArray(list) ? list.filter((x): x is Record<string, any> => !!x && typeof x === 'object' && !Array.isArray(x)) : [];
}

export const idText = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

export function item(product: unknown, sku: unknown, name: unknown, quantity: unknown, price: unknown): Item {
  const q = Number(quantity);
  return {
    product_id: idText(product),
    sku: typeof sku === 'string' && sku !== '' ? sku : null,
    name: typeof name === 'string' ? name : String(name ?? ''),
    quantity: Number.isFinite(q) ? q : 1,
    price: money(price),
  };
}

/**
 * JSON.parse, except that integers beyond 2^53 stay exact as strings: Shopify ids such as
 * 820982911946154508 would otherwise be rounded, and two orders could share one id.
 */
export function parseJsonExact(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))!;
      const token = m[0];
      const big = !m[1] && !m[2] && token.replace('-', '').length > 15 && !Number.isSafeInteger(Number(token));
      out += big ? `"${token}"` : token;
      i += token.length - 1;
      continue;
    }
    out += c;
  }
  return JSON.parse(out);
}

async function contactOfOrder(ctx: Ctx, workspaceId: number, orderId: string, source: unknown): Promise<number | null> {
  const { rows } = await ctx.db.query<{ contact_id: number }>(sql`
    select contact_id from events
     where workspace_id = ${workspaceId} and type = 'purchase' and data ->> 'order_id' = ${orderId}
       and data ->> 'source' = ${String(source)} and contact_id is not null
     order by id desc limit 1`);
  return rows[0]?.contact_id ?? null;
}

/**
 * Records one commerce event for a connection: the contact is found or created by email, and
 * the event is appended with its receipt key in one transaction, so a redelivered webhook
 * (same order, same refund, same checkout state) records nothing twice.
 */
export async function ingest(ctx: Ctx, conn: { workspace_id: number; id: number }, input: CommerceInput): Promise<IngestResult> {
  const ws = conn.workspace_id;
  const key = input.key ? `c${conn.id}:${input.key}` : null;
  if (key) {
    const seen = await ctx.db.query(sql`select 1 from integration_receipts where workspace_id = ${ws} and key = ${key}`);
    if (seen.rows.length) return { status: 'duplicate', type: input.type };
  }
  const contactId =
    'order_id' in input.contact
      ? await contactOfOrder(ctx, ws, input.contact.order_id, input.data.source)
      : (await contactForPerson(ctx, ws, input.contact))?.id ?? null;
  if (!contactId) {
    const reason =
      'order_id' in input.contact ? `no purchase recorded for order ${input.contact.order_id}`
      : input.contact.email && isEmail(input.contact.email.trim()) ? "no contact has this email, and this workspace's contacts are keyed by a custom field"
      : 'no usable email address for the contact';
    return { status: 'ignored', type: input.type, reason };
  }
  const r = await appendOnce(ctx, ws, key, { contactId, type: input.type, data: input.data, occurredAt: input.occurredAt }, (tx, now) =>
    tx.query(sql`update integration_connections set last_received_at = ${now} where workspace_id = ${ws} and id = ${conn.id}`));
  return r === 'duplicate' ? { status: 'duplicate', type: input.type } : { status: 'recorded', type: input.type, contact_id: contactId };
}

/**
 * Appends one event unless its receipt key was already used: key and event commit together,
 * so a redelivery records nothing and a crash leaves neither.
 */
export async function appendOnce(
  ctx: Ctx,
  workspaceId: number,
  key: string | null,
  event: { contactId: number; type: string; data: unknown; occurredAt?: Date },
  also?: (tx: Queryable, now: Date) => Promise<unknown>,
): Promise<'recorded' | 'duplicate'> {
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    if (key) {
      const fresh = await tx.query(sql`
        insert into integration_receipts (workspace_id, key, created_at) values (${workspaceId}, ${key}, ${now})
        on conflict do nothing returning key`);
      if (fresh.rows.length === 0) return 'duplicate';
    }
    await appendEvents(tx, now, [{ workspaceId, contactId: event.contactId, type: event.type, data: event.data, occurredAt: event.occurredAt ?? now }]);
    await also?.(tx, now);
    return 'recorded';
  });
}
