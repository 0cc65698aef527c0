import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { testApp, newWorkspace, PG_URL, type TestApp } from './helpers.ts';
import { schemaUrl, sql } from '../src/db/index.ts';
import { campaign, email, launch, listOf, sender } from './campaigns-support.ts';
import { startSmtpSink, type Sink } from './smtp-sink.ts';

/**
 * Graceful stop (issue 18, O-3, M-2): SIGTERM to a real `parcours worker` mid-campaign. It stops
 * claiming at once, finishes the mails handed to the relay, hands back what it claimed but did
 * not send (queued, not in doubt), and exits within PARCOURS_SHUTDOWN_S. Several processes on one
 * database: PostgreSQL only.
 */
let t: TestApp;
let sink: Sink;
const children: ChildProcess[] = [];
beforeAll(async () => {
  if (!PG_URL) return;
  t = await testApp();
  sink = await startSmtpSink();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sink?.close();
  await t?.close();
});

function worker(url: string): ChildProcess {
  const c = spawn(process.execPath, ['bin/parcours.mjs', 'worker'], {
    env: { ...process.env, DATABASE_URL: url, SMTP_URL: sink.url, LOG_LEVEL: 'silent', PARCOURS_SECRET: 'stop-secret-stop-secret-stop-secret!', PARCOURS_SHUTDOWN_S: '10' },
    stdio: 'ignore',
  });
  children.push(c);
  return c;
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => Promise<boolean> | boolean, ms: number) {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error('timed out');
    await sleep(50);
  }
}

describe.runIf(!!PG_URL)('SIGTERM during a campaign (O-3)', () => {
  it('exits within the limit, leaves nothing claimed or in doubt, and the next worker sends the rest once', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const n = 4000;
    const { list } = await listOf(t, ws, n, 'st');
    const id = await campaign(ws.api, { message_id: await email(ws), recipients: { lists: [list] } });
    await launch(ws, id);
    const url = schemaUrl(t.pg!.url, t.pg!.schema);
    const statuses = async () => Object.fromEntries((await t.db.query<{ status: string; n: number }>(sql`
      select status, count(*)::int as n from deliveries where workspace_id = ${ws.id} group by 1`)).rows.map((r) => [r.status, r.n]));

    const first = worker(url);
    await until(() => sink.received.length >= 200, 60_000);
    const at = performance.now();
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    const took = performance.now() - at;
    const received = sink.received.length;
    expect(took).toBeLessThan(10_000);
    expect(received).toBeLessThan(n); // it stopped mid-campaign rather than sending it all
    const after = await statuses();
    expect(after.sending ?? 0).toBe(0);
    expect(after.in_doubt ?? 0).toBe(0);
    expect(after.sent).toBe(received); // every mail the relay got is recorded sent, and only those

    const second = worker(url);
    await until(async () => (await statuses()).sent === n, 60_000);
    second.kill('SIGTERM');
    await exited(second);
    const ids = sink.received.map((m) => m.parsed.headers.get('x-parcours-delivery'));
    expect(ids.length).toBe(n);
    expect(new Set(ids).size).toBe(n);
    expect(await statuses()).toEqual({ sent: n });
  });

  it('after SIGKILL leaves at most 50 in doubt, and another worker takes the rest over within 30 s and sends each once', async () => {
    const ws = await newWorkspace(t, 'Killed');
    await sender(ws);
    const n = 4000;
    const { list } = await listOf(t, ws, n, 'kl');
    const id = await campaign(ws.api, { message_id: await email(ws), recipients: { lists: [list] } });
    await launch(ws, id);
    const url = schemaUrl(t.pg!.url, t.pg!.schema);
    const statuses = async () => Object.fromEntries((await t.db.query<{ status: string; n: number }>(sql`
      select status, count(*)::int as n from deliveries where workspace_id = ${ws.id} group by 1`)).rows.map((r) => [r.status, r.n]));
    const mine = () => sink.received.filter((m) => String(m.parsed.headers.get('x-parcours-delivery')).startsWith(`${ws.id}-`));

    const victim = worker(url);
    await until(() => mine().length >= 300, 60_000);
    victim.kill('SIGKILL');
    await exited(victim);
    const killedAt = performance.now();
    const second = worker(url);
    await until(async () => {
      const s = await statuses();
      return (s.sent ?? 0) + (s.in_doubt ?? 0) === n;
    }, 90_000);
    const tookOver = performance.now() - killedAt;
    second.kill('SIGTERM');
    await exited(second);
    const s = await statuses();
    const ids = mine().map((m) => m.parsed.headers.get('x-parcours-delivery'));
    expect(s.in_doubt ?? 0).toBeLessThanOrEqual(50);
    expect(new Set(ids).size).toBe(ids.length); // nothing sent twice
    expect(ids.length).toBeGreaterThanOrEqual(s.sent); // every sent one reached the relay
    expect(ids.length).toBeLessThanOrEqual(s.sent + (s.in_doubt ?? 0));
    expect(tookOver).toBeLessThan(30_000 + 15_000); // the lease (20 s) plus sending the rest
    if (process.env.DEBUG_FAULTS) console.log({ ...s, relayed: ids.length, tookOverMs: Math.round(tookOver) });
  });

  it('takes over an import whose worker was killed within 30 s, from its last checkpoint (issue 18)', async () => {
    const ws = await newWorkspace(t, 'Import');
    const rows = 40_000;
    const csv = 'email,first_name\n' + Array.from({ length: rows }, (_, i) => `imp${i}@example.com,N${i}`).join('\n') + '\n';
    const up = (await ws.api('POST', '/api/v1/imports/upload', csv, { 'content-type': 'text/csv' })).body;
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.upload_id, mapping: up.suggested_mapping })).body;
    const url = schemaUrl(t.pg!.url, t.pg!.schema);
    const state = async () => (await ws.api('GET', `/api/v1/imports/${imp.id}`)).body;
    const imported = async () => (await t.db.query<{ n: number }>(sql`select count(*)::int as n from contacts where workspace_id = ${ws.id}`)).rows[0].n;
    const victim = worker(url);
    await until(async () => (await imported()) >= 5000, 60_000);
    victim.kill('SIGKILL');
    await exited(victim);
    const at = await imported();
    const killedAt = performance.now();
    const second = worker(url);
    await until(async () => (await imported()) > at, 60_000);
    const resumedAfter = performance.now() - killedAt;
    await until(async () => (await state()).status === 'done', 120_000);
    second.kill('SIGTERM');
    await exited(second);
    expect(at).toBeLessThan(rows);
    expect(resumedAfter).toBeLessThan(30_000 + 5_000); // the lease, and a worker's start
    expect(await imported()).toBe(rows);
    if (process.env.DEBUG_FAULTS) console.log({ killedAt: at, resumedAfterMs: Math.round(resumedAfter) });
  });
});
