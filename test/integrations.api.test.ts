import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp, type Workspace } from './helpers.ts';
import { appendEvents } from '../src/events/index.ts';
import { attributedRevenue, sendTransactional } from '../src/integrations/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

async function outboxFor(ws: Workspace, deliveryId: number) {
  const list = await ws.api('GET', '/api/v1/outbox?limit=500');
  const item = list.body.data.find((o: any) => o.delivery_id === deliveryId);
  return item ? (await ws.api('GET', `/api/v1/outbox/${item.id}`)).body : undefined;
}

async function receipt(ws: Workspace) {
  const m = await ws.api('POST', '/api/v1/messages', {
    name: 'Order receipt',
    channel: 'email',
    content: { subject: 'Order {{ data.order_number }}', body: '<p>Hello {{ contact.first_name | default: "there" }}, order {{ data.order_number }}: {{ data.total }} {{ data.currency }}</p>' },
  });
  expect(m.status).toBe(201);
  return m.body;
}

describe('transactional send API (P-1)', () => {
  it('sends now to a contact with data rendered, bypassing marketing consent unless transactional is false', async () => {
    const ws = await newWorkspace(t);
    const m = await receipt(ws);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'ana@example.com', first_name: 'Ana', email_status: 'unsubscribed' })).body;
    const data = { order_number: '#1001', total: 42.5, currency: 'EUR' };
    const res = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { contact_id: c.id }, data });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', contact_id: c.id });
    const marketing = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { email: 'ANA@example.com' }, data, transactional: false });
    expect(marketing.body.contact_id).toBe(c.id);
    await t.app.drain();
    const out = await outboxFor(ws, res.body.delivery_id);
    expect(out.subject).toBe('Order #1001');
    expect(out.html).toContain('Hello Ana, order #1001: 42.5 EUR');
    expect(out.headers['List-Unsubscribe']).toBeUndefined();
    expect((await ws.api('GET', `/api/v1/deliveries/${res.body.delivery_id}`)).body).toMatchObject({ status: 'sent', source: 'transactional', transactional: true });
    expect((await ws.api('GET', `/api/v1/deliveries/${marketing.body.delivery_id}`)).body.status).toBe('suppressed');
  });

  it('sends to a bare address, creates the contact only when asked, and checks the channel', async () => {
    const ws = await newWorkspace(t);
    const m = await receipt(ws);
    const bare = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { email: 'new@example.com' }, data: { order_number: 'A' } });
    expect(bare.body.contact_id).toBeNull();
    expect((await ws.api('GET', '/api/v1/contacts')).body.data).toEqual([]);
    const created = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { email: 'new@example.com' }, create_contact: true });
    expect(created.body.contact_id).toEqual(expect.any(Number));
    await t.app.drain();
    expect((await outboxFor(ws, bare.body.delivery_id)).to_address).toBe('new@example.com');
    const sms = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { phone: '+33612345678' } });
    expect(sms.status).toBe(400);
    expect(sms.body.error.details[0].path).toBe('to.phone');
    expect((await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { email: 'nope' } })).status).toBe(400);
    expect((await ws.api('POST', '/api/v1/transactional', { message_id: 999999, to: { email: 'a@example.com' } })).status).toBe(404);
    expect((await (await ws.as('viewer'))('POST', '/api/v1/transactional', { message_id: m.id, to: { email: 'a@example.com' } })).status).toBe(403);
  });

  it('makes one delivery per Idempotency-Key, for retries and for concurrent identical requests', async () => {
    const ws = await newWorkspace(t);
    const m = await receipt(ws);
    const body = { message_id: m.id, to: { email: 'bo@example.com' }, data: { order_number: '7' } };
    const first = await ws.api('POST', '/api/v1/transactional', body, { 'idempotency-key': 'order-7' });
    const retry = await ws.api('POST', '/api/v1/transactional', body, { 'idempotency-key': 'order-7' });
    expect(retry.status).toBe(202);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.delivery_id).toBe(first.body.delivery_id);
    const racing = await Promise.all([1, 2, 3].map(() => ws.api('POST', '/api/v1/transactional', body, { 'idempotency-key': 'order-8' })));
    for (const r of racing) expect([202, 409]).toContain(r.status);
    // below the HTTP replay, the key is the delivery's own: two sends racing make one delivery
    const direct = await Promise.all([1, 2].map(() => sendTransactional(t.app.ctx, ws.id, { ...body, idempotencyKey: 'order-9' })));
    expect(direct[0].delivery_id).toBe(direct[1].delivery_id);
    const { rows } = await t.db.query<{ key: string; n: number }>(
      `select idempotency_key as key, count(*)::int as n from deliveries where workspace_id = $1 group by 1 order by 1`, [ws.id]);
    expect(rows).toEqual([
      { key: 'transactional:key:order-7', n: 1 },
      { key: 'transactional:key:order-8', n: 1 },
      { key: 'transactional:key:order-9', n: 1 },
    ]);
  });
});

