// Issue 9, faults: the SMTP relay refuses connections, then answers 4xx, then answers slowly, then
// recovers. A real SMTP server (scripts/faults/sink.ts) and the real SMTP transport, configured as
// the app does (SMTP_URL; its query string tunes the transport's timeouts); time moves only through
// the manual clock. In process, so on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { startFaultSink, type FaultSink } from '../scripts/faults/sink.ts';
import { email, listOf, sender } from './campaigns-support.ts';
import { scheduleDeliveries } from '../src/delivery/index.ts';

const TIMEOUT_MS = 1000; // the transport's socket timeout in this test (60 s by default)
const SLOW_OK_MS = 150; // a slow answer still within the timeout
const SLOW_LATE_MS = 2500; // an answer the transport stops waiting for: the server accepted it anyway

let t: TestApp;
let sink: FaultSink;
beforeAll(async () => {
  sink = await startFaultSink({ listening: false }); // the relay is down at first: connections refused
  t = await testApp({ SMTP_URL: `${sink.url}/?connectionTimeout=${TIMEOUT_MS}&greetingTimeout=${TIMEOUT_MS}&socketTimeout=${TIMEOUT_MS}` });
});
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

const N = 24;

async function rows(ws: Workspace) {
  return (await t.db.query<{ id: number; status: string; attempts: number; send_at: Date; last_error: string | null; workspace_id: number }>(sql`
    select id, workspace_id, status, attempts, send_at, last_error from deliveries where workspace_id = ${ws.id} order by id`)).rows;
}
const backoff = async () =>
  (await t.db.query<{ level: number; until: Date; last_error: string }>(sql`select level, until, last_error from domain_backoff where domain = 'example.com'`)).rows[0];
const ms = (d: Date | string) => new Date(d).getTime();

