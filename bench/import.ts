/**
 * CSV import benchmark: generates an N-row, 10-column CSV (2 custom fields, 2 ignored columns)
 * into bench/data/, uploads it and imports it into one list, then prints rows/s and peak RSS.
 *
 *   node --import tsx bench/import.ts [--db pglite|postgres] [--rows N]
 *
 * pglite: a fresh temporary data directory. postgres: DATABASE_URL (or the local test server)
 * in a fresh schema, dropped afterwards.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { SystemClock } from '../src/clock.ts';
import { connectPglite, connectPostgres, type Db } from '../src/db/index.ts';
import { createApp } from '../src/app.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { createField, createList } from '../src/contacts/index.ts';
import { createImport, getImport, storeUpload } from '../src/contacts/import/index.ts';
import { machine, procCpuSeconds } from './setup.ts';

const { values: args } = parseArgs({ options: { db: { type: 'string', default: 'pglite' }, rows: { type: 'string', default: '1000000' } } });
const rows = Number(args.rows);
if (!['pglite', 'postgres'].includes(args.db!) || !(rows > 0)) throw new Error('usage: bench/import.ts [--db pglite|postgres] [--rows N]');

const dataDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
const file = path.join(dataDir, `contacts-${rows}.csv`);

async function generate() {
  mkdirSync(dataDir, { recursive: true });
  const out = createWriteStream(file);
  const langs = ['fr', 'en', 'de', 'es', 'pt-BR'];
  const cities = ['Paris', 'Lyon', '"Saint-Denis, La Réunion"', 'Berlin', 'Porto'];
  const plans = ['free', 'pro', 'team'];
  out.write('email,first_name,last_name,phone,language,birthday,city,plan,score,company\n');
  for (let i = 0; i < rows; i++) {
    const m = String(1 + (i % 12)).padStart(2, '0');
    const d = String(1 + (i % 28)).padStart(2, '0');
    const line = `user${i}@example.com,First${i},Last${i % 5000},+3361${String(i).padStart(7, '0')},${langs[i % 5]},${1950 + (i % 50)}-${m}-${d},${cities[i % 5]},${plans[i % 3]},${i % 1000},Company ${i % 777}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const APP_NAME = `bench-import-${process.pid}`;

/**
 * CPU seconds used by the PostgreSQL backends of our pool (found by application name, sampled
 * every 200 ms so a backend that ends keeps what it used), and by the server's background
 * processes (WAL writer, checkpointer, autovacuum: shared with whatever else runs on the server).
 * Wall-clock rates are noisy on a shared machine; CPU per row is not.
 */
function pgCpuMeter(admin: Db) {
  const seen = new Map<number, { kind: 'ours' | 'background'; first: number; last: number }>();
  const sample = async () => {
    const { rows } = await admin.query<{ pid: number; ours: boolean }>(
      `select pid, application_name = $1 as ours from pg_stat_activity where application_name = $1 or backend_type <> 'client backend'`,
      [APP_NAME],
    );
    for (const r of rows) {
      const t = procCpuSeconds(r.pid);
      if (t === null) continue;
      const s = seen.get(r.pid);
      if (s) s.last = t;
      else seen.set(r.pid, { kind: r.ours ? 'ours' : 'background', first: started ? 0 : t, last: t });
    }
  };
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  // cluster-wide, so shared with anything else on the server: checkpoints make the first change
  // of each page after them log a full-page image, which can double the CPU of a write
  const wal = async () =>
    (await admin.query<{ checkpoints: number; fpi: number; bytes: number }>(
      `select (select checkpoints_timed + checkpoints_req from pg_stat_bgwriter)::int as checkpoints, wal_fpi::float8 as fpi, wal_bytes::float8 as bytes from pg_stat_wal`,
    )).rows[0];
  let wal0: Awaited<ReturnType<typeof wal>>;
  return {
    async start() {
      wal0 = await wal();
      await sample();
      started = true; // a process first seen from now on counts from its start
      timer = setInterval(() => void sample().catch(() => {}), 200);
    },
    async stop() {
      clearInterval(timer);
      await sample();
      const sum = (kind: string) => [...seen.values()].filter((s) => s.kind === kind).reduce((a, s) => a + s.last - s.first, 0);
      const w = await wal();
      return { ours: sum('ours'), background: sum('background'), checkpoints: w.checkpoints - wal0.checkpoints, fpi: w.fpi - wal0.fpi, walMb: (w.bytes - wal0.bytes) / 1048576 };
    },
  };
}

