import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp, type Workspace } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { scheduleDeliveries } from '../src/delivery/index.ts';
import { startSmtpSink, type Sink } from './smtp-sink.ts';
import { campaign, email, launch, listOf, sender } from './campaigns-support.ts';

/**
 * Issue 17, campaigns and delivery (M-3, K-8): Message-IDs unique across installs and found
 * again from a report quoting them, soft-bounce streaks ended by a delivery report, complaints
 * by address counted in the campaign the address last received.
 */
let sink: Sink;
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  sink = await startSmtpSink();
  // two installs (own database, own secret) relaying through one SMTP server, sending from one domain
  a = await testApp({ SMTP_URL: sink.url, PARCOURS_SECRET: 'install-a-secret-install-a-secret-0001' });
  b = await testApp({ SMTP_URL: sink.url, PARCOURS_SECRET: 'install-b-secret-install-b-secret-0002' });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await sink?.close();
});

const HOUR = 3_600_000;

async function sendOne(t: TestApp, ws: Workspace, address: string) {
  await ws.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
  const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p>Hi</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' } })).body;
  const c = (await ws.api('POST', '/api/v1/contacts', { email: address })).body;
  const [d] = await scheduleDeliveries(t.db, t.clock.now(), [{
    workspaceId: ws.id, idempotencyKey: `test:${address}`, contactId: c.id, messageId: m.id, messageVersion: m.version,
    channel: 'email', to: address, source: 'campaign', sendAt: t.clock.now(),
  }]);
  await t.app.drain();
  const got = sink.received.find((r) => r.to.includes(address));
  expect(got, address).toBeDefined();
  return { deliveryId: d.id as number, contactId: c.id as number, messageId: got!.parsed.messageId! };
}

const status = async (ws: Workspace, contactId: number) => (await ws.api('GET', `/api/v1/contacts/${contactId}`)).body.email_status;

describe('Message-ID (M-3, RFC 5322, issue 17)', () => {
  it('differs between two installs sending the same delivery id from one domain', async () => {
    const wa = await newWorkspace(a);
    const wb = await newWorkspace(b);
    const x = await sendOne(a, wa, 'same-a@example.com');
    const y = await sendOne(b, wb, 'same-b@example.com');
    // the same delivery and workspace ids in both installs: the scenario of the issue
    expect([x.deliveryId, wa.id]).toEqual([y.deliveryId, wb.id]);
    expect(x.messageId).toMatch(new RegExp(`^<d${x.deliveryId}\\.w${wa.id}\\.[0-9a-f]{20}@shop\\.example>$`));
    expect(y.messageId).toMatch(/@shop\.example>$/);
    expect(x.messageId).not.toBe(y.messageId);
  });

  it('finds the delivery from a report quoting its Message-ID, and only this install\'s', async () => {
    const wa = await newWorkspace(a);
    const wb = await newWorkspace(b);
    const x = await sendOne(a, wa, 'quoted@example.com');
    const y = await sendOne(b, wb, 'other@example.com');
    // another install's id, even with the same delivery and workspace numbers, names nothing here
    expect((await wa.api('POST', '/api/v1/webhooks/bounces', { message_id: y.messageId.replace(`.w${wb.id}.`, `.w${wa.id}.`).replace(`d${y.deliveryId}.`, `d${x.deliveryId}.`), type: 'hard' })).body).toEqual({ matched: false });
    expect(await status(wa, x.contactId)).toBe('subscribed');
    const r = await wa.api('POST', '/api/v1/webhooks/bounces', { message_id: x.messageId, type: 'hard', reason: '550 5.1.1 no such user' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ matched: true, status: 'bounced' });
    expect((await wa.api('GET', `/api/v1/deliveries/${x.deliveryId}`)).body.status).toBe('bounced');
    expect(await status(wa, x.contactId)).toBe('bounced');
    const bad = await wa.api('POST', '/api/v1/webhooks/bounces', { type: 'hard' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/message_id/);
  });
});

describe('soft-bounce streaks (M-3, C-4, issue 17)', () => {
  it('ends the streak at a delivery report, not only at an open or a click', async () => {
    const ws = await newWorkspace(a);
    const x = await sendOne(a, ws, 'working@example.com');
    const soft = () => ws.api('POST', '/api/v1/webhooks/bounces', { email: 'working@example.com', type: 'soft' });
    await soft();
    await soft();
    // a provider reports the next message delivered: the inbox works, though it never opens
    expect((await ws.api('POST', '/api/v1/webhooks/bounces', { delivery_id: x.deliveryId, type: 'delivered' })).body).toEqual({ matched: true });
    await soft();
    await soft();
    expect(await status(ws, x.contactId)).toBe('subscribed');
    // Postmark's delivery webhook, by address only, ends it too
    const postmark = apiClient(a.http, { authorization: `Basic ${Buffer.from(`x:${ws.key}`).toString('base64')}` });
    await postmark('POST', '/api/v1/webhooks/postmark', { RecordType: 'Delivery', Recipient: 'working@example.com', DeliveredAt: '2026-01-05T09:00:05Z' });
    await soft();
    await soft();
    expect(await status(ws, x.contactId)).toBe('subscribed');
    await soft();
    expect(await status(ws, x.contactId)).toBe('bounced');
  });
});

describe('complaints by address (K-8, issue 17)', () => {
  it('counts a complaint without delivery_id in the campaign whose message the address last received', async () => {
    const ws = await newWorkspace(a);
    await sender(ws);
    const m = await email(ws);
    const { list, ids } = await listOf(a, ws, 3, 'k');
    const first = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, first);
    await a.app.drain();
    await a.app.advance(new Date(a.clock.now().getTime() + HOUR));
    const second = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, second);
    await a.app.drain();
    const r = await ws.api('POST', '/api/v1/webhooks/bounces', { email: 'K2@example.com', type: 'complaint' });
    expect(r.body).toMatchObject({ matched: true, status: 'complained' });
    const report = async (id: number) => (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body.totals;
    expect(await report(second)).toMatchObject({ sent: 3, complained: 1 });
    expect(await report(first)).toMatchObject({ sent: 3, complained: 0 });
    const { rows } = await a.db.query<{ data: any }>(sql`select data from events where workspace_id = ${ws.id} and contact_id = ${ids[1]} and type = 'message.complained'`);
    expect(rows.map((e) => e.data.campaign_id)).toEqual([second]);
    // the consent history says who reported it and why
    const history = (await ws.api('GET', `/api/v1/contacts/${ids[1]}/consent-history`)).body.data;
    expect(history[0]).toMatchObject({ status: 'complained', source: 'complaint', reason: 'spam complaint', actor: expect.stringMatching(/^API key \d+/) });
  });
});
