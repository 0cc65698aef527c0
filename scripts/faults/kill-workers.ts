// Issue 9, faults at scale (a script, not a CI test): a 100,000-recipient campaign and a
// 100,000-contact journey run on PostgreSQL by two `parcours worker` processes, one of which is
// SIGKILLed at random moments, 10 times. Mail goes to an SMTP server in its own process
// (scripts/faults/sink.ts) that records every message it accepts by its X-Parcours-Delivery
// header. At the end: every due message was sent exactly once according to that record, or is
// reported in doubt (claimed by a worker at the moment it was killed); nothing silently
// duplicated or dropped. Prints a summary; exits 1 when a check fails.
//
//   node --import tsx scripts/faults/kill-workers.ts [--contacts 100000] [--kills 10] [--journey-emails 2]
//        [--db postgres://postgres@127.0.0.1:5432/test]   (its own schema, dropped afterwards)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.ts';
import { SystemClock } from '../../src/clock.ts';
import { createApp } from '../../src/app.ts';
import { connectPostgres, sql, schemaUrl } from '../../src/db/index.ts';
import { createApiKey, createWorkspace } from '../../src/accounts/index.ts';
import { markInDoubt } from '../../src/delivery/claim.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const N = Number(arg('contacts', '100000'));
const KILLS = Number(arg('kills', '10'));
const JOURNEY_EMAILS = Number(arg('journey-emails', '2')) === 1 ? 1 : 2;
const URL_ = arg('db', process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const SECRET = 'kill-workers-secret-kill-workers-secret';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const t0 = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const say = (...a: unknown[]) => console.log(elapsed(), ...a);

const schema = `kill_${randomBytes(4).toString('hex')}`;
const admin = await connectPostgres(URL_, { max: 1 });
await admin.query(`create schema ${schema}`);
const db = await connectPostgres(URL_, { schema, max: 6 });
const workerUrl = schemaUrl(URL_, schema);
const logFile = path.join(tmpdir(), `parcours-kill-workers-${schema}.log`);
const log = createWriteStream(logFile);
const children = new Set<ChildProcess>();
let sink: ChildProcess | undefined;

async function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  sink?.kill('SIGKILL');
  await db.close().catch(() => {});
  if (process.env.KEEP_SCHEMA) console.log(`kept schema ${schema}`);
  else await admin.query(`drop schema ${schema} cascade`).catch((e) => console.error('could not drop', schema, e.message));
  await admin.close().catch(() => {});
  log.end();
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

let failed = false;
try {
  // the SMTP server, in its own process
  sink = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/faults/sink.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const sinkPort = Number(/port (\d+)/.exec(String((await once(sink.stdout!, 'data'))[0]))![1]);
  let sinkWaiter: ((line: string) => void) | undefined;
  let sinkBuf = '';
  sink.stdout!.on('data', (b: Buffer) => {
    sinkBuf += b.toString();
    let i: number;
    while ((i = sinkBuf.indexOf('\n')) >= 0) {
      const line = sinkBuf.slice(0, i);
      sinkBuf = sinkBuf.slice(i + 1);
      if (sinkWaiter) sinkWaiter(line), (sinkWaiter = undefined);

    }
  });
  const askSink = async (cmd: string) => {
    const answer = new Promise<string>((r) => (sinkWaiter = r));
    sink!.stdin!.write(`${cmd}\n`);
    return answer;
  };
  const accepted = async () => (JSON.parse(await askSink('stats')) as { accepted: number; distinct: number; duplicates: number });
  const smtpUrl = `smtp://127.0.0.1:${sinkPort}`;

  // the operator's side: an app without a worker, for the API
  const clock = new SystemClock();
  const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: SECRET, PUBLIC_URL: 'http://parcours.test', SMTP_URL: smtpUrl }), clock, db });
  const http = await app.http();
  const ws = await createWorkspace(db, clock, 'kill-workers');
  const key = (await createApiKey(db, clock, ws.id, 'ops', 'owner')).key;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await http.inject({ method: method as any, url, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as any }) });
    const parsed = res.body ? res.json() : undefined;
    if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return parsed;
  };
  const body = (name: string) => `<p>Hello {{ contact.first_name | default: "friend" }}, ${name}.</p><p><a href="https://shop.example/sale">Sale</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`;
  await api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
  const cm = (await api('POST', '/api/v1/messages', { name: 'Campaign', channel: 'email', content: { subject: 'Sale', body: body('campaign') } })).id;
  const j1 = (await api('POST', '/api/v1/messages', { name: 'Welcome', channel: 'email', content: { subject: 'Welcome', body: body('welcome') } })).id;
  const j2 = (await api('POST', '/api/v1/messages', { name: 'Follow-up', channel: 'email', content: { subject: 'Follow-up', body: body('follow-up') } })).id;
  await db.query(sql`
    insert into contacts (workspace_id, key, email, first_name, created_at, updated_at)
    select ${ws.id}, 'k' || g || '@d' || (g % 50) || '.example', 'k' || g || '@d' || (g % 50) || '.example', 'N' || g, now(), now()
      from generate_series(1, ${N}) g`);
  const list = (await api('POST', '/api/v1/lists', { name: 'Everyone' })).id;
  await db.query(sql`insert into list_members (workspace_id, list_id, contact_id, joined_at, source) select ${ws.id}, ${list}, id, now(), 'api' from contacts where workspace_id = ${ws.id}`);
  await db.query('analyze contacts; analyze list_members');
  const steps = JOURNEY_EMAILS === 2
    ? [{ id: 'e1', type: 'email', message_id: j1, next: 't' }, { id: 't', type: 'action', action: 'add_tag', tag: 'seen', next: 'e2' }, { id: 'e2', type: 'email', message_id: j2, next: null }]
    : [{ id: 'e1', type: 'email', message_id: j1, next: 't' }, { id: 't', type: 'action', action: 'add_tag', tag: 'seen', next: null }];
  const journey = (await api('POST', '/api/v1/journeys', { name: 'Welcome series', definition: { trigger: { type: 'manual' }, start: 'e1', steps } })).id;
  await api('POST', `/api/v1/journeys/${journey}/activate`, {});
  const campaign = (await api('POST', '/api/v1/campaigns', { name: 'Big sale', message_id: cm, recipients: { lists: [list] } })).id;
  const prepared = await api('POST', `/api/v1/campaigns/${campaign}/prepare`);
  if (!prepared.ok) throw new Error(`campaign not ready: ${JSON.stringify(prepared.checks)}`);
  const expected = N + JOURNEY_EMAILS * N;
  say(`schema ${schema}: ${N} contacts, campaign ${campaign} (${N} recipients), journey ${journey} (${JOURNEY_EMAILS} email(s) per contact): ${expected} messages due; worker logs in ${logFile}`);

  // two workers; the "victim" is killed and started again
  const worker = (name: string) => {
    const child = spawn(process.execPath, ['bin/parcours.mjs', 'worker'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: workerUrl, SMTP_URL: smtpUrl, LOG_LEVEL: 'warn', PARCOURS_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (b) => log.write(`[${name} ${child.pid}] ${b}`));
    child.stderr!.on('data', (b) => log.write(`[${name} ${child.pid}] ${b}`));
    children.add(child);
    return child;
  };
  const steady = worker('steady');
  let victim = worker('victim');
  await api('POST', `/api/v1/campaigns/${campaign}/approve`);
  const ids = (await db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws.id} order by id`)).rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 10_000) await api('POST', `/api/v1/journeys/${journey}/enroll`, { contact_ids: ids.slice(i, i + 10_000) });
  say('campaign approved, contacts enrolled');

  const count = async (s: ReturnType<typeof sql>) => Number((await db.query<{ n: number }>(s)).rows[0].n);
  const fanoutKey = `campaign:${campaign}:fanout:main`;
  const fanout = async () => (await db.query<{ status: string; progress: unknown; locked_until: Date | null }>(sql`
    select status, progress, locked_until from jobs where unique_key = ${fanoutKey} order by id desc limit 1`)).rows[0];
  const pending = async () => ({
    queued: await count(sql`select count(*) as n from deliveries where workspace_id = ${ws.id} and status = 'queued'`),
    sending: await count(sql`select count(*) as n from deliveries where workspace_id = ${ws.id} and status = 'sending'`),
    active: await count(sql`select count(*) as n from enrollments where workspace_id = ${ws.id} and status = 'active'`),
    fanout: (await fanout())?.status,
  });
  const done = async () => {
    const p = await pending();
    return p.queued === 0 && p.active === 0 && p.fanout === 'done';
  };

  // kill the victim at random moments while work remains
  const kills: string[] = [];
  for (let k = 1; k <= KILLS; k++) {
    // the first one early, while the fan-out and the first journey steps run; then anywhere
    await sleep(k === 1 ? 1000 + Math.floor(Math.random() * 4000) : 4000 + Math.floor(Math.random() * 12_000));
    if (await done()) break;
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    const stats = await accepted();
    const p = await pending();
    kills.push(`kill ${k} at ${elapsed()}: sink ${stats.accepted}, queued ${p.queued}, sending ${p.sending}, active enrollments ${p.active}, fan-out ${p.fanout}`);
    say(kills[kills.length - 1]);
    victim = worker('victim');
    // a fan-out job held by the killed worker waits out its five-minute lease: made instant here
    // when its progress stands still (if its holder was in fact alive, the idempotency keys
    // still make a second run insert nothing twice)
    const before = JSON.stringify(await fanout());
    await sleep(1500);
    const f = await fanout();
    if (f?.status === 'running' && JSON.stringify(f) === before) {
      await db.query(sql`update jobs set locked_until = now() where unique_key = ${fanoutKey} and status = 'running'`);
      say('  the fan-out job stood still: its lease is made to run out');
    }
  }

  // wait for the end: nothing queued, no active enrollment, the fan-out done, nothing being sent
  // (a killed worker's batch is taken over when its 20-second lease ends)
  for (;;) {
    const p = await pending();
    if (p.queued === 0 && p.active === 0 && p.fanout === 'done' && p.sending === 0) break;
    if (Date.now() - t0 > 40 * 60_000) throw new Error(`not finished after 40 minutes: ${JSON.stringify(p)}`);
    await sleep(1000);
  }
  say('all work done; stopping the workers');
  const steadyAlive = steady.exitCode === null && steady.signalCode === null;
  for (const c of [steady, victim]) c.kill('SIGTERM');
  await Promise.all([steady, victim].map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : null)));
  // what killed workers still held is past its lease (20 s, made instant): in doubt if handed over, else queued
  await db.query(sql`update deliveries set locked_until = now() where workspace_id = ${ws.id} and status = 'sending'`);
  await markInDoubt(db, new Date());

  // the sink's own record
  const dump = path.join(tmpdir(), `parcours-sink-${schema}.json`);
  await askSink(`dump ${dump}`);
  const record = new Map<string, number>(Object.entries(JSON.parse(readFileSync(dump, 'utf8'))));
  rmSync(dump, { force: true });
  const rows = (await db.query<{ k: string; status: string; source: string }>(sql`
    select workspace_id || '-' || id as k, status, source from deliveries where workspace_id = ${ws.id}`)).rows;
  const byStatus: Record<string, number> = {};
  let lost = 0;
  let doubtSent = 0;
  let doubtNot = 0;
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const n = record.get(r.k) ?? 0;
    if (r.status === 'sent' && n === 0) lost++;
    if (r.status === 'in_doubt') n > 0 ? doubtSent++ : doubtNot++;
  }
  const known = new Set(rows.map((r) => r.k));
  const duplicated = [...record.values()].filter((n) => n > 1).length;
  const stray = [...record.keys()].filter((k) => !known.has(k)).length;
  const campaignRows = await count(sql`select count(*) as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${campaign}`);
  const campaignContacts = await count(sql`select count(distinct contact_id) as n from deliveries where workspace_id = ${ws.id} and campaign_id = ${campaign}`);
  const journeyRows = await count(sql`select count(*) as n from deliveries where workspace_id = ${ws.id} and journey_id = ${journey}`);
  const completed = await count(sql`select count(*) as n from enrollments where workspace_id = ${ws.id} and status = 'completed'`);
  const stepRuns = await count(sql`select count(*) as n from enrollment_steps where workspace_id = ${ws.id}`);
  const tagged = await count(sql`select count(*) as n from contact_tags where workspace_id = ${ws.id} and tag = 'seen'`);
  const accountedFor = (byStatus.sent ?? 0) + (byStatus.in_doubt ?? 0);

  const checks: [string, boolean, string][] = [
    ['campaign: one delivery per recipient', campaignRows === N && campaignContacts === N, `${campaignRows} deliveries, ${campaignContacts} contacts (want ${N})`],
    ['journey: every enrollment completed', completed === N, `${completed} of ${N}`],
    ['journey: every step ran once', stepRuns === (JOURNEY_EMAILS + 1) * N && tagged === N, `${stepRuns} step runs (want ${(JOURNEY_EMAILS + 1) * N}), ${tagged} tagged`],
    ['journey: one delivery per email step', journeyRows === JOURNEY_EMAILS * N, `${journeyRows} (want ${JOURNEY_EMAILS * N})`],
    ['every due message sent or reported in doubt', rows.length === expected && accountedFor === expected, `${accountedFor} of ${expected}; statuses ${JSON.stringify(byStatus)}`],
    ['sent means the SMTP server has it', lost === 0, `${lost} marked sent but not received`],
    ['never twice (the SMTP server\'s record)', duplicated === 0, `${duplicated} deliveries received more than once`],
    ['nothing the server got that we did not send', stray === 0, `${stray} unknown`],
    ['the worker never killed stayed up', steadyAlive, steadyAlive ? 'alive' : 'it exited'],
    [`${KILLS} kills during the run`, kills.length === KILLS, `${kills.length}`],
  ];
  failed = checks.some(([, ok]) => !ok);
  console.log('\nsummary');
  console.log(`  messages due            ${expected} (campaign ${N}, journey ${JOURNEY_EMAILS * N})`);
  console.log(`  SMTP server received    ${[...record.values()].reduce((a, b) => a + b, 0)} messages, ${record.size} distinct deliveries`);
  console.log(`  sent, recorded          ${byStatus.sent ?? 0}`);
  console.log(`  in doubt (reported)     ${byStatus.in_doubt ?? 0}: ${doubtSent} had reached the SMTP server, ${doubtNot} had not (a kill between claim and record)`);
  console.log(`  worker kills            ${kills.length}`);
  console.log(`  wall time               ${elapsed().trim()}`);
  for (const [name, ok, detail] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  console.log(failed ? '\nFAILED' : '\nPASSED: every due message sent exactly once, or reported in doubt; none silently duplicated or dropped');
} catch (err) {
  failed = true;
  console.error(elapsed(), 'error:', err);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
