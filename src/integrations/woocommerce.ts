import { idText, item, money, records, type CommerceInput } from './commerce.ts';

/**
 * WooCommerce webhooks (topic in X-WC-Webhook-Topic, the order as its REST API v3 shows it):
 *   order.created / order.updated with status processing, completed or on-hold → purchase
 *     (once per order: an order created "pending" counts when an update says it was paid)
 *   order.updated with status refunded → order.refunded (the whole order)
 * Other topics and statuses are answered 200 and ignored.
 */
export const WOOCOMMERCE_TOPICS = ['order.created', 'order.updated'];
const PLACED = new Set(['processing', 'completed', 'on-hold']);

type Payload = Record<string, any>;

export function fromWooCommerce(topic: string, p: Payload): CommerceInput | { ignored: string } {
  if (!WOOCOMMERCE_TOPICS.includes(topic)) return { ignored: `topic ${topic} is not used (subscribe to ${WOOCOMMERCE_TOPICS.join(', ')})` };
  const orderId = idText(p.id);
  if (!orderId) return { ignored: 'an order without id' };
  const billing = p.billing ?? {};
  const items = records(p.line_items).map((li: Payload) => item(li.product_id, li.sku, li.name, li.quantity, li.price));
  const data = { order_id: orderId, total: money(p.total), currency: p.currency ?? null, items, source: 'woocommerce' };
  if (p.status === 'refunded') {
    return { type: 'order.refunded', key: `refund:order:${orderId}`, contact: { order_id: orderId }, data: { ...data, refund_id: null } };
  }
  if (!PLACED.has(p.status)) return { ignored: `order status ${p.status} is not a purchase` };
  return {
    type: 'purchase',
    key: `purchase:${orderId}`,
    contact: {
      email: billing.email || null,
      first_name: billing.first_name || null,
      last_name: billing.last_name || null,
      phone: billing.phone || null,
    },
    data: { ...data, order_number: idText(p.number), placed_at: p.date_created_gmt ? `${p.date_created_gmt}Z` : null },
  };
}