async function openBenchDb(): Promise<{ db: Db; admin?: Db; cleanup: () => Promise<void>; label: string }> {
  if (args.db === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-bench-'));
    const db = await connectPglite(dir);
    return { db, label: `PGlite (${dir})`, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${process.pid}`;
  const admin = await connectPostgres(url, { max: 1 });
  await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`);
  const db = await connectPostgres(`${url}${url.includes('?') ? '&' : '?'}application_name=${APP_NAME}`, { schema, max: 4 });
  return {
    db,
    admin,
    label: `PostgreSQL (schema ${schema})`,
    cleanup: async () => {
      await db.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.close();
    },
  };
}

if (!existsSync(file)) {
  const t = performance.now();
  await generate();
  console.log(`generated ${file} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
const { db, admin, cleanup, label } = await openBenchDb();
const startRss = process.memoryUsage().rss;
const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'warn', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret' }), clock: new SystemClock(), db });
const ctx = app.ctx;
const ws = await createWorkspace(db, ctx.clock, 'Bench');
await createField(db, ctx.clock, ws.id, { key: 'plan', type: 'text' });
await createField(db, ctx.clock, ws.id, { key: 'score', type: 'number' });
const list = (await createList(db, ctx.clock, ws.id, { name: 'Bench list' })) as { id: number };

const load0 = os.loadavg()[0];
const t0 = performance.now();
const up = await storeUpload(db, ctx.clock, ws.id, createReadStream(file), { filename: path.basename(file), maxBytes: 2 ** 40 });
const t1 = performance.now();
/** CPU time the hypervisor gave to other machines while we were runnable (a VM on a shared host). */
const stealSeconds = () => Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/)[8] ?? 0) / 100;
const steal0 = stealSeconds();
const pgMeter = admin && pgCpuMeter(admin);
await pgMeter?.start();
const cpu0 = process.cpuUsage();
const imp = (await createImport(ctx, ws.id, { upload_id: up.upload_id, mapping: up.suggested_mapping, list_ids: [list.id] })) as { id: number };
// only the jobs source: the journey trigger consumer would otherwise read the 3M new events here too
const jobs = app.sources.find((s) => s.name === 'jobs')!;
while ((await jobs.runDue(ctx.clock.now())) > 0);
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
const pgCpu = await pgMeter?.stop();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);

const res = (await getImport(db, ws.id, imp.id)) as Record<string, unknown>;
const { rows: counts } = await db.query<{ contacts: number; events: number }>(
  `select (select count(*) from contacts)::int as contacts, (select count(*) from events)::int as events`,
);
const mb = (b: number) => `${Math.round(b / 1048576)} MB`;
const rate = (ms: number) => `${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
console.log(`${label}, ${rows.toLocaleString('en')} rows, ${mb(up.size_bytes)} file, mapping ${JSON.stringify(up.suggested_mapping)}`);
console.log(`upload (store chunks + scan):  ${((t1 - t0) / 1000).toFixed(1)} s  ${rate(t1 - t0)}`);
console.log(`import job:                    ${((t2 - t1) / 1000).toFixed(1)} s  ${rate(t2 - t1)}`);
console.log(`upload + import:               ${((t2 - t0) / 1000).toFixed(1)} s  ${rate(t2 - t0)}`);
console.log(`result: status ${res.status}, created ${res.created}, updated ${res.updated}, errors ${res.error_count}; ${counts[0].contacts} contacts, ${counts[0].events} events`);
console.log(`RSS: ${mb(startRss)} after opening the database, peak ${mb(peakRss)}`);
const perRow = (s: number) => `${((s * 1e6) / rows).toFixed(1)} µs/row`;
console.log(`import job CPU: node ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s = ${perRow((cpu.user + cpu.system) / 1e6)} (user ${perRow(cpu.user / 1e6)})` +
  (pgCpu ? `; PostgreSQL backends ${pgCpu.ours.toFixed(1)} s = ${perRow(pgCpu.ours)}; server background ${pgCpu.background.toFixed(1)} s (shared)` : ''));
if (pgCpu) console.log(`server during the job (shared with other users): ${pgCpu.checkpoints} checkpoints, ${Math.round(pgCpu.walMb)} MB WAL, ${pgCpu.fpi} full-page images`);
console.log(`machine: ${machine()}; load average ${load0.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after; CPU stolen by the host during the job ${(stealSeconds() - steal0).toFixed(1)} s`);
await app.close();
await cleanup();
