import type { FieldDef } from '../contacts/index.ts';
import { idText, item, money, records } from './commerce.ts';
import type { Person } from './contact-match.ts';

/**
 * Segment's identify traits → contact values: reserved traits to standard fields, other traits
 * to custom fields of the same key (or its snake_case: loyaltyTier → loyalty_tier). Traits
 * that match nothing are reported, never stored.
 */
const STANDARD: Record<string, keyof Person> = {
  email: 'email',
  firstName: 'first_name',
  first_name: 'first_name',
  lastName: 'last_name',
  last_name: 'last_name',
  phone: 'phone',
  birthday: 'birthday',
  language: 'language',
  timezone: 'timezone',
};

const snake = (k: string) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_').toLowerCase();

export function mapTraits(traits: Record<string, unknown>, defs: Map<string, FieldDef>) {
  const person: Person = {};
  const fields: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(traits)) {
    const std = STANDARD[k];
    if (std) {
      if (typeof v === 'string' || typeof v === 'number') (person as Record<string, unknown>)[std] = String(v);
      else ignored.push(k);
    } else if (defs.has(k) || defs.has(snake(k))) {
      fields[defs.has(k) ? k : snake(k)] = v;
    } else if (k !== 'name') {
      ignored.push(k);
    }
  }
  // Segment's `name` fills first and last name when they are not given apart
  if (typeof traits.name === 'string' && !person.first_name && !person.last_name) {
    const [first, ...rest] = traits.name.trim().split(/\s+/);
    person.first_name = first || null;
    person.last_name = rest.join(' ') || null;
  } else if ('name' in traits && !defs.has('name')) ignored.push('name');
  return { person, fields, ignored };
}

const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const RESERVED = ['contact.', 'list.', 'tag.', 'consent.', 'message.', 'segment.', 'journey.'];

/** A Segment event name as an event type: kept when valid, else slugged ("Signed Up" → "signed_up"). */
export function eventTypeOf(name: string): { type: string } | { error: string } {
  let type = name.trim();
  if (!TYPE.test(type)) {
    type = type.toLowerCase().replace(/[^a-z0-9_.:-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 100);
    if (!/^[a-z]/.test(type)) type = `e_${type}`.slice(0, 100);
  }
  if (RESERVED.some((p) => type.startsWith(p))) return { error: `the ${type.split('.')[0]}. prefix is reserved for Parcours events` };
  return { type };
}

type Props = Record<string, any>;
const products = (p: Props) => records(p.products).map((x: Props) => item(x.product_id ?? x.id, x.sku, x.name, x.quantity ?? 1, x.price));
const currency = (p: Props) => (typeof p.currency === 'string' ? p.currency.toUpperCase() : null);

/**
 * Segment's Ecommerce spec events become the commerce events journeys and segments read:
 * Order Completed → purchase, Checkout Started → checkout.started, Order Refunded → order.refunded.
 */
export function ecommerceEvent(name: string, p: Props): { type: string; data: Record<string, unknown>; orderKey: string | null } | null {
  switch (name) {
    case 'Order Completed': {
      const orderId = idText(p.order_id);
      const data = { ...p, order_id: orderId, total: money(p.total ?? p.revenue), currency: currency(p), items: products(p), source: 'api' };
      delete (data as Props).products;
      return { type: 'purchase', data, orderKey: orderId ? `purchase:${orderId}` : null };
    }
    case 'Checkout Started': {
      const id = idText(p.checkout_id ?? p.cart_id ?? p.order_id);
      const data = { ...p, cart_id: idText(p.cart_id) ?? id, checkout_id: id, total: money(p.value ?? p.revenue ?? p.total), currency: currency(p), items: products(p), recovery_url: p.recovery_url ?? p.url ?? null, source: 'api' };
      delete (data as Props).products;
      return { type: 'checkout.started', data, orderKey: null };
    }
    case 'Order Refunded': {
      const orderId = idText(p.order_id);
      const data = { ...p, order_id: orderId, refund_id: idText(p.refund_id), total: money(p.total ?? p.revenue), currency: currency(p), items: products(p), source: 'api' };
      delete (data as Props).products;
      return { type: 'order.refunded', data, orderKey: null };
    }
    default:
      return null;
  }
}