describe('Segment-style ingestion', () => {
  it('takes the API key as Basic auth username (Segment libraries) or password, and refuses a wrong one', async () => {
    const ws = await newWorkspace(t);
    const basic = (s: string) => apiClient(t.http, { authorization: `Basic ${Buffer.from(s).toString('base64')}` });
    expect((await basic(`${ws.key}:`)('GET', '/api/v1/contacts')).status).toBe(200);
    expect((await basic(`postmark:${ws.key}`)('GET', '/api/v1/contacts')).status).toBe(200);
    expect((await basic(`pk_wrong:`)('GET', '/api/v1/contacts')).status).toBe(401);
    expect((await basic(`${ws.key}:wrong`)('GET', '/api/v1/contacts')).status).toBe(401);
  });

  it('identify creates then updates a contact, maps traits to fields and reports the rest; track records events', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    await ws.api('POST', '/api/v1/fields', { key: 'loyalty_tier', type: 'text' });
    await ws.api('POST', '/api/v1/fields', { key: 'seats', type: 'number' });
    const segment = apiClient(t.http, { authorization: `Basic ${Buffer.from(`${ws.key}:`).toString('base64')}` });
    const id1 = await segment('POST', '/api/v1/identify', {
      type: 'identify', userId: 'u-42', anonymousId: 'anon-1', messageId: 'm-1', timestamp: '2026-01-05T08:59:00Z',
      traits: { email: 'Peter@Example.com', name: 'Peter Gibbons', plan: 'premium', loyaltyTier: 'gold', seats: 'many', phone: '555-1234', favoriteColor: 'red' },
      context: { locale: 'en-US', library: { name: 'analytics.js', version: '2.11.1' } },
    });
    expect(id1.status).toBe(200);
    expect(id1.body).toMatchObject({ created: true, ignored_traits: ['favoriteColor'] });
    expect(id1.body.rejected_traits.map((r: any) => r.trait).sort()).toEqual(['fields.seats', 'phone']);
    const contact = (await ws.api('GET', `/api/v1/contacts/${id1.body.contact_id}`)).body;
    expect(contact).toMatchObject({ email: 'Peter@Example.com', first_name: 'Peter', last_name: 'Gibbons', language: 'en-US', phone: null, fields: { plan: 'premium', loyalty_tier: 'gold' } });
    // a later identify with only the userId updates the same contact
    const id2 = await segment('POST', '/api/v1/identify', { userId: 'u-42', traits: { lastName: 'G.', plan: 'enterprise' } });
    expect(id2.body).toMatchObject({ contact_id: contact.id, created: false });
    expect((await ws.api('GET', `/api/v1/contacts/${contact.id}`)).body).toMatchObject({ last_name: 'G.', fields: { plan: 'enterprise' } });
    // track by userId, by anonymousId, and Segment's Order Completed as a purchase
    const tr = await segment('POST', '/api/v1/track', { userId: 'u-42', event: 'Signed Up', properties: { plan: 'Pro Annual' }, messageId: 'm-2' });
    expect(tr.body).toMatchObject({ contact_id: contact.id, event_type: 'signed_up', status: 'recorded' });
    expect((await segment('POST', '/api/v1/track', { userId: 'u-42', event: 'Signed Up', messageId: 'm-2' })).body.status).toBe('duplicate');
    await segment('POST', '/api/v1/track', { anonymousId: 'anon-1', event: 'Video Played', properties: { seconds: 30 } });
    const order = await segment('POST', '/api/v1/track', {
      userId: 'u-42', event: 'Order Completed',
      properties: { order_id: '50314b8e9bcf000000000000', total: 27.5, revenue: 25, currency: 'usd', products: [{ product_id: '507f1f77bcf86cd799439011', sku: '45790-32', name: 'Monopoly: 3rd Edition', price: 19, quantity: 1 }] },
    });
    expect(order.body.event_type).toBe('purchase');
    const timeline = (await ws.api('GET', `/api/v1/contacts/${contact.id}/events`)).body.data;
    const custom = timeline.filter((e: any) => ['signed_up', 'video_played', 'purchase'].includes(e.type)).reverse();
    expect(custom.map((e: any) => e.type)).toEqual(['signed_up', 'video_played', 'purchase']);
    expect(custom[2].data).toMatchObject({ order_id: '50314b8e9bcf000000000000', total: 27.5, currency: 'USD', source: 'api', items: [{ product_id: '507f1f77bcf86cd799439011', sku: '45790-32', name: 'Monopoly: 3rd Edition', quantity: 1, price: 19 }] });
    // unknown user with no email: refused with the reason
    const unknown = await segment('POST', '/api/v1/track', { userId: 'u-nobody', event: 'Clicked' });
    expect(unknown.status).toBe(422);
    // a track carrying an email creates the contact
    const byEmail = await segment('POST', '/api/v1/track', { anonymousId: 'anon-9', event: 'Product Viewed', context: { traits: { email: 'milton@example.com', firstName: 'Milton' } } });
    expect((await ws.api('GET', `/api/v1/contacts/${byEmail.body.contact_id}`)).body).toMatchObject({ email: 'milton@example.com', first_name: 'Milton' });
  });

  it('batch takes each call on its own and reports skipped ones; userId is the unique key when it is a custom field', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'customer_id', type: 'text' });
    expect((await ws.api('PATCH', '/api/v1/workspace', { unique_key: 'customer_id' })).status).toBe(200);
    const res = await ws.api('POST', '/api/v1/batch', {
      batch: [
        { type: 'identify', userId: 'C-1', traits: { email: 'a@example.com', firstName: 'Ann' } },
        { type: 'track', userId: 'C-1', event: 'Trial Started', properties: { days: 14 } },
        { type: 'page', userId: 'C-1', name: 'Home' },
        { type: 'track', userId: 'C-2', event: 'Trial Started' },
        { type: 'track', userId: 'C-1', event: 'contact.updated' },
      ],
      sentAt: '2026-01-05T09:00:00Z',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, accepted: 2 });
    expect(res.body.skipped.map((s: any) => s.index)).toEqual([2, 3, 4]);
    const c = (await ws.api('GET', `/api/v1/contacts/${res.body.results[0].contact_id}`)).body;
    expect(c).toMatchObject({ key: 'C-1', email: 'a@example.com', first_name: 'Ann', fields: { customer_id: 'C-1' } });
    expect(res.body.results[1]).toMatchObject({ contact_id: c.id, event_type: 'trial_started' });
  });
});

