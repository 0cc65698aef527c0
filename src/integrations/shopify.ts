import { idText, item, money, records, type CommerceInput, type Item } from './commerce.ts';
import type { Person } from './contact-match.ts';

/**
 * Shopify webhooks (topic in X-Shopify-Topic, payloads as in Shopify's webhook reference) turned
 * into commerce events:
 *   orders/create, orders/paid  → purchase (once per order, whichever comes first)
 *   checkouts/create            → checkout.started
 *   checkouts/update            → cart.updated, until the checkout is completed (the order follows)
 *   refunds/create              → order.refunded, for the contact of the order's purchase
 * Other topics are answered 200 and ignored, so Shopify does not retry them.
 */
export const SHOPIFY_TOPICS = ['orders/create', 'orders/paid', 'checkouts/create', 'checkouts/update', 'refunds/create'];

type Payload = Record<string, any>;

function person(p: Payload): Person {
  const customer = p.customer ?? {};
  const billing = p.billing_address ?? {};
  const consent = customer.email_marketing_consent?.state;
  return {
    email: p.email || p.contact_email || customer.email || null,
    first_name: customer.first_name ?? billing.first_name ?? null,
    last_name: customer.last_name ?? billing.last_name ?? null,
    phone: p.phone ?? customer.phone ?? null,
    language: typeof p.customer_locale === 'string' ? p.customer_locale : null,
    accepts_marketing: typeof p.buyer_accepts_marketing === 'boolean' ? p.buyer_accepts_marketing : consent ? consent === 'subscribed' : undefined,
  };
}

const lineItems = (list: unknown): Item[] =>
  records(list).map((li: Payload) => item(li.product_id, li.sku, li.name ?? li.title, li.quantity, li.price));

function order(p: Payload): CommerceInput {
  const orderId = idText(p.id) ?? String(p.admin_graphql_api_id ?? '').split('/').pop()!;
  return {
    type: 'purchase',
    key: `purchase:${orderId}`,
    contact: person(p),
    data: {
      order_id: orderId,
      order_number: idText(p.name ?? p.order_number),
      total: money(p.total_price),
      currency: p.currency ?? null,
      items: lineItems(p.line_items),
      source: 'shopify',
      placed_at: p.processed_at ?? p.created_at ?? null,
    },
  };
}

function checkout(p: Payload, type: 'checkout.started' | 'cart.updated', webhookId: string | null): CommerceInput {
  const checkoutId = idText(p.token) ?? idText(p.id);
  const state = idText(p.updated_at) ?? webhookId;
  return {
    type,
    // a checkout changes many times: each state is recorded once
    key: type === 'checkout.started' ? `checkout:${checkoutId}` : state ? `cart:${checkoutId}:${state}` : null,
    contact: person(p),
    data: {
      cart_id: idText(p.cart_token) ?? checkoutId,
      checkout_id: checkoutId,
      total: money(p.total_price),
      currency: p.currency ?? p.presentment_currency ?? null,
      items: lineItems(p.line_items),
      recovery_url: p.abandoned_checkout_url ?? null,
      source: 'shopify',
    },
  };
}

function refund(p: Payload): CommerceInput {
  const orderId = idText(p.order_id)!;
  const transactions: Payload[] = records(p.transactions);
  const paid = transactions.filter((t) => t.kind === 'refund' && t.status === 'success');
  const lines: Payload[] = records(p.refund_line_items);
  const currency = paid.find((t) => t.currency)?.currency ?? lines[0]?.subtotal_set?.shop_money?.currency_code ?? null;
  return {
    type: 'order.refunded',
    key: `refund:${idText(p.id)}`,
    contact: { order_id: orderId },
    data: {
      order_id: orderId,
      refund_id: idText(p.id),
      total: money(paid.reduce((sum, t) => sum + money(t.amount), 0)),
      currency,
      items: lines.map((l) => item(l.line_item?.product_id, l.line_item?.sku, l.line_item?.name ?? l.line_item?.title, l.quantity, l.line_item?.price)),
      source: 'shopify',
    },
  };
}

export function fromShopify(topic: string, p: Payload, webhookId: string | null): CommerceInput | { ignored: string } {
  switch (topic) {
    case 'orders/create':
    case 'orders/paid':
      return order(p);
    case 'checkouts/create':
      return checkout(p, 'checkout.started', webhookId);
    case 'checkouts/update':
      if (p.completed_at) return { ignored: 'the checkout is completed: its order is the purchase' };
      return checkout(p, 'cart.updated', webhookId);
    case 'refunds/create':
      if (idText(p.order_id) === null) return { ignored: 'a refund without order_id' };
      return refund(p);
    default:
      return { ignored: `topic ${topic} is not used (subscribe to ${SHOPIFY_TOPICS.join(', ')})` };
  }
}
