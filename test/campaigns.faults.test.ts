import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { testApp, newWorkspace, PG_URL, type TestApp } from './helpers.ts';
import { schemaUrl, sql } from '../src/db/index.ts';
import { runFanout, type Progress, type Slice } from '../src/campaigns/index.ts';
import type { Job } from '../src/queue/index.ts';
import { campaign, email, launch, listOf, sender } from './campaigns-support.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
// a failed test must not leave its worker processes running against a dropped schema
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await t?.close();
});

const count = async (s: ReturnType<typeof sql>) => Number((await t.db.query<{ n: number }>(s)).rows[0].n);

/** The fan-out job of a campaign, claimed by hand as the queue would (status running). */
async function claimFanout(campaignId: number): Promise<Job> {
  const { rows } = await t.db.query<Job>(sql`
    update jobs set status = 'running', attempts = attempts + 1 where unique_key = ${`campaign:${campaignId}:fanout:main`} and status in ('queued', 'running')
    returning id, workspace_id, kind, payload, attempts, max_attempts, progress`);
  return rows[0];
}

describe('fan-out checkpoints', () => {
  it('resumes after a crash from the last committed batch and creates each delivery once', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list, ids } = await listOf(t, ws, 25);
    await t.db.query(sql`update contacts set email_status = 'unsubscribed' where workspace_id = ${ws.id} and id = ${ids[3]}`);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, control_group_percent: 20 });
    const calc = (await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body;
    await launch(ws, id);
    // the worker dies after its first batch of 10 contacts
    const crash = new Error('simulated crash');
    await expect(runFanout(t.app.ctx, await claimFanout(id), { batch: 10, slices: 1, afterBatch: () => { throw crash; } })).rejects.toBe(crash);
    const afterCrash = await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id}`);
    const saved = (await claimFanout(id)).progress as Progress;
    expect(saved.slices).toHaveLength(1);
    expect(saved.slices[0]).toMatchObject({ batches: 1, after: ids[9], queued: afterCrash, done: false });
    expect(afterCrash).toBeGreaterThan(0);
    expect(afterCrash).toBeLessThan(calc.recipients);
    // the rerun starts at the checkpoint, not from zero
    const seen: Slice[] = [];
    const done = (await runFanout(t.app.ctx, await claimFanout(id), { batch: 10, afterBatch: (s) => void seen.push(s) })) as Progress;
    expect(done).toMatchObject({ done: true, batches: 3, queued: calc.recipients, inserted: calc.recipients, control: calc.control_group, suppressed: 1 });
    expect(seen.map((s) => [s.batches, s.after])).toEqual([[2, ids[19]], [3, ids[24]]]);
    // replaying every batch from zero inserts nothing twice (idempotency keys)
    await t.db.query(sql`update jobs set status = 'running', progress = null where unique_key = ${`campaign:${id}:fanout:main`}`);
    const { rows } = await t.db.query<Job>(sql`select id, workspace_id, kind, payload, attempts, max_attempts, progress from jobs where unique_key = ${`campaign:${id}:fanout:main`}`);
    const replay = (await runFanout(t.app.ctx, rows[0], { batch: 10 })) as Progress;
    expect(replay).toMatchObject({ queued: calc.recipients, inserted: 0 });
    expect(await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(calc.recipients);
    expect(await count(sql`select count(*)::int as n from campaign_holdouts where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(calc.control_group);
    await t.app.drain();
    expect(await count(sql`select count(*)::int as n from outbox where workspace_id = ${ws.id}`)).toBe(calc.recipients);
    expect(await count(sql`select count(distinct to_address)::int as n from outbox where workspace_id = ${ws.id}`)).toBe(calc.recipients);
  });

  it('resumes side-by-side slices independently: the slice that died continues, the other is done', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list } = await listOf(t, ws, 40);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, id);
    let thrown = false;
    const crash = new Error('one slice dies');
    await expect(runFanout(t.app.ctx, await claimFanout(id), { batch: 7, slices: 2, afterBatch: (s) => {
      if (s.lo === 0 && !thrown) {
        thrown = true;
        throw crash;
      }
    } })).rejects.toBe(crash);
    const saved = (await claimFanout(id)).progress as Progress;
    expect(saved.slices.map((s) => s.done)).toEqual([false, true]);
    expect(saved.slices[0].batches).toBe(1);
    const done = (await runFanout(t.app.ctx, await claimFanout(id), { batch: 7 })) as Progress;
    expect(done).toMatchObject({ done: true, queued: 40, inserted: 40 });
    expect(await count(sql`select count(distinct contact_id)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(40);
  });
});

describe('pause and cancel while the fan-out runs', () => {
  it('queues the later batches as paused, and stops at the next batch once cancelled', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list } = await listOf(t, ws, 30);
    const paused = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, paused);
    let once = false;
    await runFanout(t.app.ctx, await claimFanout(paused), { batch: 10, slices: 1, afterBatch: async () => {
      if (once) return;
      once = true;
      expect((await ws.api('POST', `/api/v1/campaigns/${paused}/pause`)).body.deliveries_paused).toBe(10);
    } });
    const statuses = async (id: number) => (await t.db.query<{ status: string; n: number }>(sql`
      select status, count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id} group by 1`)).rows;
    expect(await statuses(paused)).toEqual([{ status: 'paused', n: 30 }]);
    await t.app.drain();
    expect(await count(sql`select count(*)::int as n from outbox where workspace_id = ${ws.id}`)).toBe(0);
    await ws.api('POST', `/api/v1/campaigns/${paused}/resume`);
    await t.app.drain();
    expect(await statuses(paused)).toEqual([{ status: 'sent', n: 30 }]);

    const cancelled = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, cancelled);
    const r = await runFanout(t.app.ctx, await claimFanout(cancelled), { batch: 10, slices: 1, afterBatch: async (s) => {
      if (s.batches === 1) expect((await ws.api('POST', `/api/v1/campaigns/${cancelled}/cancel`)).body.deliveries_cancelled).toBe(10);
    } });
    expect(r).toEqual({ skipped: 'cancelled' });
    expect(await statuses(cancelled)).toEqual([{ status: 'cancelled', n: 10 }]);
    expect((await ws.api('GET', `/api/v1/campaigns/${cancelled}`)).body.status).toBe('cancelled');
  });
});

// Killing a worker needs several processes on one database: PostgreSQL only.
function worker(url: string): ChildProcess {
  const child = spawn(process.execPath, ['bin/parcours.mjs', 'worker'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', PARCOURS_SECRET: 'fault-secret-fault-secret-fault-secret', PARCOURS_WORKER_BATCH: '100' },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const exited = (p: ChildProcess) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())));

async function until(what: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

describe.runIf(!!PG_URL)('a worker killed during fan-out and sending (PostgreSQL)', () => {
  it('never sends the campaign twice to a contact', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const n = 20_000;
    const { list } = await listOf(t, ws, n, 'k');
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, id);
    const key = `campaign:${id}:fanout:main`;
    // small batches, so the fan-out is long enough to be killed in the middle
    await t.db.query(sql`update jobs set payload = payload || '{"batch": 150}' where unique_key = ${key}`);
    const fanout = async () => (await t.db.query<{ status: string; batches: number | null; attempts: number }>(sql`
      select status, (select sum((x ->> 'batches')::int) from jsonb_array_elements(progress -> 'slices') x)::int as batches, attempts
        from jobs where unique_key = ${key} order by id desc limit 1`)).rows[0];
    const url = schemaUrl(t.pg!.url, t.pg!.schema);

    // 1. the only worker dies in the middle of the fan-out
    let victim = worker(url);
    await until(async () => ((await fanout()).batches ?? 0) >= 5, 60_000);
    victim.kill('SIGKILL');
    await exited(victim);
    const killed = await fanout();
    expect(killed.status).toBe('running');
    expect(killed.batches! * 150).toBeLessThan(n);
    // its lease runs out (20 s, made instant here); another worker resumes from the checkpoint
    await t.db.query(sql`update jobs set locked_until = now() where unique_key = ${key} and status = 'running'`);

    // 2. two workers; one is killed again and again while messages go out
    const steady = worker(url);
    victim = worker(url);
    const sent = () => count(sql`select count(*)::int as n from outbox where workspace_id = ${ws.id}`);
    // a worker takes about two seconds to start: each victim gets time to claim work before it dies
    for (let k = 0; k < 8; k++) {
      await sleep(2200 + Math.floor(Math.random() * 800));
      if (process.env.DEBUG_FAULTS) console.log('kill at', await sent(), (await t.db.query(sql`select status, count(*) from deliveries where workspace_id = ${ws.id} group by 1`)).rows);
      victim.kill('SIGKILL');
      await exited(victim);
      victim = worker(url);
      // the fan-out's lease (20 s) is made to run out when its holder was the one killed
      const before = JSON.stringify(await fanout());
      await sleep(1500);
      if ((await fanout()).status === 'running' && JSON.stringify(await fanout()) === before)
        await t.db.query(sql`update jobs set locked_until = now() where unique_key = ${key} and status = 'running'`);
      if ((await fanout()).status === 'done' && (await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'queued'`)) === 0) break;
    }
    await until(async () => (await fanout()).status === 'done', 60_000);
    await until(async () => (await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'queued'`)) === 0, 90_000);
    steady.kill('SIGTERM');
    victim.kill('SIGTERM');
    await Promise.all([exited(steady), exited(victim)]);
    // 3. what the killed workers held is past its lease: in doubt, reported, never resent
    await t.db.query(sql`update deliveries set locked_until = now() where workspace_id = ${ws.id} and status = 'sending'`);
    const last = worker(url);
    await until(async () => (await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status in ('queued', 'sending')`)) === 0, 30_000);
    last.kill('SIGTERM');
    await exited(last);

    expect((await fanout()).attempts).toBeGreaterThanOrEqual(2);
    expect(await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(n);
    expect(await count(sql`select count(distinct contact_id)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(n);
    // the outbox is the sink's own record: never two copies of a delivery, never two for a contact
    expect(await count(sql`select count(*)::int as n from (select delivery_id from outbox where workspace_id = ${ws.id} group by 1 having count(*) > 1) d`)).toBe(0);
    expect(await count(sql`select count(*)::int as n from (select to_address from outbox where workspace_id = ${ws.id} group by 1 having count(*) > 1) d`)).toBe(0);
    const inDoubt = await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id} and status = 'in_doubt'`);
    // sent exactly once, or reported in doubt (killed between the send and its record): nothing silent
    expect((await sent()) + inDoubt).toBeGreaterThanOrEqual(n);
    expect(await count(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${id} and status = 'sent'`)).toBe(n - inDoubt);
    if (process.env.DEBUG_FAULTS) console.log({ killedAtBatch: killed.batches, inDoubt, stored: await sent() });
  }, 240_000);
});
