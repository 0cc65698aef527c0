/**
 * CSV import benchmark: generates an N-row, 10-column CSV (2 custom fields, 2 ignored columns)
 * into bench/data/, uploads it and imports it into one list, then prints rows/s and peak RSS.
 *
 *   node --import tsx bench/import.ts [--db pglite|postgres] [--rows N]
 *
 * pglite: a fresh temporary data directory. postgres: DATABASE_URL (or the local test server)
 * in a fresh schema, dropped afterwards.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

async function openBenchDb(): Promise<{ db: Db; cleanup: () => Promise<void>; label: string }> {
  if (args.db === 'pglite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-bench-'));
    const db = await connectPglite(dir);
    return { db, label: `PGlite (${dir})`, cleanup: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${process.pid}`;
  const admin = await connectPostgres(url, { max: 1 });
  await admin.query(`drop schema if exists ${schema} cascade; create schema ${schema}`);
  const db = await connectPostgres(url, { schema, max: 4 });
  return {
    db,
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
const { db, cleanup, label } = await openBenchDb();
const startRss = process.memoryUsage().rss;
const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'warn', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret' }), clock: new SystemClock(), db });
const ctx = app.ctx;
const ws = await createWorkspace(db, ctx.clock, 'Bench');
await createField(db, ctx.clock, ws.id, { key: 'plan', type: 'text' });
await createField(db, ctx.clock, ws.id, { key: 'score', type: 'number' });
const list = (await createList(db, ctx.clock, ws.id, { name: 'Bench list' })) as { id: number };

const t0 = performance.now();
const up = await storeUpload(db, ctx.clock, ws.id, createReadStream(file), { filename: path.basename(file), maxBytes: 2 ** 40 });
const t1 = performance.now();
const imp = (await createImport(ctx, ws.id, { upload_id: up.upload_id, mapping: up.suggested_mapping, list_ids: [list.id] })) as { id: number };
// only the jobs source: the journey trigger consumer would otherwise read the 3M new events here too
const jobs = app.sources.find((s) => s.name === 'jobs')!;
while ((await jobs.runDue(ctx.clock.now())) > 0);
const t2 = performance.now();
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
await app.close();
await cleanup();
