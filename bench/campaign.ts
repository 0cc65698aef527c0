// Campaign fan-out (issue 5 goal: ≥ 50,000 deliveries/s on PostgreSQL): a segment over N contacts,
// a campaign to it prepared and approved, then the time from approval to the last delivery queued;
// with --send, also to the last message accepted by a local SMTP sink (or the outbox). Each stage
// prints its CPU per item, this process's and the database's (issue 20).
// node --import tsx bench/campaign.ts [--db postgres|pglite] [--contacts 1000000] [--batch 50000]
//                                     [--send] [--transport smtp|outbox] [--workers 2]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadConfig } from '../src/config.ts';
import { createApp } from '../src/app.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { ManualClock } from '../src/clock.ts';
import { sql } from '../src/db/index.ts';
import { createMessage } from '../src/messages/index.ts';
import { createSegment } from '../src/segments/index.ts';
import { approveCampaign, createCampaign, prepareCampaign, runFanout, type Actor } from '../src/campaigns/index.ts';
import type { Job } from '../src/queue/index.ts';
import { arg, benchDb, cpuMeter, machine, perItem, rssSampler } from './setup.ts';

const n = Number(arg('contacts', '1000000'));
const batch = Number(arg('batch', '50000'));
const send = process.argv.includes('--send');
const transport = arg('transport', 'smtp');
const bench = await benchDb(arg('db', 'postgres'));
const { db, label, drop } = bench;

let sinkPort = 0;
const sink = send && transport === 'smtp' ? spawn(process.execPath, ['--import', 'tsx', new URL('./smtp-sink-process.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] }) : null;
if (sink) sinkPort = Number(/port (\d+)/.exec(String((await once(sink.stdout!, 'data'))[0]))![1]);
const config = loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'bench-secret-bench-secret-bench-secret', PARCOURS_WORKER_BATCH: arg('send-batch', '500'), ...(sink ? { SMTP_URL: `smtp://127.0.0.1:${sinkPort}` } : {}) });
// the manual clock keeps every send due at once: the send rate is the sender's, not the pacing's
const clock = new ManualClock(new Date());
const app = await createApp({ config, db, clock });
const ctx = app.ctx;
const ws = await createWorkspace(db, clock, 'bench');
const owner: Actor = { userId: null, via: 'api_key', role: 'owner' };

let t0 = performance.now();
await db.query(sql`insert into sender_identities (workspace_id, from_name, from_email, created_at) values (${ws.id}, 'Bench Shop', 'news@shop.example', now())`);
await db.query(sql`insert into custom_fields (workspace_id, key, label, type, created_at) values (${ws.id}, 'plan', 'Plan', 'text', now())`);
await db.query(sql`
  insert into contacts (workspace_id, key, email, first_name, language, fields, email_status, created_at, updated_at)
  select ${ws.id}, 'c' || g || '@d' || (g % 50) || '.example', 'c' || g || '@d' || (g % 50) || '.example', 'First' || g, case when g % 5 = 0 then 'fr' else 'en' end,
         jsonb_build_object('plan', case when g % 3 = 0 then 'gold' else 'basic' end),
         case when g % 100 = 0 then 'unsubscribed' else 'subscribed' end, now(), now()
    from generate_series(1, ${n}) g`);
if (db.kind === 'postgres') await db.query('analyze contacts');
const setupS = (performance.now() - t0) / 1000;

// everyone but the 'none' plan (nobody has it): a segment that scans the whole workspace
const segment = await createSegment(ctx, ws.id, { name: 'All plans', criteria: { all: [{ type: 'field', field: 'plan', op: 'is_not', value: 'none' }] } });
const body = `<html><body><h1>Hello {{ contact.first_name }}</h1><p>Your plan: {{ contact.plan }}</p>
<p><a href="https://shop.example/sale">Sale</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>`;
const message = await db.tx((tx) => createMessage(tx, clock, ws.id, { name: 'bench', channel: 'email', content: { subject: '{{ contact.first_name }}, our news', body, languages: { fr: { subject: 'Nos nouvelles' } } } }));
const campaign = await createCampaign(ctx, ws.id, { name: 'bench', message_id: message.id, recipients: { segments: [segment.id] }, control_group_percent: 5 }, owner);
t0 = performance.now();
const prepared = await prepareCampaign(ctx, ws.id, campaign.id, owner);
const prepareS = (performance.now() - t0) / 1000;
if (!prepared.ok) throw new Error(`checklist failed: ${JSON.stringify(prepared.checks.filter((c) => !c.ok))}`);

const rss = rssSampler();
const fanoutCpu = await cpuMeter(bench);
t0 = performance.now();
await approveCampaign(ctx, ws.id, campaign.id, owner);
const { rows } = await db.query<Job>(sql`
  update jobs set status = 'running', attempts = 1 where workspace_id = ${ws.id} and kind = 'campaign.fanout'
  returning id, workspace_id, kind, payload, attempts, max_attempts, progress`);
const progress = (await runFanout(ctx, rows[0], { batch })) as { queued: number; control: number; suppressed: number; batches: number };
const fanoutS = (performance.now() - t0) / 1000;
const fanoutUsed = await fanoutCpu.stop();
const queued = Number((await db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${campaign.id}`)).rows[0].n);

console.log(`bench/campaign  ${label}  ${machine()}`);
console.log(`  ${n} contacts created in ${setupS.toFixed(1)} s; prepare (checklist, count, ${20} renders) ${prepareS.toFixed(2)} s: ${prepared.calculation.recipients} recipients, ${prepared.calculation.control_group} held out, ${prepared.calculation.suppressed} suppressed`);
console.log(`  approval → last delivery queued: ${queued} deliveries in ${fanoutS.toFixed(2)} s = ${Math.round(queued / fanoutS)} deliveries/s (${progress.batches} batches of ${batch} contacts; ${progress.control} held out), peak RSS ${rss()} MB`);
console.log(`  ${perItem(fanoutUsed, queued, 'delivery queued')}`);

let ok = queued === progress.queued && queued === prepared.calculation.recipients;
if (send) {
  if (db.kind === 'postgres') await db.query('analyze deliveries');
  const sender = app.sources.find((s) => s.name === 'deliveries')!;
  const workers = Number(arg('workers', '2'));
  const sendCpu = await cpuMeter(bench);
  const s0 = performance.now();
  await Promise.all(Array.from({ length: workers }, async () => {
    for (;;) if ((await sender.runDue(clock.now())) === 0) break;
  }));
  const sendS = (performance.now() - s0) / 1000;
  const sendUsed = await sendCpu.stop(); // the sink is a process of its own: not counted here
  const sent = Number((await db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and status = 'sent'`)).rows[0].n);
  let accepted = sent;
  if (sink) {
    sink.stdin!.write('count\n');
    accepted = Number(/count (\d+)/.exec(String((await once(sink.stdout!, 'data'))[0]))![1]);
    sink.kill();
  }
  console.log(`  sending (${transport}, ${workers} sender loops): ${sent} sent, ${accepted} accepted in ${sendS.toFixed(1)} s = ${Math.round(sent / sendS)} msg/s; approval → last message accepted ${(fanoutS + sendS).toFixed(1)} s`);
  console.log(`  ${perItem(sendUsed, sent, 'message sent (the SMTP sink apart)')}`);
  ok &&= sent === queued && accepted === queued;
}
await app.close();
if (!process.argv.includes('--keep')) await drop();
process.exit(ok ? 0 : 1);
