import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, T0, type TestApp } from './helpers.ts';
import { enqueue, jobsSource, advanceClock, completeJob, type JobHandler, type DueSource } from '../src/queue/index.ts';
import { readLog, appendEvents, LOG_START } from '../src/events/index.ts';
import { createLogger } from '../src/log.ts';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { ManualClock } from '../src/clock.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const log = createLogger('silent');

function source(handlers: Record<string, JobHandler>): DueSource {
  return jobsSource({ db: t.db, clock: t.clock, log }, new Map(Object.entries(handlers)));
}

describe('queue: jobs with run_at, attempts, backoff, unique keys', () => {
  it('runs due jobs in due order as the manual clock advances, each time at its own due time', async () => {
    const ran: string[] = [];
    const s = source({ note: async (job) => void ran.push(`${job.payload.n}@${t.clock.now().toISOString()}`) });
    const base = t.clock.now().getTime();
    await enqueue(t.db, t.clock, { kind: 'note', payload: { n: 2 }, runAt: new Date(base + 2 * 3600_000) });
    await enqueue(t.db, t.clock, { kind: 'note', payload: { n: 1 }, runAt: new Date(base + 3600_000) });
    await enqueue(t.db, t.clock, { kind: 'note', payload: { n: 3 }, runAt: new Date(base + 48 * 3600_000) });
    await advanceClock(t.clock, [s], new Date(base + 24 * 3600_000));
    expect(ran).toEqual([`1@${new Date(base + 3600_000).toISOString()}`, `2@${new Date(base + 7200_000).toISOString()}`]);
    expect(t.clock.now().getTime()).toBe(base + 24 * 3600_000);
    await advanceClock(t.clock, [s], new Date(base + 72 * 3600_000));
    expect(ran).toHaveLength(3);
  });

  it('keeps one pending job per unique key', async () => {
    const first = await enqueue(t.db, t.clock, { kind: 'uniq', uniqueKey: 'k1' });
    const second = await enqueue(t.db, t.clock, { kind: 'uniq', uniqueKey: 'k1' });
    expect(first).toBeTypeOf('number');
    expect(second).toBeNull();
    await source({ uniq: async () => {} }).runDue(t.clock.now());
    expect(await enqueue(t.db, t.clock, { kind: 'uniq', uniqueKey: 'k1' })).toBeTypeOf('number'); // done: a new one may queue
  });

  it('retries a failing job with exponential backoff, then fails it with the error', async () => {
    const times: number[] = [];
    const s = source({ flaky: async () => { times.push(t.clock.now().getTime()); throw new Error('smtp down'); } });
    const start = t.clock.now().getTime();
    const id = await enqueue(t.db, t.clock, { kind: 'flaky', maxAttempts: 4 });
    await advanceClock(t.clock, [s], new Date(start + 3600_000));
    expect(times.map((x) => (x - start) / 1000)).toEqual([0, 10, 30, 70]);
    const { rows } = await t.db.query<any>(`select status, attempts, last_error from jobs where id = $1`, [id]);
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 4, last_error: 'smtp down' });
  });

  it("re-runs a job whose worker died (its lease expired), and never while the lease holds", async () => {
    const { claimDueJobs } = await import('../src/queue/jobs.ts');
    const id = await enqueue(t.db, t.clock, { kind: 'lease' });
    const now = t.clock.now();
    const claimed = await claimDueJobs(t.db, now, 10, 60_000);
    expect(claimed.map((j) => j.id)).toContain(id);
    expect((await claimDueJobs(t.db, now, 10, 60_000)).map((j) => j.id)).not.toContain(id); // held
    const later = new Date(now.getTime() + 61_000);
    const again = await claimDueJobs(t.db, later, 10, 60_000);
    expect(again.find((j) => j.id === id)?.attempts).toBe(2);
    await completeJob(t.db, t.clock, id!);
  });

  it('lets two claimers take disjoint batches (SKIP LOCKED)', async () => {
    if (t.db.kind !== 'postgres') return; // PGlite has one connection: nothing runs concurrently
    const { claimDueJobs } = await import('../src/queue/jobs.ts');
    for (let i = 0; i < 40; i++) await enqueue(t.db, t.clock, { kind: 'par' });
    const [x, y] = await Promise.all([claimDueJobs(t.db, t.clock.now(), 25, 60_000), claimDueJobs(t.db, t.clock.now(), 25, 60_000)]);
    const xs = new Set(x.map((j) => j.id));
    expect(y.some((j) => xs.has(j.id))).toBe(false);
    expect(x.length + y.length).toBeGreaterThanOrEqual(40);
  });
});

describe('events log', () => {
  it('is read by cursor in commit order, never skipping a row', async () => {
    const ws = await newWorkspace(t);
    let cursor = LOG_START;
    const seen: string[] = [];
    const drain = async () => {
      for (;;) {
        const batch = await readLog(t.db, cursor, 3);
        if (!batch.length) return;
        for (const e of batch) if (e.workspace_id === ws.id) seen.push(e.type);
        const last = batch[batch.length - 1];
        cursor = { xid: last.xid, id: last.id };
      }
    };
    await appendEvents(t.db, t.clock.now(), ['a', 'b', 'c', 'd'].map((type) => ({ workspaceId: ws.id, contactId: null, type })));
    await drain();
    await t.db.tx(async (tx) => appendEvents(tx, t.clock.now(), [{ workspaceId: ws.id, contactId: null, type: 'e' }]));
    await drain();
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('events log order across transaction ids of different lengths', () => {
  it('reads every row once when transaction ids cross a power of ten (999 → 1000)', async () => {
    const ws = await newWorkspace(t);
    const { rows } = await t.db.query<{ x: string }>('select pg_current_xact_id()::text as x');
    // enough one-event transactions to cross the next power of ten of the transaction id
    const next = 10 ** String(rows[0].x).length - Number(rows[0].x);
    const n = Math.min(next + 20, 400);
    for (let i = 0; i < n; i++) await t.db.tx((tx) => appendEvents(tx, t.clock.now(), [{ workspaceId: ws.id, contactId: null, type: `n${i}` }]));
    let cursor = LOG_START;
    const seen: string[] = [];
    for (;;) {
      const batch = await readLog(t.db, cursor, 7);
      if (!batch.length) break;
      for (const e of batch) if (e.workspace_id === ws.id) seen.push(e.type);
      cursor = { xid: batch[batch.length - 1].xid, id: batch[batch.length - 1].id };
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `n${i}`));
  });
});

describe('manual clock endpoint', () => {
  it('advances by a duration or to a time, and rejects going back', async () => {
    const ws = await newWorkspace(t);
    const before = (await ws.api('GET', '/api/v1/clock')).body.now;
    const r = await ws.api('POST', '/api/v1/clock/advance', { by: 'P1D' });
    expect(r.status).toBe(200);
    expect(new Date(r.body.now).getTime() - new Date(before).getTime()).toBe(86_400_000);
    expect((await ws.api('POST', '/api/v1/clock/advance', { to: T0.toISOString() })).status).toBe(400);
    expect((await ws.api('POST', '/api/v1/clock/advance', { by: 'one day' })).body.error.details[0].path).toBe('by');
  });

  it('does not exist without a manual clock', async () => {
    const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'x'.repeat(32) }), db: t.db, migrate: false });
    const http = await app.http();
    const res = await http.inject({ method: 'POST', url: '/api/v1/clock/advance', payload: { by: 'P1D' } });
    expect(res.statusCode).toBe(404);
    await app.close();
    void ManualClock;
  });
});
