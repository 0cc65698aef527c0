// Journey engine throughput (issue 6 goal: ≥ 20,000 step executions/s on PostgreSQL).
// 100,000 contacts enter: email → wait 1 day → split on opened → email → wait 2 days → email;
// the manual clock runs it to the end. Sends are queued as deliveries (sending them is bench/send).
// node --import tsx bench/journeys.ts [--db postgres|pglite] [--contacts 100000] [--batch N (PARCOURS_JOURNEY_BATCH, default 2000)]
import os from 'node:os';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { ManualClock } from '../src/clock.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { sql } from '../src/db/index.ts';
import { createMessage } from '../src/messages/index.ts';
import { createJourney, transition, getJourney, enrollContacts } from '../src/journeys/index.ts';
import { advanceClock } from '../src/queue/index.ts';
import { arg, benchDb, machine, pgCpuSampler, rssSampler } from './setup.ts';

const n = Number(arg('contacts', '100000'));
const { db, label, drop, appName } = await benchDb(arg('db', 'postgres'));
const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret', ...(process.argv.includes('--batch') ? { PARCOURS_JOURNEY_BATCH: arg('batch', '2000') } : {}) }), db, clock });
const ctx = app.ctx;
const ws = await createWorkspace(db, clock, 'bench');
const msg = async (name: string) => (await createMessage(db, clock, ws.id, { name, channel: 'email', content: { subject: name, body: `<p>${name}</p>` } })).id;
const [m1, m2, m3, m4] = [await msg('one'), await msg('opened'), await msg('not opened'), await msg('last')];
const j = await createJourney(ctx, ws.id, { name: 'bench', definition: {
  trigger: { type: 'manual' }, start: 'e1',
  steps: [
    { id: 'e1', type: 'email', message_id: m1, next: 'w1' },
    { id: 'w1', type: 'wait', delay: { amount: 1, unit: 'days' }, next: 's1' },
    { id: 's1', type: 'split', branches: [{ id: 'opened', criteria: { type: 'email_activity', op: 'opened', journey_id: 0, step_id: 'e1' }, next: 'e2' }], else: 'e3' },
    { id: 'e2', type: 'email', message_id: m2, next: 'w2' },
    { id: 'e3', type: 'email', message_id: m3, next: 'w2' },
    { id: 'w2', type: 'wait', delay: { amount: 2, unit: 'days' }, next: 'e4' },
    { id: 'e4', type: 'email', message_id: m4, next: null },
  ],
} });
const def = structuredClone(j.definition);
(def.steps[2] as any).branches[0].criteria.journey_id = j.id;
await db.query(sql`update journey_versions set definition = ${JSON.stringify(def)} where workspace_id = ${ws.id} and journey_id = ${j.id}`);
await transition(ctx, ws.id, j.id, 'activate');
await db.query(sql`insert into contacts (workspace_id, key, email, created_at, updated_at)
  select ${ws.id}, 'j' || g || '@example.com', 'j' || g || '@example.com', ${clock.now()}, ${clock.now()} from generate_series(1, ${n}) g`);
const ids = (await db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws.id} order by id`)).rows.map((r) => r.id);
const live = await getJourney(db, ws.id, j.id);
const rss = rssSampler();
let t0 = performance.now();
for (let i = 0; i < ids.length; i += 10_000) await db.tx((tx) => enrollContacts(ctx, tx, ws.id, live, ids.slice(i, i + 10_000).map((id) => ({ contactId: id }))));
const enrollS = (performance.now() - t0) / 1000;
if (db.kind === 'postgres' && process.argv.includes('--analyze')) await db.query('analyze enrollments');
const engine = app.sources.filter((s) => s.name === 'journeys');
const pgCpu = appName ? pgCpuSampler(db, appName) : null;
await pgCpu?.start();
const cpu0 = process.cpuUsage();
t0 = performance.now();
await advanceClock(clock, engine, new Date(clock.now().getTime() + 3_600_000));
// a third of the contacts open the first email before the split
await db.query(sql`insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
  select ${ws.id}, d.contact_id, 'message.opened', jsonb_build_object('delivery_id', d.id, 'message_id', d.message_id, 'channel', 'email', 'journey_id', ${j.id}::bigint, 'step_id', 'e1'), ${clock.now()}, ${clock.now()}
    from deliveries d where d.workspace_id = ${ws.id} and d.step_id = 'e1' and d.contact_id % 3 = 0`);
const openS0 = performance.now();
await advanceClock(clock, engine, new Date(clock.now().getTime() + 4 * 86_400_000));
const seconds = (performance.now() - t0 - (openS0 - openS0)) / 1000;
const cpu = process.cpuUsage(cpu0);
const serverCpu = (await pgCpu?.stop()) ?? 0;
const steps = Number((await db.query<{ n: number }>(sql`select count(*)::int as n from enrollment_steps where workspace_id = ${ws.id}`)).rows[0].n);
const done = Number((await db.query<{ n: number }>(sql`select count(*)::int as n from enrollments where workspace_id = ${ws.id} and status = 'completed'`)).rows[0].n);
const deliveries = Number((await db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id}`)).rows[0].n);
const branches = (await db.query<{ branch_id: string; n: number }>(sql`select branch_id, count(*)::int as n from enrollment_steps where workspace_id = ${ws.id} and step_id = 's1' group by 1 order by 1`)).rows;
console.log(`bench/journeys  ${label}  ${machine()}`);
console.log(`  ${n} enrollments created in ${enrollS.toFixed(1)} s (${Math.round(n / enrollS)}/s)`);
console.log(`  ${steps} step executions (${deliveries} deliveries queued, ${done} completed; split ${branches.map((b) => `${b.branch_id} ${b.n}`).join(', ')}) in ${seconds.toFixed(1)} s: ${Math.round(steps / seconds)} steps/s, peak RSS ${rss()} MB`);
console.log(`  CPU per step: ${Math.round((cpu.user + cpu.system) / steps)} µs this process${pgCpu ? `, ${Math.round((serverCpu * 1e6) / steps)} µs PostgreSQL` : ''}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await app.close();
if (!process.argv.includes("--keep")) await drop();
process.exit(done === n ? 0 : 1);
