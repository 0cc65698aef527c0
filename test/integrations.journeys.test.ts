import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { settle } from './integrations.helpers.ts';
import { attributedRevenue } from '../src/integrations/index.ts';

/** Issue 7's acceptance: Shopify-shaped webhooks driving journeys (J-4, J-11, J-21; seed 002). */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const SECRET = 'shpss_journeys_0123456789abcdef0123';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const later = (ms: number) => new Date(t.clock.now().getTime() + ms);
const HOUR = 3_600_000;

async function shopify(conn: number, topic: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const res = await t.http.inject({
    method: 'POST',
    url: `/api/v1/integrations/shopify/${conn}`,
    payload: body,
    headers: { 'content-type': 'application/json', 'x-shopify-topic': topic, 'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64') },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const checkout = (email: string, token: string) => ({ ...fixture('shopify-checkouts-update.json'), email, token, buyer_accepts_marketing: true });
const order = (email: string, id: number) => ({ ...fixture('shopify-orders-create.json'), id, admin_graphql_api_id: `gid://shopify/Order/${id}`, email, contact_email: email });

async function email(ws: Workspace, name: string, body: string) {
  return (await ws.api('POST', '/api/v1/messages', { name, channel: 'email', content: { subject: name, body } })).body.id as number;
}

async function journey(ws: Workspace, definition: unknown) {
  const j = await ws.api('POST', '/api/v1/journeys', { name: 'J', definition });
  expect(j.status, JSON.stringify(j.body)).toBe(201);
  expect((await ws.api('POST', `/api/v1/journeys/${j.body.id}/activate`, {})).status).toBe(200);
  return j.body.id as number;
}

async function outbox(ws: Workspace, to: string) {
  const list = (await ws.api('GET', `/api/v1/outbox?to=${encodeURIComponent(to)}`)).body.data;
  return Promise.all(list.map(async (o: any) => (await ws.api('GET', `/api/v1/outbox/${o.id}`)).body));
}

describe('Shopify webhooks drive journeys', () => {
  it('a checkout update with no order within the delay triggers the abandoned cart journey; an order first prevents it', async () => {
    const ws = await newWorkspace(t);
    const conn = (await ws.api('POST', '/api/v1/integrations/connections', { kind: 'shopify', secret: SECRET })).body.id;
    const m = await email(ws, 'Your cart', '<p>You left {{ event.items.size }} items: <a href="{{ event.recovery_url }}">back to your cart</a></p>');
    await journey(ws, { trigger: { type: 'abandoned_cart', delay: { amount: 4, unit: 'hours' } }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] });
    await shopify(conn, 'checkouts/update', checkout('left@example.com', 'tok-left'));
    await shopify(conn, 'checkouts/update', checkout('buyer@example.com', 'tok-buyer'));
    await settle(t);
    await t.app.advance(later(HOUR));
    expect((await shopify(conn, 'orders/create', order('buyer@example.com', 5001))).type).toBe('purchase');
    await settle(t);
    await t.app.advance(later(6 * HOUR));
    const left = await outbox(ws, 'left@example.com');
    expect(left.map((o) => o.subject)).toEqual(['Your cart']);
    expect(await outbox(ws, 'buyer@example.com')).toEqual([]);
    // the recovery link, tracked like any link of the message
    expect(decodeURIComponent(left[0].html)).toContain('https://checkout.local/548380009/checkouts/123123123/recover?key=example-secret-token');
  });

  it('a purchase updates a contact field through a journey action and counts in the journey revenue after a click', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'last_order_total', type: 'number' });
    const conn = (await ws.api('POST', '/api/v1/integrations/connections', { kind: 'shopify', secret: SECRET })).body.id;
    const promo = await email(ws, 'Promo', '<p><a href="https://shop.example/sale">Sale</a></p>');
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Customers' })).body.id;
    const promoJourney = await journey(ws, { trigger: { type: 'list_joined', list_ids: [list] }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: promo, next: null }] });
    await journey(ws, {
      trigger: { type: 'event', event: 'purchase' },
      start: 'a',
      steps: [{ id: 'a', type: 'action', action: 'set_field', field: 'last_order_total', value_from_event: 'total', next: null }],
      settings: { reentry: 'always' },
    });
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'jon@example.com', list_ids: [list] })).body;
    await settle(t);
    await t.app.advance(later(HOUR));
    const [sent] = await outbox(ws, 'jon@example.com');
    const click = /href="http:\/\/parcours\.test(\/t\/c\/[^"]+)"/.exec(sent.html)![1].replace(/&amp;/g, '&');
    expect((await t.http.inject({ method: 'GET', url: click })).statusCode).toBe(302);
    await settle(t);
    await t.app.advance(later(2 * 24 * HOUR));
    await shopify(conn, 'orders/create', order('jon@example.com', 6001));
    await settle(t);
    await t.app.advance(later(HOUR));
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.fields).toMatchObject({ last_order_total: 404.95 });
    expect(await attributedRevenue(t.db, ws.id, { journeyId: promoJourney })).toEqual({ revenue: 404.95, orders: 1, by_currency: { USD: { revenue: 404.95, orders: 1 } } });
    // and the journey's report shows it (J-21)
    expect((await ws.api('GET', `/api/v1/journeys/${promoJourney}/report`)).body.revenue).toMatchObject({ revenue: 404.95, orders: 1 });
  });
});
