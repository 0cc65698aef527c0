// Issue 9, faults: PostgreSQL restarted mid-run. Not the shared server: a private cluster is
// created (initdb) in a temporary directory, started on a free port, and restarted twice while
// two `parcours worker` processes and one `parcours serve` run a journey against it and send
// through a real SMTP server. Afterwards the processes are still alive, every step ran once,
// and the SMTP server's own record has every message exactly once. PostgreSQL only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PG_URL, T0, apiClient } from './helpers.ts';
import { connectPostgres, sql, type Db } from '../src/db/index.ts';
import { loadConfig } from '../src/config.ts';
import { ManualClock } from '../src/clock.ts';
import { createApp, type App } from '../src/app.ts';
import { createApiKey, createWorkspace } from '../src/accounts/index.ts';
import { freePort, startFaultSink, type FaultSink } from '../scripts/faults/sink.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const onPg = !!PG_URL && existsSync(`${BIN}/initdb`);
const SECRET = 'restart-secret-restart-secret-restart!';
const N = 2500; // contacts; two emails each

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A throwaway PostgreSQL cluster, run as the `postgres` OS user when we are root (initdb refuses root). */
class Cluster {
  dir = mkdtempSync(path.join(tmpdir(), 'parcours-pg-'));
  data = path.join(this.dir, 'data');
  port = 0;
  private asRoot = process.getuid?.() === 0;

  private run(cmd: string, args: string[]) {
    const line = [`${BIN}/${cmd}`, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return this.asRoot
      ? execFileSync('su', ['postgres', '-c', line], { stdio: 'pipe', timeout: 60_000 }).toString()
      : execFileSync(`${BIN}/${cmd}`, args, { stdio: 'pipe', timeout: 60_000 }).toString();
  }
  private opts() {
    return `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  }
  async init() {
    if (this.asRoot) execFileSync('chown', ['postgres', this.dir]);
    this.port = await freePort();
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    this.start();
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  start() {
    this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'log'), '-o', this.opts(), '-w', 'start']);
  }
  stop(mode: 'fast' | 'immediate' = 'fast') {
    this.run('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }
  restart() {
    this.run('pg_ctl', ['-D', this.data, '-l', path.join(this.dir, 'log'), '-o', this.opts(), '-m', 'fast', '-w', 'restart']);
  }
  destroy() {
    try {
      this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let cluster: Cluster | undefined;
let sink: FaultSink;
let db: Db;
let app: App;
const children: ChildProcess[] = [];
const output = new Map<ChildProcess, string>();

beforeAll(async () => {
  if (!onPg) return;
  cluster = new Cluster();
  await cluster.init();
  sink = await startFaultSink();
  db = await connectPostgres(cluster.url, { max: 4 });
  const config = loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: SECRET, PUBLIC_URL: 'http://parcours.test' });
  app = await createApp({ config, clock: new ManualClock(T0), db }); // runs the migrations
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await app?.close();
  await db?.close().catch(() => {});
  await sink?.close();
  cluster?.destroy();
}, 30_000);

function spawnParcours(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['bin/parcours.mjs', ...args], {
    env: { ...process.env, DATABASE_URL: cluster!.url, SMTP_URL: sink.url, LOG_LEVEL: 'warn', PARCOURS_SECRET: SECRET, PARCOURS_WORKER_BATCH: '200', PARCOURS_JOURNEY_BATCH: '200', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  output.set(child, '');
  const keep = (b: Buffer) => output.set(child, (output.get(child)! + b.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  children.push(child);
  return child;
}
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

async function until(what: () => Promise<boolean> | boolean, ms: number, label: string, detail?: () => Promise<unknown>) {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}${detail ? `: ${JSON.stringify(await detail())}` : ''}`);
    await sleep(100);
  }
}

