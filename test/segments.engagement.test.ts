import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, PG_URL, T0, type TestApp, type Workspace } from './helpers.ts';
import { criteriaEnv, parseCriteria, recomputeEngagement, selectMemberIds, ENGAGEMENT_DEFAULTS } from '../src/segments/index.ts';
import { appendEvents, type NewEvent } from '../src/events/index.ts';
import { sql } from '../src/db/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let delivery = 1;

interface Send {
  at: Date;
  opened?: boolean;
  clicked?: boolean;
  bounced?: boolean;
  transactional?: boolean;
  channel?: 'email' | 'sms';
}

/** Message events as the delivery layer writes them (sent, then opened / clicked / bounced). */
async function sends(ws: Workspace, contactId: number, list: Send[]) {
  const events: NewEvent[] = [];
  for (const s of list) {
    const data = { delivery_id: delivery++, message_id: 1, channel: s.channel ?? 'email', campaign_id: 1, ...(s.transactional ? { transactional: true } : {}) };
    const ev = (type: string, after: number) => events.push({ workspaceId: ws.id, contactId, type, data, occurredAt: new Date(s.at.getTime() + after) });
    ev('message.sent', 0);
    if (s.bounced) ev('message.bounced', 60_000);
    if (s.opened) ev('message.opened', HOUR);
    if (s.clicked) ev('message.clicked', 2 * HOUR);
  }
  await appendEvents(t.db, t.clock.now(), events);
}

const n = (k: number, s: Omit<Send, 'at'> = {}, start = 10) => Array.from({ length: k }, (_, i) => ({ at: new Date(t.clock.now().getTime() - (start + i) * DAY), ...s }));

async function recompute(ws: Workspace) {
  const r = await ws.api('POST', '/api/v1/engagement/recompute');
  expect(r.status).toBe(202);
  await t.app.drain();
}
const level = async (ws: Workspace, id: number) => (await ws.api('GET', `/api/v1/engagement/contacts/${id}`)).body;

