import { z } from 'zod';
import { AppError } from '../errors.ts';
import { idText, item, money, type CommerceInput } from './commerce.ts';

/**
 * The generic shape any system can post (documented in WEBHOOKS.md), signed like Shopify's
 * webhooks with X-Parcours-Signature. The four commerce types are checked and normalised to the
 * shapes journeys and segments read; any other type is a custom event with free data.
 */
const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const RESERVED = ['contact.', 'list.', 'tag.', 'consent.', 'message.', 'segment.', 'journey.'];
const id = z.union([z.string().min(1).max(200), z.number()]);
const amount = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]);
const itemShape = z.looseObject({
  product_id: id.nullable().optional(),
  sku: z.string().max(200).nullable().optional(),
  name: z.string().max(500),
  quantity: z.number().default(1),
  price: amount,
});
const currency = z.string().regex(/^[A-Za-z]{3}$/, 'an ISO 4217 code such as EUR').transform((s) => s.toUpperCase());
const purchase = z.looseObject({ order_id: id, total: amount, currency, items: z.array(itemShape).max(1000).default([]) });
const cart = z.looseObject({
  cart_id: id.optional(),
  checkout_id: id.optional(),
  total: amount,
  currency,
  items: z.array(itemShape).max(1000).default([]),
  recovery_url: z.string().url().max(2000).nullable().optional(),
});
const refunded = z.looseObject({ order_id: id, refund_id: id.optional(), total: amount, currency, items: z.array(itemShape).max(1000).default([]) });

export const genericEvent = z.strictObject({
  type: z.string().max(100).regex(TYPE, 'letters, digits and _ . : - (starting with a letter)')
    .refine((t) => !RESERVED.some((p) => t.startsWith(p)), 'this prefix is reserved for Parcours events'),
  id: z.string().min(1).max(200).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
  contact: z.strictObject({
    email: z.string().max(254),
    first_name: z.string().max(500).nullable().optional(),
    last_name: z.string().max(500).nullable().optional(),
    phone: z.string().max(40).nullable().optional(),
    accepts_marketing: z.boolean().optional(),
  }),
  data: z.record(z.string(), z.unknown()).default({}),
});
export type GenericEvent = z.infer<typeof genericEvent>;

function parsed<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: ['data', ...i.path].join('.'), message: i.message }));
  throw new AppError('validation', `${details[0].path}: ${details[0].message}`, details);
}

const items = (list: z.infer<typeof itemShape>[]) => list.map((i) => item(i.product_id, i.sku, i.name, i.quantity, i.price));

export function fromGeneric(body: unknown): CommerceInput {
  const r = genericEvent.safeParse(body);
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ path: i.path.join('.') || 'body', message: i.message }));
    throw new AppError('validation', `${details[0].path}: ${details[0].message}`, details);
  }
  const e = r.data;
  const base = { contact: e.contact, occurredAt: e.occurred_at ? new Date(e.occurred_at) : undefined };
  switch (e.type) {
    case 'purchase': {
      const d = parsed(purchase, e.data);
      const orderId = String(d.order_id);
      return { ...base, type: e.type, key: `purchase:${orderId}`, data: { ...d, order_id: orderId, total: money(d.total), items: items(d.items), source: 'api' } };
    }
    case 'cart.updated':
    case 'checkout.started': {
      const d = parsed(cart, e.data);
      const cartId = idText(d.cart_id) ?? idText(d.checkout_id);
      if (!cartId) throw new AppError('validation', 'data.cart_id: give cart_id or checkout_id', [{ path: 'data.cart_id', message: 'cart_id or checkout_id is required' }]);
      const data = { ...d, cart_id: cartId, checkout_id: idText(d.checkout_id) ?? cartId, total: money(d.total), items: items(d.items), recovery_url: d.recovery_url ?? null, source: 'api' };
      return { ...base, type: e.type, key: e.id ? `id:${e.id}` : null, data };
    }
    case 'order.refunded': {
      const d = parsed(refunded, e.data);
      const refundId = idText(d.refund_id) ?? e.id ?? null;
      const data = { ...d, order_id: String(d.order_id), refund_id: refundId, total: money(d.total), items: items(d.items), source: 'api' };
      return { ...base, type: e.type, key: refundId ? `refund:${refundId}` : null, data };
    }
    default:
      return { ...base, type: e.type, key: e.id ? `id:${e.id}` : null, data: e.data };
  }
}