describe.runIf(onPg)('PostgreSQL restarted mid-run (issue 9)', () => {
  it('workers and the API reconnect and finish everything, once', async () => {
    const ws = await createWorkspace(db, app.ctx.clock, 'restart');
    const key = (await createApiKey(db, app.ctx.clock, ws.id, 'k', 'owner')).key;
    const api = apiClient(await app.http(), { authorization: `Bearer ${key}` });
    await api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
    const m1 = (await api('POST', '/api/v1/messages', { name: 'A', channel: 'email', content: { subject: 'A', body: '<p>a</p>' } })).body.id;
    const m2 = (await api('POST', '/api/v1/messages', { name: 'B', channel: 'email', content: { subject: 'B', body: '<p>b</p>' } })).body.id;
    const j = (await api('POST', '/api/v1/journeys', { name: 'restart', definition: {
      trigger: { type: 'manual' }, start: 'e1',
      steps: [{ id: 'e1', type: 'email', message_id: m1, next: 't' }, { id: 't', type: 'action', action: 'add_tag', tag: 'seen', next: 'e2' }, { id: 'e2', type: 'email', message_id: m2, next: null }],
    } })).body;
    expect((await api('POST', `/api/v1/journeys/${j.id}/activate`, {})).status).toBe(200);
    await db.query(sql`insert into contacts (workspace_id, key, email, created_at, updated_at)
      select ${ws.id}, 'r' || g || '@example.com', 'r' || g || '@example.com', ${T0}, ${T0} from generate_series(1, ${N}) g`);
    const ids = (await db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws.id} order by id`)).rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 1000) await api('POST', `/api/v1/journeys/${j.id}/enroll`, { contact_ids: ids.slice(i, i + 1000) });

    const httpPort = await freePort();
    const workers = [spawnParcours(['worker']), spawnParcours(['worker'])];
    const server = spawnParcours(['serve'], { PORT: String(httpPort) });
    const get = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${httpPort}/api/v1/sending/health`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(30_000) })).status;
      } catch {
        return 0;
      }
    };
    await until(async () => (await get()) === 200, 30_000, 'the API');
    const total = 2 * N;

    // 1. a fast restart once sending is under way
    await until(() => sink.accepted.length >= total * 0.15, 30_000, 'the first sends');
    const atRestart = sink.accepted.length;
    cluster!.restart();
    // 2. then down for three seconds (fast shutdown), while the API is asked for something
    await until(() => sink.accepted.length >= Math.max(total * 0.45, atRestart + 200), 30_000, 'sending to resume after the restart');
    const atStop = sink.accepted.length;
    cluster!.stop('fast');
    const during = get(); // waits for the database rather than failing at once
    await sleep(3000);
    cluster!.start();
    expect(await during).toBe(200);
    expect(atStop).toBeLessThan(total); // both outages happened in the middle of the run

    await until(async () => {
      const { rows } = await db.query<{ n: number }>(sql`
        select (select count(*) from enrollments where workspace_id = ${ws.id} and status = 'active')
             + (select count(*) from deliveries where workspace_id = ${ws.id} and status in ('queued', 'sending')) as n`);
      return Number(rows[0].n) === 0;
    }, 40_000, 'all work to finish', async () => ({
      alive: [...workers, server].map(alive),
      crashed: [...workers, server].filter((c) => !alive(c)).map((c) => output.get(c)!.slice(-1500)),
      deliveries: (await db.query(sql`select status, count(*) as n from deliveries where workspace_id = ${ws.id} group by 1`)).rows,
      enrollments: (await db.query(sql`select status, count(*) as n from enrollments where workspace_id = ${ws.id} group by 1`)).rows,
      jobs: (await db.query(sql`select kind, status, count(*) as n from jobs group by 1, 2`)).rows,
      sink: sink.accepted.length,
    }));

    // nobody crashed: the processes reconnected
    for (const c of [...workers, server]) expect(alive(c), output.get(c)).toBe(true);
    expect(await get()).toBe(200);
    const count = async (s: ReturnType<typeof sql>) => Number((await db.query<{ n: number }>(s)).rows[0].n);
    expect(await count(sql`select count(*) as n from enrollments where workspace_id = ${ws.id} and status = 'completed'`)).toBe(N);
    expect(await count(sql`select count(*) as n from enrollment_steps where workspace_id = ${ws.id}`)).toBe(3 * N);
    expect(await count(sql`select count(*) as n from contact_tags where workspace_id = ${ws.id} and tag = 'seen'`)).toBe(N);
    const statuses = Object.fromEntries((await db.query<{ status: string; n: number }>(sql`
      select status, count(*) as n from deliveries where workspace_id = ${ws.id} group by 1`)).rows.map((r) => [r.status, Number(r.n)]));
    expect(statuses).toEqual({ sent: total });
    // the SMTP server's own record: every delivery exactly once
    const keys = (await db.query<{ k: string }>(sql`select workspace_id || '-' || id as k from deliveries where workspace_id = ${ws.id}`)).rows.map((r) => r.k);
    expect(sink.accepted.length).toBe(total);
    expect([...sink.counts.keys()].sort()).toEqual(keys.sort());
    // both workers listen for wake-ups again on new connections (the restarts closed the old ones)
    expect(await count(sql`select count(*) as n from pg_stat_activity where query like 'LISTEN %' and backend_start > now() - interval '1 minute'`)).toBeGreaterThanOrEqual(2);
    for (const c of [...workers, server]) c.kill('SIGTERM');
    if (process.env.DEBUG_FAULTS) for (const c of [...workers, server]) console.log(output.get(c));
    const log = readFileSync(path.join(cluster!.dir, 'log'), 'utf8');
    expect(log).toMatch(/database system is ready to accept connections[\s\S]*database system is ready to accept connections[\s\S]*database system is ready/);
  }, 120_000);
});
