// Custom events ingested through the batch API over real HTTP (issue 2 goal: ≥ 10,000 events/s),
// with the CPU per event of this process (client and server) and of the database (issue 20).
// node --import tsx bench/events.ts [--db pglite|postgres] [--events 200000] [--batch 1000] [--concurrency 4]
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { createApiKey, createWorkspace } from '../src/accounts/index.ts';
import { SystemClock } from '../src/clock.ts';
import { sql } from '../src/db/index.ts';
import { arg, benchDb, cpuMeter, machine, perItem, rssSampler } from './setup.ts';

const total = Number(arg('events', '200000'));
const batch = Number(arg('batch', '1000'));
const concurrency = Number(arg('concurrency', '4'));
const contacts = 10_000;

const bench = await benchDb(arg('db', 'pglite'));
const { db, label, drop } = bench;
const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent', PORT: '0', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret' }), db, clock: new SystemClock() });
const clock = app.ctx.clock;
const ws = await createWorkspace(db, clock, 'bench');
const key = (await createApiKey(db, clock, ws.id, 'bench', 'admin')).key;
await db.query(sql`
  insert into contacts (workspace_id, key, email, created_at, updated_at)
  select ${ws.id}, 'c' || g || '@example.com', 'c' || g || '@example.com', now(), now() from generate_series(1, ${contacts}) g`);
const server = await app.http();
await server.listen({ port: 0, host: '127.0.0.1' });
const port = (server.server.address() as { port: number }).port;

const body = (n: number) =>
  JSON.stringify({
    events: Array.from({ length: batch }, (_, i) => ({
      contact_key: `c${((n * batch + i) % contacts) + 1}@example.com`,
      type: i % 3 ? 'page_view' : 'purchase',
      properties: { total: (i % 50) + 0.99, sku: `SKU-${i % 100}`, currency: 'EUR' },
    })),
  });

const rss = rssSampler();
const meter = await cpuMeter(bench); // the HTTP server runs in this process: its CPU counts
const started = performance.now();
let next = 0;
const batches = Math.ceil(total / batch);
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < batches) {
      const n = next++;
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body(n),
      });
      if (res.status !== 202) throw new Error(`batch ${n}: ${res.status} ${await res.text()}`);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const used = await meter.stop();
const stored = (await db.query<{ n: number }>(sql`select count(*)::int as n from events where workspace_id = ${ws.id} and type in ('page_view', 'purchase')`)).rows[0].n;
console.log(`bench/events  ${label}  ${machine()}`);
console.log(`  ${stored} events in ${seconds.toFixed(1)} s (batches of ${batch}, ${concurrency} concurrent requests): ${Math.round(stored / seconds)} events/s, peak RSS ${rss()} MB`);
console.log(`  ${perItem(used, stored, 'event')}`);
await app.close();
await drop();
process.exit(stored === batches * batch ? 0 : 1);