describe('SMTP outage: refused, 4xx, slow, recovered (issue 9)', () => {
  it('loses nothing, backs off visibly, never sends twice silently, and resumes', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    await listOf(t, ws, N, 'smtp');
    // a batch of deliveries as a campaign's fan-out queues them (a campaign itself would add its
    // completion check every 15 s to the day of clock time below)
    const contacts = (await t.db.query<{ id: number; email: string }>(sql`select id, email from contacts where workspace_id = ${ws.id} order by id`)).rows;
    const now = t.clock.now();
    await scheduleDeliveries(t.db, now, contacts.map((c) => ({
      workspaceId: ws.id, idempotencyKey: `outage:${c.id}`, contactId: c.id, messageId: m, messageVersion: 1, channel: 'email' as const, to: c.email, source: 'campaign' as const, sendAt: now,
    })));
    await t.app.drain(); // a first send attempt against a relay that is down

    // 1. connections refused: the domain backs off (30 s, 1 min, 2 min …); attempts are not used up
    let ds = await rows(ws);
    expect(ds).toHaveLength(N);
    expect(ds.every((d) => d.status === 'queued')).toBe(true);
    let health = (await ws.api('GET', '/api/v1/sending/health')).body;
    expect(health.counts.queued).toBe(N);
    expect(health.backing_off.map((b: any) => b.domain)).toEqual(['example.com']);
    expect(health.backing_off[0].last_error).toMatch(/ECONNREFUSED/);
    const waits: number[] = [];
    for (let k = 0; k < 4; k++) {
      const b = await backoff();
      waits.push(ms(b.until) - ms(t.clock.now()));
      await t.app.advance(new Date(b.until)); // the next try falls due exactly then
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect((await backoff()).level).toBe(5);
    ds = await rows(ws);
    expect(ds.every((d) => d.status === 'queued' && d.attempts === 0)).toBe(true);
    expect(sink.connections).toBe(0);
    // a relay down for a day still gets its mail: the back-off is capped at 30 minutes and nothing gives up
    await t.app.advance(new Date(ms(t.clock.now()) + 24 * 3600_000));
    ds = await rows(ws);
    expect(ds.every((d) => d.status === 'queued' && d.attempts === 0)).toBe(true);
    expect(ms((await backoff()).until) - ms(t.clock.now())).toBeLessThanOrEqual(30 * 60_000);

    // 2. the relay is back but answers 421 to MAIL FROM: still backing off, the server's words reported
    await sink.up();
    sink.mode = { kind: 'reject', at: 'mail', code: 421, message: '4.3.2 Service shutting down' };
    await t.app.advance(new Date((await backoff()).until));
    expect(sink.rejected).toBeGreaterThan(0);
    health = (await ws.api('GET', '/api/v1/sending/health')).body;
    expect(health.counts.queued).toBe(N);
    expect(health.backing_off[0]).toMatchObject({ domain: 'example.com' });
    expect(health.backing_off[0].last_error).toMatch(/421/);
    expect(sink.accepted).toHaveLength(0);

    // 3. then 452 to RCPT TO (a temporary failure of each message): every delivery retries on its
    //    own, 1 min, 2 min, 4 min later, and its attempts are counted
    sink.mode = { kind: 'reject', at: 'rcpt', code: 452, message: '4.3.1 Insufficient system storage' };
    await t.app.advance(new Date((await backoff()).until));
    const first = (await rows(ws))[0];
    const trail: { attempts: number; wait: number }[] = [];
    for (let k = 0; k < 3; k++) {
      const d = (await rows(ws)).find((r) => r.id === first.id)!;
      expect(d.status, JSON.stringify(d)).toBe('queued');
      expect(d.last_error).toMatch(/452/);
      trail.push({ attempts: d.attempts, wait: ms(d.send_at) - ms(t.clock.now()) });
      await t.app.advance(new Date(d.send_at));
    }
    expect(trail).toEqual([{ attempts: 1, wait: 60_000 }, { attempts: 2, wait: 120_000 }, { attempts: 3, wait: 240_000 }]);
    ds = await rows(ws);
    expect(ds.map((d) => [d.status, d.attempts, d.last_error])).toEqual(ds.map(() => ['queued', 4, expect.stringMatching(/452/)]));
    health = (await ws.api('GET', '/api/v1/sending/health')).body;
    expect(health.counts).toEqual({ queued: N });
    expect(sink.accepted).toHaveLength(0);

    // 4. then it accepts, but slowly: some answers come within the timeout, every third one after
    //    it. The server accepted those late ones; the transport cannot know it.
    sink.mode = { kind: 'slow', delayMs: (n) => (n % 3 === 0 ? SLOW_LATE_MS : SLOW_OK_MS) };
    const next = Math.min(...ds.map((d) => ms(d.send_at)));
    await t.app.advance(new Date(next));
    const late = new Set(sink.accepted.filter((a) => a.delayedMs > TIMEOUT_MS).map((a) => a.delivery));
    const inTime = sink.accepted.filter((a) => a.delayedMs < TIMEOUT_MS).length;
    expect(late.size).toBeGreaterThan(0);
    expect(inTime).toBeGreaterThan(0);
    ds = await rows(ws);
    // a message handed over without an answer is in doubt at once: reported, never retried blindly
    for (const d of ds) {
      const key = `${d.workspace_id}-${d.id}`;
      if (late.has(key)) {
        expect(d.status, key).toBe('in_doubt');
        expect(d.last_error).toMatch(/no answer/i);
      } else if (sink.counts.has(key)) expect(d.status, key).toBe('sent');
      else expect(d.status, key).toBe('queued');
    }

    // 5. recovered: whatever is still queued goes out; the in-doubt ones stay where they are
    sink.mode = { kind: 'accept' };
    await t.app.advance(new Date(ms(t.clock.now()) + 3600_000));
    ds = await rows(ws);
    const inDoubt = ds.filter((d) => d.status === 'in_doubt');
    expect(inDoubt.length).toBe(late.size);
    expect(ds.filter((d) => d.status === 'sent').length).toBe(N - late.size);
    health = (await ws.api('GET', '/api/v1/sending/health')).body;
    expect(health.counts).toEqual({ in_doubt: late.size });
    expect(health.backing_off).toEqual([]);

    // the sink's own record: each delivery exactly once, the in-doubt ones included (the server
    // did take them); nothing it did not get from us
    const keys = new Set(ds.map((d) => `${d.workspace_id}-${d.id}`));
    expect([...sink.counts.keys()].sort()).toEqual([...keys].sort());
    expect([...sink.counts.values()].every((n) => n === 1)).toBe(true);
    expect(sink.accepted).toHaveLength(N);
    expect(new Set(sink.accepted.map((a) => a.messageId)).size).toBe(N);
  }, 120_000);
});
