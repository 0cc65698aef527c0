import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { startSmtpSink, type Sink } from './smtp-sink.ts';
import net from 'node:net';
import { scheduleDeliveries } from '../src/delivery/index.ts';
import { sql } from '../src/db/index.ts';

let t: TestApp;
let sink: Sink;
beforeAll(async () => {
  sink = await startSmtpSink();
  t = await testApp({ SMTP_URL: '' });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('the sender over real SMTP (M-2)', () => {
  it('retries temporary failures with backoff, backs a throttling domain off and resumes, fails permanent ones with the reason', async () => {
    const { createApp } = await import('../src/app.ts');
    const { loadConfig } = await import('../src/config.ts');
    const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'x'.repeat(32), SMTP_URL: sink.url }), db: t.db, clock: t.clock, migrate: false });
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p>Hi {{ contact.email }}</p>' } })).body;
    const addrs = ['ok@a.example', 'busy@b.example', 'busy2@b.example', 'gone@c.example'];
    const contacts = [];
    for (const email of addrs) contacts.push((await ws.api('POST', '/api/v1/contacts', { email })).body);
    let busy = 2; // b.example answers 451 twice, then accepts
    sink.onRcpt = (a) => {
      if (a.endsWith('@b.example') && busy > 0) return busy--, { code: 451, message: '4.7.1 slow down' };
      if (a.startsWith('gone')) return { code: 550, message: '5.1.1 no such user' };
      return undefined;
    };
    const now = t.clock.now();
    await scheduleDeliveries(t.db, now, contacts.map((c) => ({
      workspaceId: ws.id, idempotencyKey: `k:${c.id}`, contactId: c.id, messageId: m.id, messageVersion: 1, channel: 'email', to: c.email, source: 'campaign', sendAt: now,
    })));
    await app.drain();
    const status = async () => Object.fromEntries((await ws.api('GET', '/api/v1/deliveries')).body.data.map((d: any) => [d.to_address, d.status]));
    expect(await status()).toEqual({ 'ok@a.example': 'sent', 'busy@b.example': 'queued', 'busy2@b.example': 'queued', 'gone@c.example': 'failed' });
    const health = (await ws.api('GET', '/api/v1/sending/health')).body;
    expect(health.backing_off.map((b: any) => b.domain)).toEqual(['b.example']);
    const gone = (await ws.api('GET', '/api/v1/deliveries?status=failed')).body.data[0];
    expect(gone.last_error).toContain('no such user');
    await app.advance(new Date(now.getTime() + 3600_000));
    expect(await status()).toMatchObject({ 'busy@b.example': 'sent', 'busy2@b.example': 'sent' });
    const throttled = (await ws.api('GET', '/api/v1/deliveries')).body.data.find((d: any) => d.to_address === 'busy@b.example');
    expect(throttled.attempts).toBe(1); // throttling does not use up attempts
    expect(sink.received.filter((r) => r.to[0].endsWith('.example')).map((r) => r.to[0]).sort()).toEqual(['busy2@b.example', 'busy@b.example', 'ok@a.example']);
    sink.onRcpt = undefined;
    await app.close();
  });

  it('steps a refusing domain\'s back-off up once per try, however many batches met the refusal', async () => {
    // two lanes of one batch each claim side by side: both meet the same refusal (M-2, issue 9)
    const { createApp } = await import('../src/app.ts');
    const { loadConfig } = await import('../src/config.ts');
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r())); // nothing listens there now: refused
    const app = await createApp({
      config: loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'x'.repeat(32), SMTP_URL: `smtp://127.0.0.1:${port}`, PARCOURS_WORKER_BATCH: '1' }),
      db: t.db, clock: t.clock, migrate: false,
    });
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p>x</p>' } })).body;
    const contacts = [];
    for (const email of ['one@refused.example', 'two@refused.example']) contacts.push((await ws.api('POST', '/api/v1/contacts', { email })).body);
    const now = t.clock.now();
    await scheduleDeliveries(t.db, now, contacts.map((c) => ({
      workspaceId: ws.id, idempotencyKey: `r:${c.id}`, contactId: c.id, messageId: m.id, messageVersion: 1, channel: 'email', to: c.email, source: 'campaign', sendAt: now,
    })));
    await app.drain();
    const level = async () => (await t.db.query<{ level: number; until: Date }>(sql`select level, until from domain_backoff where domain = 'refused.example'`)).rows[0];
    const b = await level();
    expect(b.level).toBe(1);
    expect(b.until.getTime() - now.getTime()).toBe(30_000);
    expect((await t.db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and attempts = 0 and status = 'queued'`)).rows[0].n).toBe(2);
    await app.close();
  });

  it('marks a delivery whose worker died mid-send as in_doubt, never resending it blindly', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p>x</p>' } })).body;
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'doubt@example.com' })).body;
    const now = t.clock.now();
    const [d] = await scheduleDeliveries(t.db, now, [{ workspaceId: ws.id, idempotencyKey: 'doubt', contactId: c.id, messageId: m.id, messageVersion: 1, channel: 'email', to: c.email, source: 'campaign', sendAt: now }]);
    const { claimDueDeliveries, markHandedOver } = await import('../src/delivery/claim.ts');
    // a worker claims it, hands it to the relay, then dies
    const claimed = await claimDueDeliveries(t.db, now, 1000, 60_000);
    await markHandedOver(t.db, claimed.batch, claimed.rows.length, now);
    await t.app.advance(new Date(now.getTime() + 5 * 60_000));
    const row = (await ws.api('GET', `/api/v1/deliveries/${d.id}`)).body;
    expect(row.status).toBe('in_doubt');
    expect((await ws.api('GET', '/api/v1/sending/health')).body.counts.in_doubt).toBe(1);
    expect((await ws.api('POST', '/api/v1/deliveries/retry', { ids: [d.id] })).body.queued).toBe(1);
    await t.app.drain();
    expect((await ws.api('GET', `/api/v1/deliveries/${d.id}`)).body.status).toBe('sent');
  });

  it('puts a delivery claimed by a worker that died before handing it over back in the queue, and sends it once (issue 18)', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p>x</p>' } })).body;
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'claimed@example.com' })).body;
    const now = t.clock.now();
    const [d] = await scheduleDeliveries(t.db, now, [{ workspaceId: ws.id, idempotencyKey: 'claimed', contactId: c.id, messageId: m.id, messageVersion: 1, channel: 'email', to: c.email, source: 'campaign', sendAt: now }]);
    const { claimDueDeliveries } = await import('../src/delivery/claim.ts');
    await claimDueDeliveries(t.db, now, 1000, 60_000); // claimed, then the worker dies
    await t.app.advance(new Date(now.getTime() + 5 * 60_000));
    const row = (await ws.api('GET', `/api/v1/deliveries/${d.id}`)).body;
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(1);
    const stored = await t.db.query(sql`select 1 from outbox where workspace_id = ${ws.id} and delivery_id = ${d.id}`);
    expect(stored.rowCount).toBe(1);
  });
});
