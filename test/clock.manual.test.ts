import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startParcours, type Running } from './app-process.ts';
import { startSmtpSink, type Sink } from './smtp-sink.ts';
import { PG_URL } from './helpers.ts';
import { BODY } from './campaigns-support.ts';
import { DateTime } from 'luxon';
import { connectPostgres, schemaUrl } from '../src/db/index.ts';

/**
 * Issue 17, `--clock manual` as users script it: a real `parcours start --clock manual` process
 * (its background worker running beside the advance route), a real SMTP relay, the HTTP API.
 * On PostgreSQL (TEST_DATABASE_URL) the process runs on a fresh schema, else on PGlite.
 */
const START = '2026-03-02T09:00:00.000Z'; // a Monday
let srv: Running;
let sink: Sink;
let key: string;
let dir: string;
let schema: string | undefined;
const call = (method: string, url: string, body?: unknown) => api(srv.url, key, method, url, body);

async function ok(method: string, url: string, body?: unknown) {
  const r = await call(method, url, body);
  expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
}

beforeAll(async () => {
  sink = await startSmtpSink({ delayMs: 250 }); // a relay that takes its time: sends are in flight when the clock moves
  dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-clock-'));
  const env: Record<string, string> = { SMTP_URL: sink.url, PARCOURS_SECRET: 'clock-secret-clock-secret-clock-secret!', LOG_LEVEL: 'warn' };
  if (PG_URL) {
    schema = `t_clock_${Math.random().toString(36).slice(2, 10)}`;
    const admin = await connectPostgres(PG_URL, { max: 1 });
    await admin.query(`create schema ${schema}`);
    await admin.close();
    env.DATABASE_URL = schemaUrl(PG_URL, schema);
  }
  srv = await startParcours(path.join(dir, 'data'), { args: ['--clock', 'manual', '--start-at', START], env });
  key = srv.key!;
  expect(key).toBeTruthy();
  await ok('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
}, 180_000);

afterAll(async () => {
  await srv?.stop();
  await sink?.close();
  if (schema) {
    const admin = await connectPostgres(PG_URL!, { max: 1 });
    await admin.query(`drop schema ${schema} cascade`);
    await admin.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** n contacts on a new list, through the API. */
async function listOf(n: number, prefix: string) {
  const list = (await ok('POST', '/api/v1/lists', { name: `List ${prefix}` })).id as number;
  const ids: number[] = [];
  for (let i = 1; i <= n; i++) ids.push((await ok('POST', '/api/v1/contacts', { email: `${prefix}${i}@example.com`, first_name: `N${i}` })).id);
  await ok('POST', `/api/v1/lists/${list}/members`, { contact_ids: ids });
  return { list, ids };
}

async function message(subject: string) {
  return (await ok('POST', '/api/v1/messages', { name: subject, channel: 'email', content: { subject, body: BODY } })).id as number;
}

async function launch(body: Record<string, unknown>) {
  const id = (await ok('POST', '/api/v1/campaigns', { name: 'Campaign', ...body })).id as number;
  const p = await ok('POST', `/api/v1/campaigns/${id}/prepare`);
  expect(p.ok, JSON.stringify(p.checks?.filter((c: any) => !c.ok))).toBe(true);
  await ok('POST', `/api/v1/campaigns/${id}/approve`);
  return id;
}

async function until(check: () => boolean, ms = 60_000) {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const advance = (by: string) => ok('POST', '/api/v1/clock/advance', { by });
const mailsTo = (prefix: string) => sink.received.filter((m) => m.to.some((a) => a.startsWith(prefix)));

describe('--clock manual: advancing never expires work in flight (issue 17, M-2, K-3, K-8)', () => {
  it('after an approval, advance PT5M sends every mail once and records it: sent in the report, message.sent on timelines, the A/B winner by its opens', async () => {
    const { list, ids } = await listOf(12, 'ab');
    const id = await launch({
      message_id: await message('News'),
      recipients: { lists: [list] },
      ab_test: { variants: [{ id: 'A', subject: 'Subject A' }, { id: 'B', subject: 'Subject B' }], test_percent: 100, decide_after: '2h' },
    });
    // the worker is handing the mails to the relay when the script moves the clock
    await until(() => mailsTo('ab').length > 0);
    await advance('PT5M');
    expect(mailsTo('ab')).toHaveLength(12);
    const report = await ok('GET', `/api/v1/campaigns/${id}/report`);
    expect(report.totals).toMatchObject({ sent: 12, in_doubt: 0, queued: 0, sending: 0 });
    for (const cid of ids) {
      const events = (await ok('GET', `/api/v1/contacts/${cid}/events`)).data as { type: string }[];
      expect(events.filter((e) => e.type === 'message.sent')).toHaveLength(1);
    }
    // every recipient of B opens it (the open pixel of the mail the relay received); no one opens A
    const b = mailsTo('ab').filter((m) => m.parsed.subject === 'Subject B');
    expect(b).toHaveLength(6);
    for (const m of b) {
      const pixel = /\/t\/o\/[A-Za-z0-9_.-]+/.exec(String(m.parsed.html))![0];
      expect((await fetch(srv.url + pixel)).status).toBe(200);
    }
    await advance('PT3H');
    const c = await ok('GET', `/api/v1/campaigns/${id}`);
    expect(c.ab_state).toMatchObject({ phase: 'decided', winner: 'B' });
    expect(c.ab_state.rates).toEqual(expect.arrayContaining([expect.objectContaining({ variant: 'A', sent: 6, engaged: 0 }), expect.objectContaining({ variant: 'B', sent: 6, engaged: 6 })]));
    expect(mailsTo('ab')).toHaveLength(12); // nothing sent twice
  }, 180_000);

  it('1-hour steps through a paced send with a deadline send every message due before the deadline (M-5)', async () => {
    const { list } = await listOf(60, 'pace');
    const now = new Date((await ok('GET', '/api/v1/clock')).now);
    // 10 an hour from now, deadline in 4 hours: messages 0…39 are due before it, 40…59 expire
    const id = await launch({
      message_id: await message('Paced'),
      recipients: { lists: [list] },
      options: { pacing: { per_hour: 10 }, deadline: new Date(now.getTime() + 4 * 3_600_000).toISOString() },
    });
    for (let h = 0; h < 6; h++) await advance('PT1H');
    const report = await ok('GET', `/api/v1/campaigns/${id}/report`);
    expect(report.totals).toMatchObject({ sent: 40, expired: 20, in_doubt: 0, queued: 0, sending: 0 });
    expect(mailsTo('pace')).toHaveLength(40);
  }, 300_000);
});

const segmentEvents = async (contactId: number) =>
  ((await ok('GET', `/api/v1/contacts/${contactId}/events?limit=500`)).data as { type: string; data: any; occurred_at: string }[])
    .filter((e) => e.type.startsWith('segment.'))
    .reverse();

describe('--clock manual: saved segments refresh when their inputs change, not every 5 minutes (issue 17, J-5, S-4)', () => {
  it('a simulated day with nothing changed runs no refresh; a change is picked up at the next step', async () => {
    const a = (await ok('POST', '/api/v1/contacts', { email: 'seg-a@example.com', tags: ['vip'] })).id as number;
    const b = (await ok('POST', '/api/v1/contacts', { email: 'seg-b@example.com' })).id as number;
    const seg = (await ok('POST', '/api/v1/segments', { name: 'VIP', criteria: { all: [{ type: 'tag', op: 'has', tag: 'vip' }] } })).id as number;
    await advance('PT1H'); // the silent baseline, and whatever else was pending
    const day = await advance('P1D');
    // before: a refresh job every 5 minutes, 288 a day; now only the daily engagement run is due
    expect(day.ran).toBeLessThanOrEqual(3);
    expect(await segmentEvents(a)).toEqual([]);

    await ok('POST', '/api/v1/contacts/bulk', { contact_ids: [b], add_tags: ['vip'] });
    const before = new Date((await ok('GET', '/api/v1/clock')).now).getTime();
    await advance('PT10M');
    const entered = await segmentEvents(b);
    expect(entered.map((e) => [e.type, e.data.segment_id])).toEqual([['segment.entered', seg]]);
    expect(new Date(entered[0].occurred_at).getTime() - before).toBeLessThanOrEqual(5 * 60_000);
    expect((await advance('P1D')).ran).toBeLessThanOrEqual(3); // and quiet again
  }, 180_000);

  it('time-relative criteria still change with time alone: at local midnight, and when an event leaves its window', async () => {
    const tz = (await ok('GET', '/api/v1/workspace')).timezone as string;
    const c = (await ok('POST', '/api/v1/contacts', { email: 'seg-new@example.com' })).id as number;
    const recent = (await ok('POST', '/api/v1/segments', { name: 'New', criteria: { all: [{ type: 'field', field: 'created_at', op: 'within_last_days', days: 2 }, { type: 'field', field: 'email', op: 'starts_with', value: 'seg-new' }] } })).id;
    const visited = (await ok('POST', '/api/v1/segments', { name: 'Visited', criteria: { type: 'event', event: 'visited', op: 'did', within_days: 1 } })).id;
    await advance('PT1M'); // baselines: c is in New, in no Visited
    const createdAt = new Date((await ok('GET', `/api/v1/contacts/${c}`)).created_at);
    await ok('POST', `/api/v1/contacts/${c}/events`, { type: 'visited' });
    const visitedAt = new Date((await ok('GET', '/api/v1/clock')).now).getTime();
    await advance('P4D');
    const events = (await segmentEvents(c)).map((e) => ({ type: e.type, segment: e.data.segment_id, at: new Date(e.occurred_at).getTime() }));
    const leftNew = events.find((e) => e.segment === recent && e.type === 'segment.left')!;
    // created on local day D: within the last 2 days through D + 2, out at the start of D + 3
    expect(leftNew.at).toBe(DateTime.fromJSDate(createdAt, { zone: tz }).startOf('day').plus({ days: 3 }).toMillis());
    const visits = events.filter((e) => e.segment === visited);
    expect(visits.map((e) => e.type)).toEqual(['segment.entered', 'segment.left']);
    expect(visits[0].at - visitedAt).toBeLessThanOrEqual(5 * 60_000);
    // the visit counts for 24 hours: it leaves its window just after
    expect(visits[1].at - (visitedAt + 86_400_000)).toBeGreaterThanOrEqual(0);
    expect(visits[1].at - (visitedAt + 86_400_000)).toBeLessThan(1000);
  }, 180_000);
});

describe('--clock manual: 90 simulated days in seconds (issue 17: the README promises days of a journey in milliseconds)', () => {
  it('P90D with 5 saved segments and a running journey: every mail sent once, every membership change at its time', async () => {
    const list = (await ok('POST', '/api/v1/lists', { name: 'Welcome' })).id as number;
    const journey = (await ok('POST', '/api/v1/journey-templates/welcome_series', { list_id: list, name: 'P90 welcome' })).id as number;
    await ok('POST', `/api/v1/journeys/${journey}/activate`, {});
    const segments = {
      vip: { all: [{ type: 'tag', op: 'has', tag: 'vip90' }] },
      recent: { all: [{ type: 'field', field: 'created_at', op: 'within_last_days', days: 7 }, { type: 'list', op: 'in', list_ids: [list] }] },
      opened: { type: 'email_activity', op: 'opened', within_days: 30 },
      welcome: { type: 'list', op: 'in', list_ids: [list] },
      engaged: { type: 'engagement', op: 'is', level: 'most' },
    };
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await ok('POST', '/api/v1/contacts', { email: `p90-${i}@example.com`, tags: i < 3 ? ['vip90'] : [] })).id);
    const seg: Record<string, number> = {};
    for (const [name, criteria] of Object.entries(segments)) seg[name] = (await ok('POST', '/api/v1/segments', { name: `P90 ${name}`, criteria })).id;
    await advance('PT1M'); // the silent baselines: the three VIPs are members from the start
    const joinedAt = new Date((await ok('GET', '/api/v1/clock')).now);
    await ok('POST', `/api/v1/lists/${list}/members`, { contact_ids: ids });

    const started = performance.now();
    await advance('P1D');
    // five recipients open their first welcome mail on the first day
    const first = mailsTo('p90-').filter((m) => ids.slice(0, 5).some((_, i) => m.to.includes(`p90-${i}@example.com`)));
    for (const m of first) expect((await fetch(srv.url + /\/t\/o\/[A-Za-z0-9_.-]+/.exec(String(m.parsed.html))![0])).status).toBe(200);
    const openedAt = new Date((await ok('GET', '/api/v1/clock')).now).getTime();
    const rest = await advance('P89D');
    const seconds = (performance.now() - started) / 1000;
    console.log(`P90D with 5 saved segments and a running journey (${PG_URL ? 'PostgreSQL' : 'PGlite'}): ${seconds.toFixed(1)} s, ${rest.ran} pieces of work in ${rest.steps} steps in the last 89 days`);

    // the journey ran to its end: three mails each, once
    const report = await ok('GET', `/api/v1/journeys/${journey}/report`);
    expect(report).toMatchObject({ entered: 20, completed: 20, in_progress: 0 });
    expect(mailsTo('p90-')).toHaveLength(60);
    expect(first.length).toBeGreaterThanOrEqual(5);
    const tz = (await ok('GET', '/api/v1/workspace')).timezone as string;
    for (const [i, id] of ids.entries()) {
      const ev = (await segmentEvents(id)).map((e) => ({ type: e.type, segment: e.data.segment_id, at: new Date(e.occurred_at).getTime() }));
      const of = (name: string) => ev.filter((e) => e.segment === seg[name]).map((e) => e.type);
      expect(of('welcome')).toEqual(['segment.entered']);
      expect(of('vip')).toEqual([]); // members from the start (the silent baseline), never left
      // in "recent" from joining until the 8th local midnight after creation
      expect(of('recent')).toEqual(['segment.entered', 'segment.left']);
      const left = ev.find((e) => e.segment === seg.recent && e.type === 'segment.left')!;
      expect(left.at).toBe(DateTime.fromMillis(joinedAt.getTime(), { zone: tz }).startOf('day').plus({ days: 8 }).toMillis());
      if (i < 5) {
        // opened on day 1: in "opened" for 30 days after the open, then out (later mails unopened)
        expect(of('opened')).toEqual(['segment.entered', 'segment.left']);
        const out = ev.find((e) => e.segment === seg.opened && e.type === 'segment.left')!;
        expect(out.at - (openedAt + 30 * 86_400_000)).toBeGreaterThanOrEqual(0);
        expect(out.at - (openedAt + 30 * 86_400_000)).toBeLessThan(1000);
      } else expect(of('opened')).toEqual([]);
    }
  }, 600_000);
});
