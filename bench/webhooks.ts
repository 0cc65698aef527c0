// Integrations: signed Shopify orders in over real HTTP, then every event out as a signed webhook
// to a loopback receiver (consumer + sender, one worker).
// node --import tsx bench/webhooks.ts [--db pglite|postgres] [--orders 2000] [--concurrency 8]
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { createApiKey, createWorkspace } from '../src/accounts/index.ts';
import { SystemClock } from '../src/clock.ts';
import { sql } from '../src/db/index.ts';
import { arg, benchDb, machine, rssSampler } from './setup.ts';

const orders = Number(arg('orders', '2000'));
const concurrency = Number(arg('concurrency', '8'));
const SECRET = 'bench-shopify-secret-0123456789';

let received = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    res.end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;

const { db, label, drop } = await benchDb(arg('db', 'pglite'));
const app = await createApp({
  config: loadConfig({ LOG_LEVEL: 'silent', PORT: '0', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret', PARCOURS_WEBHOOKS_ALLOW_PRIVATE: 'true' }),
  db,
  clock: new SystemClock(),
});
const ws = await createWorkspace(db, app.ctx.clock, 'bench');
const key = (await createApiKey(db, app.ctx.clock, ws.id, 'bench', 'admin')).key;
const server = await app.http();
await server.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
const api = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
const conn = await api('/api/v1/integrations/connections', { kind: 'shopify', secret: SECRET });
await api('/api/v1/webhooks', { url: hookUrl, event_types: ['purchase', 'contact.created'] });

const sample = JSON.parse(readFileSync(new URL('../test/fixtures/shopify-orders-create.json', import.meta.url), 'utf8'));
const rss = rssSampler();
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < orders) {
      const n = next++;
      const body = JSON.stringify({ ...sample, id: 1_000_000 + n, email: `buyer${n % 500}@example.com`, contact_email: `buyer${n % 500}@example.com` });
      const res = await fetch(`${base}/api/v1/integrations/shopify/${conn.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64') },
        body,
      });
      if (res.status !== 200) throw new Error(`order ${n}: ${res.status} ${await res.text()}`);
    }
  }),
);
const inSeconds = (performance.now() - t0) / 1000;

const expected = (await db.query<{ n: number }>(sql`select count(*)::int as n from events where workspace_id = ${ws.id} and type in ('purchase', 'contact.created')`)).rows[0].n;
const t1 = performance.now();
while (received < expected && performance.now() - t1 < 300_000) if ((await app.drain()) === 0) await new Promise((r) => setTimeout(r, 20));
const outSeconds = (performance.now() - t1) / 1000;

console.log(`bench/webhooks  ${label}  ${machine()}`);
console.log(`  in:  ${orders} signed Shopify orders (${(Buffer.byteLength(JSON.stringify(sample)) / 1024).toFixed(0)} KB each) in ${inSeconds.toFixed(1)} s over HTTP, ${concurrency} concurrent: ${Math.round(orders / inSeconds)} webhooks/s`);
console.log(`  out: ${received} of ${expected} events delivered as signed webhooks in ${outSeconds.toFixed(1)} s: ${Math.round(received / outSeconds)} deliveries/s, peak RSS ${rss()} MB`);
await app.close();
await drop();
receiver.close();
process.exit(received === expected ? 0 : 1);
