// End-to-end send rate (issue 3): claim, render, sign links, send, record.
// node --import tsx bench/send.ts [--db postgres|pglite] [--transport smtp|outbox] [--messages 100000] [--workers 1] [--processes N] [--batch 500]
// Prints msg/s, peak RSS, the load average, and CPU per message in Parcours, the SMTP sink and the PostgreSQL backends.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { SystemClock } from '../src/clock.ts';
import { sql } from '../src/db/index.ts';
import { createMessage } from '../src/messages/index.ts';
import { arg, benchDb, machine, procCpuSeconds, rssSampler } from './setup.ts';
import { loadavg } from 'node:os';

// every connection of this run (ours and the workers') has one application_name, to add up the
// PostgreSQL backends' CPU: with the outbox, storing the messages costs as much there as rendering here
process.env.PGAPPNAME = `bench-send-${process.pid}`;

const total = Number(arg('messages', '100000'));
const transport = arg('transport', 'smtp');
const { db, label, drop, url } = await benchDb(arg('db', 'postgres'));
const processes = Number(arg('processes', '0'));
const appName = db.kind === 'postgres' ? (await db.query<{ a: string }>(sql`select current_setting('application_name') as a`)).rows[0].a : '';

let sinkPort = 0;
const sink = transport === 'smtp' ? spawn(process.execPath, ['--import', 'tsx', new URL('./smtp-sink-process.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] }) : null;
if (sink) {
  const [line] = await once(sink.stdout!, 'data');
  sinkPort = Number(/port (\d+)/.exec(String(line))![1]);
}
const config = loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret', PARCOURS_WORKER_BATCH: arg('batch', '500'), ...(sink ? { SMTP_URL: `smtp://127.0.0.1:${sinkPort}` } : {}) });
const clock = new SystemClock();
const app = await createApp({ config, db, clock });
const ws = await createWorkspace(db, clock, 'bench');
await db.query(sql`insert into sender_identities (workspace_id, from_name, from_email, created_at) values (${ws.id}, 'Bench Shop', 'news@shop.example', now())`);
await db.query(sql`insert into custom_fields (workspace_id, key, label, type, created_at) values (${ws.id}, 'plan', 'Plan', 'text', now()), (${ws.id}, 'points', 'Points', 'number', now())`);
await db.query(sql`
  insert into contacts (workspace_id, key, email, first_name, last_name, language, fields, created_at, updated_at)
  select ${ws.id}, 'c' || g || '@d' || (g % 50) || '.example', 'c' || g || '@d' || (g % 50) || '.example', 'First' || g, 'Last' || g, 'en',
         jsonb_build_object('plan', case when g % 3 = 0 then 'gold' else 'basic' end, 'points', g % 1000), now(), now()
    from generate_series(1, ${total}) g`);

// ~10 KB of HTML: 12 product blocks with links, personalised greeting and fields
const block = (i: number) => `<tr><td style="padding:12px;font-family:Arial,sans-serif;font-size:14px;color:#333">
<h3 style="margin:0 0 6px">Product ${i}: a fine thing for {{ contact.first_name }}</h3>
<p style="margin:0 0 8px">Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip.</p>
<a href="https://shop.example/products/${i}?utm_source=newsletter&utm_campaign=bench" style="color:#0a66c2">See product ${i}</a></td></tr>`;
const body = `<html><body><table width="600" align="center">
<tr><td><h1>Hello {{ contact.first_name | default: "friend" }} {{ contact.last_name }}</h1>
<p>Your plan: {{ contact.plan }}, {{ contact.points }} points.</p></td></tr>
${Array.from({ length: 12 }, (_, i) => block(i + 1)).join('\n')}
<tr><td><a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Preferences</a></td></tr></table></body></html>`;
const message = await createMessage(db, clock, ws.id, { name: 'bench', channel: 'email', content: { subject: '{{ contact.first_name }}, our news', body, format: 'html' } });
// --processes N: N real `parcours worker` processes (started first, woken by the insert's NOTIFY)
const children = Array.from({ length: processes }, () => spawn(process.execPath, ['bin/parcours.mjs', 'worker'], {
  env: { ...process.env, PGAPPNAME: appName, DATABASE_URL: url, LOG_LEVEL: 'silent', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret', PARCOURS_WORKER_BATCH: arg('batch', '500'), ...(sink ? { SMTP_URL: `smtp://127.0.0.1:${sinkPort}` } : {}) },
  stdio: ['ignore', 'ignore', 'inherit'],
}));
if (processes) await new Promise((r) => setTimeout(r, 4000)); // loaded and listening
/** CPU milliseconds a process has used so far (0 when there is none or it is gone). */
const procCpu = (pid?: number) => (pid ? (procCpuSeconds(pid) ?? 0) * 1000 : 0);
const childCpu0 = children.map((c) => procCpu(c.pid));
await db.query(sql`
  insert into deliveries (workspace_id, idempotency_key, contact_id, message_id, message_version, channel, to_address, domain, source, send_at, created_at, updated_at)
  select ${ws.id}, 'bench:' || c.id, c.id, ${message.id}, 1, 'email', c.email, split_part(c.email, '@', 2), 'campaign', now(), now(), now()
    from contacts c where c.workspace_id = ${ws.id}`);
if (db.kind === 'postgres') await db.query('analyze deliveries');

const backendCpu = async () => {
  if (db.kind !== 'postgres') return new Map<number, number>();
  const { rows } = await db.query<{ pid: number }>(sql`select pid from pg_stat_activity where application_name = ${appName}`);
  return new Map(rows.map((r) => [r.pid, procCpu(r.pid)]));
};
const pg0 = await backendCpu();
const rss = rssSampler();
// CPU time per message tells the ceiling on a quiet machine: cores / (ours + the sink's)
const sinkCpu = () => procCpu(sink?.pid);
const cpu0 = process.cpuUsage();
const sink0 = sinkCpu();
const started = performance.now();
let done = 0;
const sender = app.sources.find((s) => s.name === 'deliveries')!;
const workers = processes ? 0 : Number(arg('workers', '1'));
await Promise.all(Array.from({ length: workers }, async () => {
  for (;;) {
    const n = await sender.runDue(clock.now());
    if (n === 0) break;
    done += n;
  }
}));
if (processes) {
  await db.query(sql`select pg_notify('parcours_work', '')`);
  for (;;) {
    const left = (await db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where status in ('queued', 'sending')`)).rows[0].n;
    if (left === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const childUs = children.reduce((a, c, i) => a + (procCpu(c.pid) - childCpu0[i]) * 1000, 0);
const pg1 = await backendCpu();
const pgUs = ([...pg1].reduce((a, [pid, ms]) => a + ms - (pg0.get(pid) ?? 0), 0) * 1000) / total;
const childPeak = children.map((c) => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))![1]) / 1024));
for (const c of children) c.kill('SIGTERM');
// stopped before the schema is dropped: a worker still reading the events log deadlocked the drop
await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : null)));
const ourUs = (processes ? childUs : cpu.user + cpu.system) / total;
const sinkUs = ((sinkCpu() - sink0) * 1000) / total;
const peak = rss();
const sent = (await db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'sent'`)).rows[0].n;
let accepted = sent;
let bytes = 0;
if (sink) {
  sink.stdin!.write('count\n');
  const [line] = await once(sink.stdout!, 'data');
  [accepted, bytes] = /count (\d+) bytes (\d+)/.exec(String(line))!.slice(1).map(Number);
  sink.kill();
}
console.log(`bench/send  ${label}, ${transport} transport, ${processes ? `${processes} worker process(es)` : `${workers} sender loop(s) in-process`}  ${machine()}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  ${sent} sent (${accepted} accepted by the ${transport === 'smtp' ? 'SMTP sink' : 'outbox'}) in ${seconds.toFixed(1)} s: ${Math.round(sent / seconds)} msg/s, peak RSS ${processes ? `${childPeak.join(' + ')} MB (workers)` : `${peak} MB`}${bytes ? `, ${Math.round(bytes / accepted).toLocaleString('en')} bytes per message` : ''}`);
console.log(`  CPU per message: ${Math.round(ourUs)} µs in Parcours${sink ? `, ${Math.round(sinkUs)} µs in the SMTP sink` : ''}${db.kind === 'postgres' ? `, ${Math.round(pgUs)} µs in PostgreSQL backends` : ''} (ceiling on 2 idle cores ≈ ${Math.round(2e6 / (ourUs + sinkUs + pgUs))} msg/s)`);
await app.close();
await drop();
process.exit(sent === total && accepted === total ? 0 : 1);
