import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { parseJsonExact } from '../src/integrations/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body, 'utf8').digest('base64');
const SHOPIFY_SECRET = 'shpss_0123456789abcdef0123456789abcdef';

async function connect(ws: Workspace, kind: string, secret?: string) {
  const res = await ws.api('POST', '/api/v1/integrations/connections', { kind, ...(secret ? { secret } : {}) });
  expect(res.status).toBe(201);
  return res.body as { id: number; secret: string; webhook_url: string };
}

function post(path: string, body: string, headers: Record<string, string>) {
  return t.http.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json', ...headers } });
}

async function events(ws: Workspace, type?: string) {
  const { rows } = await t.db.query<{ type: string; contact_id: number; data: any }>(
    `select type, contact_id, data from events where workspace_id = $1 ${type ? 'and type = $2' : ''} order by id`,
    type ? [ws.id, type] : [ws.id],
  );
  return rows;
}

async function contactByEmail(ws: Workspace, email: string) {
  const list = await ws.api('GET', `/api/v1/contacts?q=${encodeURIComponent(email)}`);
  return list.body.data[0];
}

describe('Shopify webhooks (P-4, J-4)', () => {
  it('turns checkouts/update into cart.updated with items and the recovery URL, once per checkout state', async () => {
    const ws = await newWorkspace(t);
    const conn = await connect(ws, 'shopify', SHOPIFY_SECRET);
    expect(conn.webhook_url).toBe(`http://parcours.test/api/v1/integrations/shopify/${conn.id}`);
    const body = fixture('shopify-checkouts-update.json');
    const headers = { 'x-shopify-topic': 'checkouts/update', 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body), 'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043' };
    const res = await post(`/api/v1/integrations/shopify/${conn.id}`, body, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, status: 'recorded', type: 'cart.updated' });
    const [cart] = await events(ws, 'cart.updated');
    expect(cart.data).toEqual({
      cart_id: 'eeafa272cebfd4b22385bc4b645e762c',
      checkout_id: '123123123',
      total: 421.88,
      currency: 'USD',
      items: [
        { product_id: '632910392', sku: 'IPOD2008PINK', name: 'IPod Nano - 8GB', quantity: 1, price: 199 },
        { product_id: '632910392', sku: 'IPOD2008PINK', name: 'IPod Nano - 8GB', quantity: 1, price: 199 },
      ],
      recovery_url: 'https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token',
      source: 'shopify',
    });
    // the contact is found or created by the checkout's email, with the customer's names;
    // the buyer did not accept marketing, so the new contact is not subscribed
    const contact = await contactByEmail(ws, 'example@email.com');
    expect(contact).toMatchObject({ id: cart.contact_id, first_name: 'John', last_name: 'Smith', email_status: 'unsubscribed' });
    // Shopify redelivers: nothing new
    const again = await post(`/api/v1/integrations/shopify/${conn.id}`, body, headers);
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    expect(await events(ws, 'cart.updated')).toHaveLength(1);
    // checkouts/create of the same checkout is checkout.started
    const started = await post(`/api/v1/integrations/shopify/${conn.id}`, body, { ...headers, 'x-shopify-topic': 'checkouts/create' });
    expect(started.json()).toMatchObject({ status: 'recorded', type: 'checkout.started' });
    // a completed checkout is no abandoned cart: its order is the purchase
    const done = JSON.stringify({ ...(parseJsonExact(body) as object), completed_at: '2022-01-01T10:00:00-05:00', updated_at: '2022-01-01T10:00:00-05:00' });
    const completed = await post(`/api/v1/integrations/shopify/${conn.id}`, done, { ...headers, 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, done) });
    expect(completed.json()).toMatchObject({ status: 'ignored' });
    expect(await events(ws, 'cart.updated')).toHaveLength(1);
  });

  it('turns orders/create into one purchase, however often it is delivered (orders/paid too), and a refund into order.refunded', async () => {
    const ws = await newWorkspace(t);
    const conn = await connect(ws, 'shopify', SHOPIFY_SECRET);
    const body = fixture('shopify-orders-create.json');
    const headers = { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body) };
    const first = await post(`/api/v1/integrations/shopify/${conn.id}`, body, headers);
    expect(first.json()).toMatchObject({ status: 'recorded', type: 'purchase' });
    expect((await post(`/api/v1/integrations/shopify/${conn.id}`, body, headers)).json()).toMatchObject({ status: 'duplicate' });
    expect((await post(`/api/v1/integrations/shopify/${conn.id}`, body, { ...headers, 'x-shopify-topic': 'orders/paid' })).json()).toMatchObject({ status: 'duplicate' });
    const purchases = await events(ws, 'purchase');
    expect(purchases).toHaveLength(1);
    const p = purchases[0].data;
    // ids beyond 2^53 stay exact
    expect(p).toMatchObject({ order_id: '820982911946154508', order_number: '#9999', total: 404.95, currency: 'USD', source: 'shopify' });
    expect(p.items).toHaveLength(5);
    expect(p.items[0]).toEqual({ product_id: '788032119674292922', sku: 'SKU2006-001', name: 'Aviator sunglasses', quantity: 1, price: 89.99 });
    expect(p.items[1]).toEqual({ product_id: null, sku: 'LENS-PROTECT-2YR', name: 'Lens Protection Plan (2 Year)', quantity: 1, price: 19.99 });
    const contact = await contactByEmail(ws, 'jon@example.com');
    expect(contact).toMatchObject({ id: purchases[0].contact_id, first_name: 'John', last_name: 'Smith', language: 'en', email_status: 'subscribed' });

    const refund = fixture('shopify-refunds-create.json');
    const r = await post(`/api/v1/integrations/shopify/${conn.id}`, refund, { 'x-shopify-topic': 'refunds/create', 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, refund) });
    expect(r.json()).toMatchObject({ status: 'recorded', type: 'order.refunded' });
    const [refunded] = await events(ws, 'order.refunded');
    expect(refunded.contact_id).toBe(contact.id);
    expect(refunded.data).toMatchObject({ order_id: '820982911946154508', refund_id: '890088186047892319', total: 85, currency: 'USD', source: 'shopify' });
    expect(refunded.data.items.map((i: any) => i.sku)).toEqual(['SKU2006-001', 'LENS-PROTECT-2YR']);
    // topics Parcours does not use are acknowledged, so Shopify does not retry them
    const other = await post(`/api/v1/integrations/shopify/${conn.id}`, '{"id":1}', { 'x-shopify-topic': 'products/update', 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, '{"id":1}') });
    expect(other.statusCode).toBe(200);
    expect(other.json()).toMatchObject({ status: 'ignored' });
  });

  it('answers 401 to a bad, missing or stale signature and stores nothing', async () => {
    const ws = await newWorkspace(t);
    const conn = await connect(ws, 'shopify', SHOPIFY_SECRET);
    const body = fixture('shopify-orders-create.json');
    const url = `/api/v1/integrations/shopify/${conn.id}`;
    const wrongKey = await post(url, body, { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign('another-secret-another-secret', body) });
    const missing = await post(url, body, { 'x-shopify-topic': 'orders/create' });
    const tampered = await post(url, body.replace('"404.95"', '"4.95"'), { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(SHOPIFY_SECRET, body) });
    const garbage = await post(url, body, { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': 'not base64 at all' });
    for (const res of [wrongKey, missing, tampered, garbage]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'unauthenticated', details: [{ path: 'X-Shopify-Hmac-Sha256' }] });
    }
    expect(await events(ws)).toEqual([]);
    expect((await ws.api('GET', '/api/v1/contacts')).body.data).toEqual([]);
    // a connection of another kind, or of no one, is not found
    const woo = await connect(ws, 'woocommerce');
    expect((await post(`/api/v1/integrations/shopify/${woo.id}`, body, { 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': sign(woo.secret, body) })).statusCode).toBe(404);
    expect((await post('/api/v1/integrations/shopify/999999999', body, {})).statusCode).toBe(404);
  });
});

describe('WooCommerce webhooks', () => {
  it('answers the unsigned ping, records order.created as a purchase once, and refuses bad signatures', async () => {
    const ws = await newWorkspace(t);
    const conn = await connect(ws, 'woocommerce');
    expect(conn.secret).toMatch(/^pcs_/);
    const url = `/api/v1/integrations/woocommerce/${conn.id}`;
    const ping = await t.http.inject({ method: 'POST', url, payload: 'webhook_id=12', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(ping.statusCode).toBe(200);
    const body = fixture('woocommerce-order-created.json');
    const headers = { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-resource': 'order', 'x-wc-webhook-event': 'created', 'x-wc-webhook-signature': sign(conn.secret, body), 'x-wc-webhook-id': '12', 'x-wc-webhook-delivery-id': '36e520ebabc2fa725092ff4a47acedf2' };
    expect((await post(url, body, { ...headers, 'x-wc-webhook-signature': sign('nope-nope-nope-nope', body) })).statusCode).toBe(401);
    expect(await events(ws)).toEqual([]);
    expect((await post(url, body, headers)).json()).toMatchObject({ status: 'recorded', type: 'purchase' });
    expect((await post(url, body, headers)).json()).toMatchObject({ status: 'duplicate' });
    const [p] = await events(ws, 'purchase');
    expect(p.data).toMatchObject({
      order_id: '727', order_number: '727', total: 29.35, currency: 'USD', source: 'woocommerce',
      items: [
        { product_id: '93', sku: null, name: 'Woo Single #1', quantity: 2, price: 3 },
        { product_id: '22', sku: 'Bar3', name: 'Ship Your Idea &ndash; Color: Black, Size: M Test', quantity: 1, price: 12 },
      ],
    });
    // "(555) 555-5555" is no E.164 number: dropped, the order is still taken
    expect(await contactByEmail(ws, 'john.doe@example.com')).toMatchObject({ id: p.contact_id, first_name: 'John', last_name: 'Doe', phone: null });
    // the refund of the whole order, told by order.updated
    const refunded = JSON.stringify({ ...JSON.parse(body), status: 'refunded' });
    const r = await post(url, refunded, { ...headers, 'x-wc-webhook-topic': 'order.updated', 'x-wc-webhook-signature': sign(conn.secret, refunded) });
    expect(r.json()).toMatchObject({ status: 'recorded', type: 'order.refunded' });
  });
});

describe('the generic signed shape', () => {
  it('records commerce and custom events, checks their data, and dedupes on order_id and id', async () => {
    const ws = await newWorkspace(t);
    const conn = await connect(ws, 'generic');
    const url = `/api/v1/integrations/events/${conn.id}`;
    const send = (event: unknown) => {
      const body = JSON.stringify(event);
      return post(url, body, { 'x-parcours-signature': sign(conn.secret, body) });
    };
    const purchase = { type: 'purchase', contact: { email: 'Lea@Example.com', first_name: 'Léa', accepts_marketing: true }, data: { order_id: 'A-1', total: '59.90', currency: 'eur', items: [{ product_id: 7, sku: 'TEA-1', name: 'Thé vert', quantity: 2, price: 29.95 }] } };
    expect((await send(purchase)).json()).toMatchObject({ status: 'recorded' });
    expect((await send(purchase)).json()).toMatchObject({ status: 'duplicate' });
    const [p] = await events(ws, 'purchase');
    expect(p.data).toEqual({ order_id: 'A-1', total: 59.9, currency: 'EUR', items: [{ product_id: '7', sku: 'TEA-1', name: 'Thé vert', quantity: 2, price: 29.95 }], source: 'api' });
    expect((await send({ type: 'review.posted', id: 'r-1', contact: { email: 'lea@example.com' }, data: { stars: 5 } })).json()).toMatchObject({ status: 'recorded' });
    expect((await send({ type: 'review.posted', id: 'r-1', contact: { email: 'lea@example.com' }, data: { stars: 5 } })).json()).toMatchObject({ status: 'duplicate' });
    const bad = await send({ type: 'purchase', contact: { email: 'lea@example.com' }, data: { order_id: 'A-2', total: 10, currency: 'euros' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('data.currency');
    const reserved = await send({ type: 'contact.updated', contact: { email: 'lea@example.com' } });
    expect(reserved.statusCode).toBe(400);
    expect((await post(url, JSON.stringify(purchase), {})).statusCode).toBe(401);
    expect((await events(ws)).filter((e) => !e.type.startsWith('contact.') && e.type !== 'consent.changed').map((e) => e.type)).toEqual(['purchase', 'review.posted']);
  });
});

describe('connections', () => {
  it('are admin-only, show their secret once, and stop webhooks when deleted', async () => {
    const ws = await newWorkspace(t);
    const author = await ws.as('author');
    expect((await author('POST', '/api/v1/integrations/connections', { kind: 'generic' })).status).toBe(403);
    const conn = await connect(ws, 'generic');
    const list = await ws.api('GET', '/api/v1/integrations/connections');
    expect(list.body.data).toEqual([expect.objectContaining({ id: conn.id, kind: 'generic', webhook_url: conn.webhook_url })]);
    expect(JSON.stringify(list.body)).not.toContain(conn.secret);
    expect((await ws.api('DELETE', `/api/v1/integrations/connections/${conn.id}`)).status).toBe(200);
    const body = JSON.stringify({ type: 'x', contact: { email: 'a@example.com' } });
    expect((await post(`/api/v1/integrations/events/${conn.id}`, body, { 'x-parcours-signature': sign(conn.secret, body) })).statusCode).toBe(404);
  });
});