describe('revenue attribution', () => {
  it('counts purchases within the window after a click on the journey or campaign, each once', async () => {
    const ws = await newWorkspace(t);
    const a = (await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com' })).body.id;
    const b = (await ws.api('POST', '/api/v1/contacts', { email: 'b@example.com' })).body.id;
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'c@example.com' })).body.id;
    const day = 86_400_000;
    const t0 = t.clock.now().getTime();
    const at = (d: number) => new Date(t0 + d * day);
    const click = (contactId: number, d: number, data: object) => ({ workspaceId: ws.id, contactId, type: 'message.clicked', data: { delivery_id: 1, message_id: 1, channel: 'email', ...data }, occurredAt: at(d) });
    const buy = (contactId: number, d: number, orderId: string, total: number, currency = 'EUR') =>
      ({ workspaceId: ws.id, contactId, type: 'purchase', data: { order_id: orderId, total, currency, items: [], source: 'api' }, occurredAt: at(d) });
    await appendEvents(t.db, t.clock.now(), [
      click(a, 0, { journey_id: 7, step_id: 's1' }),
      click(a, 1, { journey_id: 7, step_id: 's2' }), // a second click: the purchase still counts once
      buy(a, 2, 'o-1', 100),
      buy(a, 9, 'o-2', 50), // 8 days after the last click: outside the 7-day window
      buy(a, -1, 'o-0', 30), // before any click
      click(b, 0, { journey_id: 7, step_id: 's1' }),
      buy(b, 3, 'o-3', 20, 'USD'),
      click(c, 0, { campaign_id: 3 }),
      buy(c, 1, 'o-4', 70),
    ]);
    expect(await attributedRevenue(t.db, ws.id, { journeyId: 7 })).toEqual({
      revenue: 120,
      orders: 2,
      by_currency: { EUR: { revenue: 100, orders: 1 }, USD: { revenue: 20, orders: 1 } },
    });
    expect(await attributedRevenue(t.db, ws.id, { journeyId: 7, windowDays: 10 })).toMatchObject({ revenue: 170, orders: 3 });
    expect(await attributedRevenue(t.db, ws.id, { campaignId: 3 })).toMatchObject({ revenue: 70, orders: 1 });
    expect(await attributedRevenue(t.db, ws.id, { journeyId: 8 })).toEqual({ revenue: 0, orders: 0, by_currency: {} });
    const other = await newWorkspace(t);
    expect(await attributedRevenue(t.db, other.id, { journeyId: 7 })).toMatchObject({ orders: 0 });
  });
});
