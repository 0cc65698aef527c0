import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { settle } from './integrations.helpers.ts';

/** A loopback receiver: records every request, answers the queued statuses (200 when none). */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
let receiver: http.Server;
let base: string;
const received: Received[] = [];
const statuses: number[] = [];

let t: TestApp;
beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await testApp({ PARCOURS_WEBHOOKS_ALLOW_PRIVATE: 'true' });
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function subscribe(ws: Workspace, path: string, types: string[]) {
  const res = await ws.api('POST', '/api/v1/webhooks', { url: `${base}${path}`, event_types: types });
  expect(res.status).toBe(201);
  expect(res.body.secret).toMatch(/^whsec_/);
  return res.body as { id: number; secret: string };
}

const at = (path: string) => received.filter((r) => r.path === path);

function verify(r: Received, secret: string) {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['parcours-signature']));
  expect(m, 'Parcours-Signature header').not.toBeNull();
  const expected = createHmac('sha256', secret).update(`${m![1]}.${r.body}`).digest('hex');
  expect(m![2]).toBe(expected);
  return { t: Number(m![1]), body: JSON.parse(r.body) };
}

describe('outbound webhooks (P-4)', () => {
  it('delivers the subscribed events, signed, to a loopback receiver when the server allows it', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t, 'Other');
    const sub = await subscribe(ws, '/a', ['contact.*', 'purchase']);
    await subscribe(other, '/other', ['*']);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'ana@example.com', tags: ['vip'] })).body;
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'purchase', properties: { order_id: 'o-1', total: 12.5, currency: 'EUR' } });
    await settle(t);
    const got = at('/a').map((r) => verify(r, sub.secret));
    expect(got.map((g) => g.body.type).sort()).toEqual(['contact.created', 'purchase']); // not tag.added nor consent.changed
    const purchase = got.find((g) => g.body.type === 'purchase')!;
    expect(purchase.t).toBe(Math.floor(t.clock.now().getTime() / 1000));
    expect(purchase.body).toMatchObject({ type: 'purchase', contact_id: c.id, data: { order_id: 'o-1', total: 12.5, currency: 'EUR' } });
    expect(Object.keys(purchase.body).sort()).toEqual(['contact_id', 'data', 'id', 'occurred_at', 'type']);
    expect(new Date(purchase.body.occurred_at).getTime()).toBe(t.clock.now().getTime());
    // another workspace's subscription never sees these events
    expect(at('/other')).toEqual([]);
    const deliveries = (await ws.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).body.data;
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200, attempt_log: [{ attempt: 1, status_code: 200, error: null }] });
    // running again delivers nothing twice
    await settle(t);
    expect(at('/a')).toHaveLength(2);
  });

  it('retries a failed delivery with exponential backoff and shows every attempt', async () => {
    const ws = await newWorkspace(t);
    const sub = await subscribe(ws, '/retry', ['review.*']);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'bo@example.com' })).body;
    statuses.push(500, 503);
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'review.posted', properties: { stars: 4 } });
    await settle(t);
    expect(at('/retry')).toHaveLength(1);
    let [d] = (await ws.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).body.data;
    const first = t.clock.now().getTime();
    expect(d).toMatchObject({ status: 'queued', attempts: 1, last_status: 500, last_error: 'HTTP 500' });
    expect(new Date(d.next_attempt_at).getTime()).toBe(first + 10_000);
    await settle(t);
    await t.app.advance(new Date(first + 9_000));
    expect(at('/retry')).toHaveLength(1);
    await settle(t);
    await t.app.advance(new Date(first + 60_000));
    // second attempt at +10 s (503), third at +30 s (200)
    expect(at('/retry')).toHaveLength(3);
    [d] = (await ws.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).body.data;
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, last_status: 200 });
    expect(d.attempt_log.map((a: any) => [a.status_code, new Date(a.attempted_at).getTime() - first])).toEqual([[500, 0], [503, 10_000], [200, 30_000]]);
    // the same event, signed each time with that attempt's time
    const bodies = at('/retry').map((r) => verify(r, sub.secret));
    expect(new Set(bodies.map((b) => b.body.id)).size).toBe(1);
    expect(bodies.map((b) => b.t - bodies[0].t)).toEqual([0, 10, 30]);
  });

  it('gives up after 24 hours of failures; a failed delivery can be sent again', async () => {
    const ws = await newWorkspace(t);
    const sub = await subscribe(ws, '/down', ['outage.test']);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'cy@example.com' })).body;
    statuses.push(...new Array(100).fill(500));
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'outage.test' });
    const start = t.clock.now().getTime();
    await settle(t);
    await t.app.advance(new Date(start + 25 * 3_600_000));
    const [d] = (await ws.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).body.data;
    expect(d.status).toBe('failed');
    const last = new Date(d.attempt_log[d.attempt_log.length - 1].attempted_at).getTime();
    expect(last - start).toBeLessThanOrEqual(24 * 3_600_000);
    expect(last - start).toBeGreaterThan(22 * 3_600_000);
    expect(d.attempts).toBeGreaterThan(20);
    expect(d.attempts).toBeLessThan(40);
    statuses.length = 0;
    const retry = await ws.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/${d.id}/retry`);
    expect(retry.body).toMatchObject({ id: d.id, status: 'queued' });
    await settle(t);
    const [after] = (await ws.api('GET', `/api/v1/webhooks/${sub.id}/deliveries`)).body.data;
    expect(after.status).toBe('delivered');
    expect((await ws.api('POST', `/api/v1/webhooks/${sub.id}/deliveries/${d.id}/retry`)).status).toBe(409);
  });

  it("matches 'message.*', skips disabled subscriptions and events logged before a subscription", async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'dee@example.com' })).body;
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'old.event' });
    await settle(t);
    const all = await subscribe(ws, '/all', ['*']);
    const messages = await subscribe(ws, '/messages', ['message.*']);
    const off = await subscribe(ws, '/off', ['*']);
    expect((await ws.api('PATCH', `/api/v1/webhooks/${off.id}`, { enabled: false })).body.enabled).toBe(false);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'Receipt', channel: 'email', content: { subject: 'Receipt', body: '<p>Thanks</p>' } })).body;
    const sent = await ws.api('POST', '/api/v1/transactional', { message_id: m.id, to: { contact_id: c.id } });
    await settle(t);
    const types = at('/messages').map((r) => verify(r, messages.secret).body);
    expect(types.map((b) => b.type)).toEqual(['message.sent']);
    expect(types[0].data).toMatchObject({ delivery_id: sent.body.delivery_id, message_id: m.id, channel: 'email', transactional: true });
    expect(at('/all').map((r) => verify(r, all.secret).body.type)).toEqual(['message.sent']);
    expect(at('/off')).toEqual([]);
    const list = (await ws.api('GET', '/api/v1/webhooks')).body.data;
    expect(list).toHaveLength(3);
    expect(JSON.stringify(list)).not.toContain('whsec_');
  });

  it('validates subscriptions: URL, event types, admin only', async () => {
    const ws = await newWorkspace(t);
    expect((await ws.api('POST', '/api/v1/webhooks', { url: 'ftp://example.com/x', event_types: ['*'] })).status).toBe(400);
    expect((await ws.api('POST', '/api/v1/webhooks', { url: 'not a url', event_types: ['*'] })).status).toBe(400);
    const badType = await ws.api('POST', '/api/v1/webhooks', { url: 'https://example.com/hook', event_types: ['message.*', 'bad type'] });
    expect(badType.status).toBe(400);
    expect(badType.body.error.details[0].path).toBe('event_types[1]');
    const author = await ws.as('author');
    expect((await author('POST', '/api/v1/webhooks', { url: 'https://example.com/hook', event_types: ['*'] })).status).toBe(403);
    expect((await author('GET', '/api/v1/webhooks')).status).toBe(403);
  });
});