describe('engagement levels (S-2, S-3)', () => {
  it('scores delivered marketing emails in the window, not the last 24 hours, bounces or transactional mail', async () => {
    const ws = await newWorkspace(t);
    const ids: number[] = [];
    for (let i = 0; i < 9; i++) ids.push((await ws.api('POST', '/api/v1/contacts', { email: `e${i}@example.com` })).body.id);
    const [most, somewhat, least, few, recent, transactional, bounced, old, clicker] = ids;
    await sends(ws, most, [...n(2, { opened: true }), ...n(1, { clicked: true }, 20), ...n(3, {}, 30)]); // 3/6 opened (click counts), 1 click
    await sends(ws, somewhat, [...n(1, { opened: true }), ...n(4, {}, 20)]); // 1/5 = 20 %
    await sends(ws, least, [...n(1, { opened: true }), ...n(9, {}, 20)]); // 10 %
    await sends(ws, few, n(2, { opened: true, clicked: true }));
    await sends(ws, recent, [...n(2, { opened: true, clicked: true }), { at: new Date(t.clock.now().getTime() - 2 * HOUR) }]);
    await sends(ws, transactional, [...n(2), ...n(3, { transactional: true }, 20), ...n(2, { channel: 'sms' }, 40)]);
    await sends(ws, bounced, [...n(3), ...n(2, { bounced: true, opened: true }, 20)]); // 3 delivered, none opened
    await sends(ws, old, n(5, { opened: true, clicked: true }, 91));
    await sends(ws, clicker, [...n(1, { clicked: true }), ...n(9, {}, 20)]); // 10 % but a click
    await recompute(ws);
    const got = await Promise.all(ids.map(async (id) => (await level(ws, id)).level));
    expect(got).toEqual(['most', 'somewhat', 'least', 'everyone_else', 'everyone_else', 'everyone_else', 'least', 'everyone_else', 'somewhat']);
    expect((await level(ws, most)).previous_level).toBe('everyone_else');

    // the pre-built segments (S-2) and the summary agree
    const counts = await Promise.all(['most_engaged', 'somewhat_engaged', 'least_engaged', 'everyone_else'].map(async (s) => (await ws.api('GET', `/api/v1/segments/${s}/count`)).body.count));
    expect(counts).toEqual([1, 2, 2, 4]);
    expect((await ws.api('GET', '/api/v1/engagement')).body.levels).toEqual({ most: 1, somewhat: 2, least: 2, everyone_else: 4 });

    // thresholds come from the workspace settings
    await ws.api('PATCH', '/api/v1/workspace', { settings: { engagement: { min_emails: 2, somewhat_open_rate: 0.1 } } });
    await recompute(ws);
    expect((await level(ws, few)).level).toBe('most');
    expect((await level(ws, least)).level).toBe('somewhat');
    const hist = await level(ws, least);
    expect(hist.previous_level).toBe('least');
    expect(hist.history.map((h: any) => [h.level, h.previous_level])).toEqual([['somewhat', 'least'], ['least', 'everyone_else']]);
    // and the previous level is queryable as a criterion
    const prev = await ws.api('POST', '/api/v1/segments/count', { criteria: { all: [{ type: 'engagement', which: 'previous', op: 'is', level: 'least' }] } });
    expect(prev.body.count).toBe(1);
    const everyoneElse = { all: [{ type: 'engagement', which: 'previous', op: 'is', level: 'everyone_else' }] };
    const previous = await Promise.all(ids.map(async (id) => (await level(ws, id)).previous_level));
    expect((await ws.api('POST', '/api/v1/segments/count', { criteria: everyoneElse })).body.count).toBe(previous.filter((p) => p === 'everyone_else').length);
    // the index of previous levels leaves out 'everyone_else' (migration 016) and still serves the others
    const env = await criteriaEnv(t.db, ws.id, t.clock.now());
    const plan = await t.db.tx(async (tx) => {
      await tx.query('set local enable_seqscan = off');
      const q = selectMemberIds(parseCriteria({ all: [{ type: 'engagement', which: 'previous', op: 'is', level: 'least' }] }, env.fields), env);
      return (await tx.query<{ 'QUERY PLAN': string }>(sql`explain ${q}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('contact_engagement_previous');
  });

  it('recomputes daily once a first recomputation ran, and contacts fall back as mail ages out', async () => {
    const tt = t; // one database per file: each test has its own workspace
    const ws = await newWorkspace(tt);
    const id = (await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com' })).body.id;
    const events = Array.from({ length: 3 }, (_, i) => {
      const data = { delivery_id: 9000 + i, message_id: 1, channel: 'email' };
      const at = new Date(T0.getTime() - (80 + i) * DAY);
      return [
        { workspaceId: ws.id, contactId: id, type: 'message.sent', data, occurredAt: at },
        { workspaceId: ws.id, contactId: id, type: 'message.clicked', data, occurredAt: at },
      ];
    }).flat();
    await appendEvents(tt.db, T0, events);
    await ws.api('POST', '/api/v1/engagement/recompute');
    await tt.app.drain();
    const jobs = async () =>
      (await tt.db.query<{ status: string; run_at: Date }>(sql`select status, run_at from jobs where workspace_id = ${ws.id} and kind = 'engagement.recompute' order by id`)).rows;
    expect((await jobs()).map((j) => j.status)).toEqual(['done', 'queued']);
    expect((await jobs())[1].run_at.toISOString()).toBe('2026-01-06T03:00:00.000Z');
    const get = async () => (await ws.api('GET', `/api/v1/engagement/contacts/${id}`)).body;
    expect((await get()).level).toBe('most');
    // 11 days later the three emails have left the 90-day window: back to everyone else
    await tt.app.advance(new Date(T0.getTime() + 11 * DAY));
    expect(await get()).toMatchObject({ level: 'everyone_else', previous_level: 'most' });
    const all = await jobs();
    expect(all.filter((j) => j.status === 'done')).toHaveLength(12);
    expect(all.filter((j) => j.status === 'queued')).toHaveLength(1);
  });
});

describe('engagement history goes with its contact (S-3)', () => {
  it('deleting a contact removes its engagement row and every history row, and only those', async () => {
    const ws = await newWorkspace(t);
    const [a, b] = [
      (await ws.api('POST', '/api/v1/contacts', { email: 'gone@example.com' })).body.id,
      (await ws.api('POST', '/api/v1/contacts', { email: 'kept@example.com' })).body.id,
    ];
    for (const id of [a, b]) await sends(ws, id, n(3, { opened: true, clicked: true }));
    await recompute(ws);
    const rows = async (table: string, id: number) =>
      (await t.db.query<{ n: number }>(`select count(*)::int as n from ${table} where workspace_id = $1 and contact_id = $2`, [ws.id, id])).rows[0].n;
    for (const id of [a, b]) {
      expect(await rows('contact_engagement', id)).toBe(1);
      expect(await rows('engagement_history', id)).toBe(1);
    }
    expect((await ws.api('DELETE', `/api/v1/contacts/${a}`)).status).toBe(200);
    expect(await rows('contact_engagement', a)).toBe(0);
    expect(await rows('engagement_history', a)).toBe(0);
    expect(await rows('engagement_history', b)).toBe(1);
    // its events stay in the log: a later recomputation still gives it no level
    await t.db.query(`delete from contact_engagement where workspace_id = $1`, [ws.id]);
    await recompute(ws);
    expect(await rows('contact_engagement', a)).toBe(0);
    expect(await rows('contact_engagement', b)).toBe(1);
  });
});

describe('levels never outlive their contact (S-3, migration 014)', () => {
  // two connections at once: PostgreSQL only (PGlite has one)
  it.skipIf(!PG_URL)('a contact deleted while a recomputation runs loses the level that recomputation wrote for it', async () => {
    const ws = await newWorkspace(t);
    const id = (await ws.api('POST', '/api/v1/contacts', { email: 'racing@example.com' })).body.id;
    await sends(ws, id, n(3, { opened: true, clicked: true }));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    // a recomputation that saw the contact and wrote its level, not committed yet
    const recomputing = t.db.tx(async (tx) => {
      const r = await recomputeEngagement(tx, ws.id, t.clock.now(), ENGAGEMENT_DEFAULTS);
      wrote();
      await held;
      return r;
    });
    await written;
    let deleted = false;
    const deleting = ws.api('DELETE', `/api/v1/contacts/${id}`).then((r) => ((deleted = true), r));
    await new Promise((r) => setTimeout(r, 300));
    const waited = !deleted; // it waits for the recomputation
    release();
    expect(waited).toBe(true);
    expect((await recomputing).changed).toBe(1);
    expect((await deleting).status).toBe(200);
    const left = async (table: string) =>
      (await t.db.query<{ n: number }>(`select count(*)::int as n from ${table} where workspace_id = $1 and contact_id = $2`, [ws.id, id])).rows[0].n;
    expect(await left('contact_engagement')).toBe(0);
    expect(await left('engagement_history')).toBe(0);
  });
});

describe('segment entry and exit (J-5)', () => {
  it('logs segment.entered / segment.left when membership changes, after a silent baseline', async () => {
    const tt = t; // one database per file: each test has its own workspace
    const ws = await newWorkspace(tt);
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await ws.api('POST', '/api/v1/contacts', { email: `m${i}@example.com`, tags: i === 0 ? ['vip'] : [] })).body.id);
    const seg = (await ws.api('POST', '/api/v1/segments', { name: 'VIP', criteria: { all: [{ type: 'tag', op: 'has', tag: 'vip' }] } })).body.id;
    await tt.app.drain();
    const members = async () =>
      (await tt.db.query<{ contact_id: number }>(sql`select contact_id from segment_members where workspace_id = ${ws.id} and segment_id = ${seg} order by contact_id`)).rows.map((r) => r.contact_id);
    const logged = async () =>
      (await tt.db.query<{ type: string; contact_id: number; data: any }>(sql`
        select type, contact_id, data from events where workspace_id = ${ws.id} and type like 'segment.%' order by id`)).rows.map((e) => [e.type, e.contact_id, e.data.segment_id]);
    expect(await members()).toEqual([ids[0]]);
    expect(await logged()).toEqual([]); // the baseline is silent

    await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: [ids[1]], add_tags: ['vip'] });
    await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: [ids[0]], remove_tags: ['vip'] });
    expect((await ws.api('POST', '/api/v1/segments/refresh')).status).toBe(202);
    await tt.app.drain();
    expect(await members()).toEqual([ids[1]]);
    expect(await logged()).toEqual([['segment.entered', ids[1], seg], ['segment.left', ids[0], seg]]);

    // the schedule refreshes every 5 minutes without being asked
    await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: [ids[2]], add_tags: ['vip'] });
    await tt.app.advance(new Date(tt.clock.now().getTime() + 5 * 60_000));
    expect(await members()).toEqual([ids[1], ids[2]]);
    expect((await logged()).at(-1)).toEqual(['segment.entered', ids[2], seg]);
    // nothing changes: nothing is logged
    await tt.app.advance(new Date(tt.clock.now().getTime() + 15 * 60_000));
    expect(await logged()).toHaveLength(3);

    // deleting the last segment ends the schedule
    await ws.api('DELETE', `/api/v1/segments/${seg}`);
    await tt.app.advance(new Date(tt.clock.now().getTime() + 10 * 60_000));
    const pending = await tt.db.query(sql`select 1 from jobs where workspace_id = ${ws.id} and kind = 'segments.refresh' and status = 'queued'`);
    expect(pending.rows).toHaveLength(0);
  });
});

describe('S-5: the daily recomputation is scheduled for every workspace', () => {
  it('a starting worker queues it for a workspace that never saved a segment, once', async () => {
    const ws = await newWorkspace(t);
    const daily = async () =>
      (await t.db.query<{ run_at: Date }>(sql`
        select run_at from jobs where workspace_id = ${ws.id} and unique_key = 'engagement.daily' and status = 'queued'`)).rows;
    expect(await daily()).toEqual([]);
    const { ensureEngagementSchedules } = await import('../src/segments/index.ts');
    await ensureEngagementSchedules(t.db, t.clock);
    await ensureEngagementSchedules(t.db, t.clock);
    const rows = await daily();
    expect(rows).toHaveLength(1);
    // the next 03:00 in the workspace's zone (UTC here) after the clock's now (earlier tests moved it)
    const now = t.clock.now();
    const at3 = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3));
    const next = at3 > now ? at3 : new Date(at3.getTime() + 86_400_000);
    expect(rows[0].run_at.toISOString()).toBe(next.toISOString());
  });
});
