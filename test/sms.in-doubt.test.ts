import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { campaign, launch } from './campaigns-support.ts';

/**
 * No duplicate sends over the SMS provider's HTTP API (M-2, M-6): a request the provider got but
 * never answered may have been accepted, so the delivery ends in_doubt and is not retried (as
 * SMTP after DATA); a request that never reached it (connection refused) is retried. The
 * provider is faked at the outer edge: a real HTTP server that reads the request, then drops it.
 */

/** Reads each request's body whole, counts it, then closes the socket without an answer. */
async function droppingProvider() {
  const state = { url: '', requests: 0, close: async () => {} };
  const server = http.createServer((req) => {
    req.resume();
    req.on('end', () => {
      state.requests++;
      req.socket.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

/** A loopback port nothing listens on: connections to it are refused. */
async function refusingUrl() {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

async function smsCampaignTo(ws: Workspace, phone: string) {
  const m = (await ws.api('POST', '/api/v1/messages', { name: 'Sale', channel: 'sms', content: { text: 'Hi, -20% today. STOP to stop' } })).body.id;
  const list = (await ws.api('POST', '/api/v1/lists', { name: 'Phones' })).body.id;
  const c = (await ws.api('POST', '/api/v1/contacts', { email: 'ana@example.com', phone, first_name: 'Ana', list_ids: [list] })).body;
  await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'sms', status: 'opted_in' });
  const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
  await launch(ws, id);
  return id;
}

const onlyDelivery = async (ws: Workspace) => {
  const ds = (await ws.api('GET', '/api/v1/deliveries?limit=10')).body.data;
  expect(ds).toHaveLength(1);
  return (await ws.api('GET', `/api/v1/deliveries/${ds[0].id}`)).body;
};

describe('an SMS the provider got but never answered (M-6, no duplicate sends)', () => {
  let t: TestApp;
  let provider: Awaited<ReturnType<typeof droppingProvider>>;
  beforeAll(async () => {
    provider = await droppingProvider();
    t = await testApp({ SMS_URL: provider.url, SMS_ACCOUNT_SID: 'AC123', SMS_AUTH_TOKEN: 'secret', SMS_FROM: '+15550001111' });
  });
  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  it('ends in_doubt after one request, and stays so however long the clock runs', async () => {
    const ws = await newWorkspace(t);
    await smsCampaignTo(ws, '+33611000001');
    await t.app.drain();
    expect(provider.requests).toBe(1);
    const d = await onlyDelivery(ws);
    expect(d).toMatchObject({ status: 'in_doubt', last_error: expect.stringContaining('no answer from the SMS provider after the request was sent') });
    // a retry would come within the backoff (1 min, 2 …): a day later still one request
    for (const hours of [1, 6, 24]) {
      t.clock.set(new Date(t.clock.now().getTime() + hours * 3_600_000));
      await t.app.drain();
    }
    expect(provider.requests).toBe(1);
    expect((await onlyDelivery(ws)).status).toBe('in_doubt');
    expect((await ws.api('GET', '/api/v1/sending/health')).body.counts.in_doubt).toBe(1);
  });
});

describe('an SMS whose connection was refused (M-6)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ SMS_URL: await refusingUrl(), SMS_ACCOUNT_SID: 'AC123', SMS_AUTH_TOKEN: 'secret' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is queued again with a backoff, since the provider never had it', async () => {
    const ws = await newWorkspace(t);
    await smsCampaignTo(ws, '+33611000002');
    await t.app.drain();
    const first = await onlyDelivery(ws);
    expect(first).toMatchObject({ status: 'queued', last_error: expect.stringContaining('ECONNREFUSED') });
    expect(new Date(first.send_at).getTime()).toBeGreaterThan(t.clock.now().getTime());
    t.clock.set(new Date(t.clock.now().getTime() + 10 * 60_000));
    await t.app.drain();
    const second = (await t.db.query<{ attempts: number; status: string }>(`select attempts, status from deliveries where workspace_id = ${ws.id}`)).rows;
    expect(second).toEqual([{ attempts: 2, status: 'queued' }]);
  });
});
