import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { testApp, newWorkspace, PG_URL, type TestApp } from './helpers.ts';
import { schemaUrl, sql } from '../src/db/index.ts';

// Fault tests need several processes on one database: PostgreSQL only (PGlite is one process).
const onPg = !!PG_URL;
let t: TestApp;
beforeAll(async () => {
  if (onPg) t = await testApp();
});
afterAll(() => t?.close());

function worker(url: string): ChildProcess {
  return spawn(process.execPath, ['bin/parcours.mjs', 'worker'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', PARCOURS_SECRET: 'fault-secret-fault-secret-fault-secret', PARCOURS_WORKER_BATCH: '200', PARCOURS_JOURNEY_BATCH: '200' },
    stdio: 'ignore',
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(onPg)('J-20 under SIGKILL: two workers, one killed mid-batch again and again', () => {
  it('runs every step of every enrollment exactly once', async () => {
    const ws = await newWorkspace(t);
    const m1 = (await ws.api('POST', '/api/v1/messages', { name: 'A', channel: 'email', content: { subject: 'A', body: '<p>a</p>' } })).body.id;
    const m2 = (await ws.api('POST', '/api/v1/messages', { name: 'B', channel: 'email', content: { subject: 'B', body: '<p>b</p>' } })).body.id;
    const j = (await ws.api('POST', '/api/v1/journeys', { name: 'fault', definition: {
      trigger: { type: 'manual' }, start: 'e1',
      steps: [{ id: 'e1', type: 'email', message_id: m1, next: 't' }, { id: 't', type: 'action', action: 'add_tag', tag: 'seen', next: 'e2' }, { id: 'e2', type: 'email', message_id: m2, next: null }],
    } })).body;
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const n = 3000;
    await t.db.query(sql`insert into contacts (workspace_id, key, email, created_at, updated_at)
      select ${ws.id}, 'f' || g || '@example.com', 'f' || g || '@example.com', now(), now() from generate_series(1, ${n}) g`);
    const ids = (await t.db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws.id}`)).rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 1000) await ws.api('POST', `/api/v1/journeys/${j.id}/enroll`, { contact_ids: ids.slice(i, i + 1000) });
    const url = schemaUrl(t.pg!.url, t.pg!.schema);
    const steady = worker(url);
    let victim = worker(url);
    for (let k = 0; k < 6; k++) {
      await sleep(400 + Math.floor(Math.random() * 400));
      victim.kill('SIGKILL');
      victim = worker(url);
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const left = (await t.db.query<{ n: number }>(sql`
        select (select count(*) from enrollments where workspace_id = ${ws.id} and status = 'active')
             + (select count(*) from deliveries where workspace_id = ${ws.id} and status in ('queued', 'sending'))::int as n`)).rows[0].n;
      if (Number(left) === 0 || Date.now() > deadline) break;
      await sleep(250);
    }
    steady.kill('SIGTERM');
    victim.kill('SIGTERM');
    const q = async (s: ReturnType<typeof sql>) => Number((await t.db.query<{ n: number }>(s)).rows[0].n);
    expect(await q(sql`select count(*)::int as n from enrollments where workspace_id = ${ws.id} and status = 'completed'`)).toBe(n);
    expect(await q(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and source = 'journey'`)).toBe(2 * n);
    expect(await q(sql`select count(*)::int as n from enrollment_steps where workspace_id = ${ws.id}`)).toBe(3 * n);
    expect(await q(sql`select count(*)::int as n from contact_tags where workspace_id = ${ws.id} and tag = 'seen'`)).toBe(n);
    // the outbox is the sink's own record: never two copies of one delivery
    expect(await q(sql`select count(*)::int as n from (select delivery_id from outbox where workspace_id = ${ws.id} group by 1 having count(*) > 1) d`)).toBe(0);
    const inDoubt = await q(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'in_doubt'`);
    const stored = await q(sql`select count(*)::int as n from outbox where workspace_id = ${ws.id}`);
    // sent exactly once, or reported in doubt (killed between the send and its record): nothing silent
    expect(stored + inDoubt).toBeGreaterThanOrEqual(2 * n);
    expect(await q(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'sent'`)).toBe(2 * n - inDoubt);
  }, 120_000);
});
