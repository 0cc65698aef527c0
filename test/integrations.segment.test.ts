import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { createApiKey } from '../src/accounts/index.ts';

/**
 * Segment's own Node library pointed at Parcours (P-1, C-3; issue 17): configured as README and
 * WEBHOOKS.md say, over real HTTP. The library resolves its path ('/v1/batch') against `host`,
 * so whatever path the host has, it posts to {origin}/v1/batch.
 */
let t: TestApp;
let origin = '';
beforeAll(async () => {
  t = await testApp();
  await t.http.listen({ port: 0, host: '127.0.0.1' });
  origin = `http://127.0.0.1:${(t.http.server.address() as AddressInfo).port}`;
});
afterAll(() => t?.close());

/** Runs calls through the library and flushes: the URLs it posted to and the answers it got. */
async function viaSegment(options: { writeKey: string; host: string; path?: string }, calls: (a: Analytics) => void) {
  const analytics = new Analytics({ ...options, flushInterval: 50, maxRetries: 0 });
  const posted: { url: string; status: number }[] = [];
  const errors: unknown[] = [];
  analytics.on('http_response', (r) => posted.push({ url: r.url, status: r.status }));
  analytics.on('error', (e) => errors.push(e));
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 10_000 });
  return { posted, errors };
}

async function contactByEmail(ws: Workspace, email: string) {
  const list = (await ws.api('GET', `/api/v1/contacts?q=${encodeURIComponent(email)}`)).body.data;
  return list.find((c: any) => c.email === email);
}

async function eventsOf(ws: Workspace, contactId: number) {
  return (await ws.api('GET', `/api/v1/contacts/${contactId}/events`)).body.data;
}

describe('Segment analytics-node against Parcours (P-1, C-3)', () => {
  it('identify and track with host = PUBLIC_URL: posted to /v1/batch, contact and events recorded', async () => {
    const ws = await newWorkspace(t);
    const { posted, errors } = await viaSegment({ writeKey: ws.key, host: origin }, (a) => {
      a.identify({ userId: 'u-42', traits: { email: 'lea@example.com', firstName: 'Léa', lastName: 'Martin' } });
      a.track({ userId: 'u-42', event: 'Signed Up', properties: { plan: 'pro' } });
      a.track({ userId: 'u-42', event: 'Order Completed', properties: { order_id: 'A-1', total: 59.9, currency: 'EUR', products: [] } });
    });
    expect(errors).toEqual([]);
    expect(posted).toEqual([{ url: `${origin}/v1/batch`, status: 200 }]);
    const c = await contactByEmail(ws, 'lea@example.com');
    expect(c).toMatchObject({ first_name: 'Léa', last_name: 'Martin' });
    const types = (await eventsOf(ws, c.id)).map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['signed_up', 'purchase']));
    const purchase = (await eventsOf(ws, c.id)).find((e: any) => e.type === 'purchase');
    expect(purchase.data).toMatchObject({ order_id: 'A-1', total: 59.9, currency: 'EUR' });
  });

  it('host = PUBLIC_URL/api, as the old documentation said, lands on /v1/batch too', async () => {
    const ws = await newWorkspace(t);
    const { posted, errors } = await viaSegment({ writeKey: ws.key, host: `${origin}/api` }, (a) => {
      a.identify({ userId: 'u-7', traits: { email: 'noa@example.com' } });
      a.track({ userId: 'u-7', event: 'Trial Started' });
    });
    expect(errors).toEqual([]);
    expect(posted).toEqual([{ url: `${origin}/v1/batch`, status: 200 }]);
    const c = await contactByEmail(ws, 'noa@example.com');
    expect((await eventsOf(ws, c.id)).map((e: any) => e.type)).toContain('trial_started');
  });

  it("keeps /api/v1/batch working through the library's path option", async () => {
    const ws = await newWorkspace(t);
    const { posted, errors } = await viaSegment({ writeKey: ws.key, host: origin, path: '/api/v1/batch' }, (a) => {
      a.identify({ userId: 'u-9', traits: { email: 'ines@example.com' } });
    });
    expect(errors).toEqual([]);
    expect(posted).toEqual([{ url: `${origin}/api/v1/batch`, status: 200 }]);
    expect(await contactByEmail(ws, 'ines@example.com')).toBeDefined();
  });

  it('refuses a wrong write key with 401 and stores nothing; a read-only key gets 403', async () => {
    const ws = await newWorkspace(t);
    const wrong = await viaSegment({ writeKey: 'pk_not_a_key', host: origin }, (a) => {
      a.identify({ userId: 'x', traits: { email: 'nobody@example.com' } });
    });
    expect(wrong.posted).toEqual([{ url: `${origin}/v1/batch`, status: 401 }]);
    expect(wrong.errors).toHaveLength(1);
    const viewer = (await createApiKey(t.app.ctx.db, t.app.ctx.clock, ws.id, 'viewer', 'viewer')).key;
    const ro = await viaSegment({ writeKey: viewer, host: origin }, (a) => {
      a.identify({ userId: 'x', traits: { email: 'nobody@example.com' } });
    });
    expect(ro.posted).toEqual([{ url: `${origin}/v1/batch`, status: 403 }]);
    expect((await ws.api('GET', '/api/v1/contacts')).body.data).toEqual([]);
  });

  it('answers the single-call routes at the root too (/v1/identify, /v1/track), with Basic auth as Segment sends it', async () => {
    const ws = await newWorkspace(t);
    const auth = { authorization: `Basic ${Buffer.from(`${ws.key}:`).toString('base64')}` };
    const id = await t.http.inject({ method: 'POST', url: '/v1/identify', payload: { userId: 'u-1', traits: { email: 'root@example.com' } }, headers: auth });
    expect(id.statusCode).toBe(200);
    // the API's per-key rate limit counts these calls too
    expect(id.headers['ratelimit-limit']).toBeDefined();
    const tr = await t.http.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u-1', event: 'Viewed Page' }, headers: auth });
    expect(tr.json()).toMatchObject({ event_type: 'viewed_page', status: 'recorded' });
    const bad = await t.http.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u-1' }, headers: auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('event');
  });
});
