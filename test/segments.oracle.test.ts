import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testApp, type TestApp } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { appendEvents } from '../src/events/index.ts';
import { countSegment, evaluateFor, explainContact, parseCriteria, recomputeEngagement, type Criteria, type CriteriaEnv, type ExplainedNode } from '../src/segments/index.ts';
import { refCondition, refEvaluate, refLevel, type RefContact, type RefEvent, type RefWorld } from './segments-reference.ts';

/**
 * The correctness oracle: random contacts (fields, lists, tags, consent, engagement, message,
 * purchase and custom events at various times) and random criteria trees; the SQL answer
 * must equal the in-memory reference evaluator's, for counts, batch evaluation and explain.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FIELD_TYPES = { plan: 'text', score: 'number', since: 'date', vip: 'boolean' } as const;
const NOWS = ['2026-01-05T09:00:00Z', '2027-02-28T10:30:00Z', '2028-02-28T23:30:00Z', '2026-03-08T06:30:00Z'].map((s) => new Date(s));
const ZONES = ['UTC', 'America/New_York', 'Pacific/Auckland'];
// around the NOWS' local dates, so day boundaries in each zone are exercised
const DATES = ['2000-02-29', '1990-02-28', '1985-03-01', '2026-01-01', '2026-01-04', '2026-01-05', '2027-02-27', '2027-02-28', '2028-02-28', '2028-02-29', '2026-03-07', '2026-03-08'];
const TEXTS = ['Ann', 'ann', 'Anna', 'bob', 'BOB', '', 'pro plus', 'Pro'];
const LEVELS = ['most', 'somewhat', 'least', 'everyone_else'] as const;

// ---- data ---------------------------------------------------------------------------

// a little in the future, up to 130 days back, and often exactly on a window's edge (0, 1, 3, 30, 90 days; 24 h)
const hoursAgo = fc.oneof(fc.integer({ min: -48, max: 24 * 130 }), fc.constantFrom(-1, 0, 23, 24, 25, 72, 720, 2159, 2160, 2161));
const delivery = fc.record({
  campaign: fc.option(fc.constantFrom(1, 2), { nil: undefined }),
  journey: fc.option(fc.record({ id: fc.constant(1), step: fc.constantFrom('a', 'b') }), { nil: undefined }),
  channel: fc.constantFrom('email', 'email', 'sms'),
  transactional: fc.boolean(),
  sent: hoursAgo,
  opened: fc.option(fc.integer({ min: 0, max: 72 }), { nil: undefined }),
  clicked: fc.option(fc.record({ after: fc.integer({ min: 0, max: 72 }), url: fc.constantFrom('https://a.example/', 'https://b.example/') }), { nil: undefined }),
  bounced: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
});
const purchase = fc.record({
  at: hoursAgo,
  total: fc.oneof(fc.integer({ min: 0, max: 80 }).map((n) => n * 2.5), fc.constantFrom('12.50', 'n/a')),
  items: fc.oneof(
    fc.array(fc.record({ product_id: fc.constantFrom(1, 2, '3'), sku: fc.constantFrom('TEA', 'MUG'), name: fc.constantFrom('Green Tea', 'Blue Mug') }), { maxLength: 2 }),
    fc.constant('broken'),
  ),
});
const custom = fc.record({
  type: fc.constantFrom('viewed', 'signup'),
  at: hoursAgo,
  props: fc.record({ page: fc.constantFrom('/pricing', '/Blog/pricing', '/home'), seconds: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant('7')), flag: fc.boolean() }, { requiredKeys: [] }),
  nested: fc.option(fc.constantFrom('Pro', 'Free'), { nil: undefined }),
});
const contact = fc.record({
  first_name: fc.option(fc.constantFrom(...TEXTS), { nil: null }),
  birthday: fc.option(fc.constantFrom(...DATES), { nil: null }),
  createdHoursAgo: fc.oneof(fc.integer({ min: 0, max: 72 }), fc.integer({ min: 0, max: 24 * 60 })),
  plan: fc.option(fc.constantFrom(...TEXTS), { nil: undefined }),
  // bad data too (a number field holding text, an array, null): it counts as empty (S-1)
  score: fc.option(fc.oneof(fc.integer({ min: -10, max: 40 }).map((n) => n / 2), fc.integer({ min: -10, max: 40 }).map((n) => n / 2), fc.constantFrom<unknown>('7', [3], null)), { nil: undefined }),
  since: fc.option(fc.constantFrom(...DATES), { nil: undefined }),
  vip: fc.option(fc.boolean(), { nil: undefined }),
  email_status: fc.constantFrom('subscribed', 'unsubscribed', 'bounced'),
  sms_status: fc.constantFrom('none', 'opted_in', 'opted_out'),
  lists: fc.subarray([0, 1, 2]),
  tags: fc.subarray(['vip', 'new', 'Vip']),
  engagement: fc.option(fc.record({ level: fc.constantFrom(...LEVELS), previous_level: fc.option(fc.constantFrom(...LEVELS), { nil: null }) }), { nil: null }),
  deliveries: fc.array(delivery, { maxLength: 5 }),
  purchases: fc.array(purchase, { maxLength: 3 }),
  customs: fc.array(custom, { maxLength: 3 }),
});
const world = fc.record({ now: fc.constantFrom(...NOWS), timezone: fc.constantFrom(...ZONES), contacts: fc.array(contact, { minLength: 1, maxLength: 7 }) });

// ---- criteria (list ids are slots 0..2, replaced by real ids once the lists exist) -------

const days = fc.constantFrom(0, 1, 3, 30, 90);
const leaf: fc.Arbitrary<any> = fc.oneof(
  fc.record({ type: fc.constant('list'), op: fc.constantFrom('in', 'not_in'), list_ids: fc.subarray([0, 1, 2], { minLength: 1 }) }),
  fc.record({ type: fc.constant('tag'), op: fc.constantFrom('has', 'has_not'), tag: fc.constantFrom('vip', 'new', 'other') }),
  fc.oneof(
    fc.record({ type: fc.constant('consent'), channel: fc.constant('email'), op: fc.constantFrom('is', 'is_not'), status: fc.constantFrom('subscribed', 'bounced') }),
    fc.record({ type: fc.constant('consent'), channel: fc.constant('sms'), op: fc.constantFrom('is', 'is_not'), status: fc.constantFrom('opted_in', 'none') }),
  ),
  fc.record({ type: fc.constant('engagement'), which: fc.constantFrom('current', 'previous'), op: fc.constantFrom('is', 'is_not'), level: fc.constantFrom(...LEVELS) }),
  fc.record({ type: fc.constant('field'), field: fc.constantFrom('first_name', 'plan', 'email'), op: fc.constantFrom('is', 'is_not', 'contains', 'starts_with'), value: fc.constantFrom('ann', 'PRO', 'b', 'example') }),
  fc.record({ type: fc.constant('field'), field: fc.constantFrom('first_name', 'plan'), op: fc.constantFrom('is_empty', 'is_not_empty') }),
  fc.record({ type: fc.constant('field'), field: fc.constant('score'), op: fc.constantFrom('eq', 'neq', 'lt', 'gt', 'is_empty', 'is_not_empty'), value: fc.constantFrom(0, 2.5, 10) }),
  fc.record({ type: fc.constant('field'), field: fc.constant('score'), op: fc.constant('between'), value: fc.constant(-1), to: fc.constantFrom(2.5, 12) }),
  fc.record({ type: fc.constant('field'), field: fc.constantFrom('birthday', 'since', 'created_at'), op: fc.constantFrom('eq', 'neq', 'lt', 'gt'), value: fc.constantFrom(...DATES) }),
  fc.record({ type: fc.constant('field'), field: fc.constantFrom('birthday', 'since', 'created_at'), op: fc.constantFrom('before_days_ago', 'after_days_ago', 'within_last_days'), days }),
  // local "today" of created_at moves with the zone: near-now days hit those boundaries
  fc.record({ type: fc.constant('field'), field: fc.constant('created_at'), op: fc.constantFrom('before_days_ago', 'after_days_ago', 'within_last_days'), days: fc.constantFrom(0, 1, 2) }),
  fc.record({ type: fc.constant('field'), field: fc.constantFrom('birthday', 'since'), op: fc.constantFrom('anniversary_today', 'is_empty') }),
  fc.record({ type: fc.constant('field'), field: fc.constant('vip'), op: fc.constantFrom('is', 'is_not'), value: fc.boolean() }),
  fc.record(
    {
      type: fc.constant('email_activity'),
      op: fc.constantFrom('received', 'not_received', 'opened', 'not_opened', 'clicked', 'not_clicked'),
      channel: fc.constantFrom('email', 'sms'),
      scope: fc.constantFrom<Record<string, unknown>>({}, { campaign_id: 1 }, { campaign_id: 2 }, { message_id: 5 }, { journey_id: 1 }, { journey_id: 1, step_id: 'a' }),
      within_days: fc.option(days, { nil: undefined }),
    },
    { requiredKeys: ['type', 'op', 'channel', 'scope'] },
  ).map(({ scope, ...c }) => ({ ...c, ...scope })),
  fc.record({ type: fc.constant('email_activity'), op: fc.constantFrom('clicked', 'not_clicked'), url: fc.constantFrom('https://a.example/', 'https://b.example/') }),
  fc.record(
    { type: fc.constant('purchase'), op: fc.constantFrom('has_purchased', 'has_not_purchased'), product: fc.constantFrom({ product_id: 3 }, { product_id: '1' }, { sku: 'MUG' }, { name_contains: 'tea' }), within_days: days },
    { requiredKeys: ['type', 'op'] },
  ),
  fc.record({ type: fc.constantFrom('total_spent', 'order_count'), op: fc.constantFrom('eq', 'neq', 'lt', 'gt'), value: fc.constantFrom(0, 1, 12.5, 50) }, { requiredKeys: ['type', 'op', 'value'] }).map((c) =>
    c.type === 'order_count' ? { ...c, value: Math.round(c.value as number) } : c,
  ),
  // around the empty value (0 orders, nothing spent, no date), where the compiler switches forms
  fc.record({ type: fc.constantFrom('total_spent', 'order_count'), op: fc.constantFrom('eq', 'neq', 'lt', 'gt', 'between'), value: fc.constantFrom(0, 1), to: fc.constantFrom(0, 1, 3) }).filter(
    (c) => c.op !== 'between' || c.to >= c.value,
  ).map((c) => (c.op === 'between' ? c : { type: c.type, op: c.op, value: c.value })),
  fc.record({ type: fc.constant('last_order_date'), op: fc.constantFrom('within_last_days', 'before_days_ago', 'is_empty', 'is_not_empty'), days }),
  fc.record({ type: fc.constant('last_order_date'), op: fc.constantFrom('eq', 'neq', 'lt', 'gt'), value: fc.constantFrom(...DATES) }),
  fc.record(
    {
      type: fc.constant('event'),
      op: fc.constantFrom('did', 'did_not'),
      event: fc.constantFrom('viewed', 'signup'),
      where: fc.array(
        fc.oneof(
          fc.record({ property: fc.constant('seconds'), op: fc.constantFrom('gt', 'lt', 'eq', 'neq'), value: fc.constantFrom(5, 7, 10) }),
          fc.record({ property: fc.constantFrom('page', 'plan.tier'), op: fc.constantFrom('eq', 'neq', 'contains'), value: fc.constantFrom('/pricing', 'pricing', 'Pro') }),
          fc.record({ property: fc.constant('flag'), op: fc.constantFrom('eq', 'neq'), value: fc.boolean() }),
        ),
        { maxLength: 2 },
      ),
      within_days: days,
      min_count: fc.constantFrom(1, 2),
    },
    { requiredKeys: ['type', 'op', 'event'] },
  ),
);
const tree: fc.Arbitrary<any> = fc.letrec<{ node: any; group: any }>((tie) => ({
  node: fc.oneof({ maxDepth: 3, depthIdentifier: 'tree' }, leaf, leaf, tie('group')),
  group: fc.record({ kind: fc.constantFrom('all', 'any'), children: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'tree' }) }).map((g) => ({ [g.kind]: g.children })),
})).node;

// ---- insertion -------------------------------------------------------------------------

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Contact = Omit<ValueOf<typeof contact>, 'deliveries'> & { deliveries: (Omit<ValueOf<typeof delivery>, 'campaign'> & { campaign?: number })[] };
type World = { now: Date; timezone: string; contacts: Contact[] };

async function insertWorld(w: World) {
  const db = t.db;
  const ws = (await createWorkspace(db, t.clock, 'oracle')).id;
  const lists = (await db.query<{ id: number }>(sql`
    insert into lists (workspace_id, name, created_at) select ${ws}, 'L' || g, ${w.now} from generate_series(0, 2) g returning id`)).rows.map((r) => r.id).sort((a, b) => a - b);
  await db.query(sql`insert into custom_fields (workspace_id, key, label, type, created_at)
    select ${ws}, k, k, ty, ${w.now} from unnest(${Object.keys(FIELD_TYPES)}::text[], ${Object.values(FIELD_TYPES)}::text[]) u(k, ty)`);
  const rows = w.contacts.map((c: Contact, i: number) => ({
    key: `c${i}@example.com`,
    email: `c${i}@example.com`,
    first_name: c.first_name,
    birthday: c.birthday,
    fields: Object.fromEntries(Object.entries({ plan: c.plan, score: c.score, since: c.since, vip: c.vip }).filter(([, v]) => v !== undefined)),
    email_status: c.email_status,
    sms_status: c.sms_status,
    created_at: new Date(w.now.getTime() - c.createdHoursAgo * HOUR).toISOString(),
  }));
  const ids = (await db.query<{ id: number }>(sql`
    insert into contacts (workspace_id, key, email, first_name, birthday, fields, email_status, sms_status, created_at, updated_at)
    select ${ws}, key, email, first_name, birthday, fields, email_status, sms_status, created_at, created_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as x(key text, email text, first_name text, birthday date, fields jsonb, email_status text, sms_status text, created_at timestamptz)
     order by key
    returning id`)).rows.map((r) => r.id).sort((a, b) => a - b);
  // keys c0…c6 sort like their index, so ids[i] is contact i
  const members = w.contacts.flatMap((c: Contact, i: number) => c.lists.map((l) => [ids[i], lists[l]]));
  await db.query(sql`insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
    select ${ws}, l, c, ${w.now}, 'api' from unnest(${members.map((m) => m[1])}::bigint[], ${members.map((m) => m[0])}::bigint[]) u(l, c)`);
  const tags = w.contacts.flatMap((c: Contact, i: number) => c.tags.map((tag) => [ids[i], tag] as const));
  await db.query(sql`insert into contact_tags (workspace_id, contact_id, tag, created_at)
    select ${ws}, c, tg, ${w.now} from unnest(${tags.map((x) => x[0])}::bigint[], ${tags.map((x) => x[1])}::text[]) u(c, tg)`);
  const eng = w.contacts.flatMap((c: Contact, i: number) => (c.engagement ? [{ contact_id: ids[i], ...c.engagement }] : []));
  await db.query(sql`insert into contact_engagement (workspace_id, contact_id, level, previous_level, changed_at)
    select ${ws}, contact_id, level, previous_level, ${w.now} from jsonb_to_recordset(${JSON.stringify(eng)}::jsonb) as x(contact_id bigint, level text, previous_level text)`);
  const events = buildEvents(w, ids);
  await appendEvents(db, w.now, events.map((e) => ({ workspaceId: ws, contactId: e.contact_id, type: e.type, data: e.data, occurredAt: e.occurred_at })));
  const ref: RefContact[] = w.contacts.map((c: Contact, i: number) => ({
    id: ids[i],
    email: rows[i].email,
    first_name: c.first_name,
    birthday: c.birthday,
    created_at: new Date(rows[i].created_at),
    fields: rows[i].fields,
    email_status: c.email_status,
    sms_status: c.sms_status,
    lists: c.lists.map((l) => lists[l]),
    tags: c.tags,
    engagement: c.engagement,
  }));
  return { ws, lists, ids, ref, events };
}

let deliveryId = 1;
function buildEvents(w: World, ids: number[]): RefEvent[] {
  const at = (hours: number) => new Date(w.now.getTime() - hours * HOUR);
  return w.contacts.flatMap((c: Contact, i: number) => {
    const out: RefEvent[] = [];
    const ev = (type: string, data: unknown, when: Date) => out.push({ contact_id: ids[i], type, data, occurred_at: when });
    for (const d of c.deliveries) {
      const data = {
        delivery_id: deliveryId++,
        message_id: d.campaign ? 5 : 6,
        channel: d.channel,
        ...(d.campaign ? { campaign_id: d.campaign } : {}),
        ...(d.journey ? { journey_id: d.journey.id, step_id: d.journey.step } : {}),
        ...(d.transactional ? { transactional: true } : {}),
      };
      ev('message.sent', data, at(d.sent));
      if (d.bounced) ev('message.bounced', { ...data, bounce_type: 'hard' }, at(d.sent - 1));
      if (d.opened !== undefined) ev('message.opened', data, at(d.sent - d.opened));
      if (d.clicked) ev('message.clicked', { ...data, url: d.clicked.url }, at(d.sent - d.clicked.after));
    }
    for (const p of c.purchases) ev('purchase', { order_id: `o${deliveryId++}`, total: p.total, currency: 'EUR', items: p.items }, at(p.at));
    for (const e of c.customs) ev(e.type, { ...e.props, ...(e.nested ? { plan: { tier: e.nested } } : {}) }, at(e.at));
    return out;
  });
}

const withLists = (n: any, lists: number[]): any =>
  'all' in n ? { all: n.all.map((x: any) => withLists(x, lists)) } : 'any' in n ? { any: n.any.map((x: any) => withLists(x, lists)) } : n.type === 'list' ? { ...n, list_ids: n.list_ids.map((s: number) => lists[s]) } : n;

function compareExplained(node: ExplainedNode, crit: Criteria, c: RefContact, w: RefWorld, at = 'criteria') {
  if ('all' in crit || 'any' in crit) {
    const kids = 'all' in crit ? crit.all : crit.any;
    const got = (node as any).all ?? (node as any).any;
    kids.forEach((k, i) => compareExplained(got[i], k, c, w, `${at}[${i}]`));
  } else expect(node.result, `${at} ${JSON.stringify(crit)}`).toBe(refCondition(c, crit, w));
  expect(node.result, at).toBe(refEvaluate(c, crit, w));
}

describe('segments oracle: SQL equals the reference evaluator', () => {
  it('on random contacts, events and criteria trees (counts, batch evaluation, explain)', async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.array(tree, { minLength: 4, maxLength: 4 }), fc.nat(), async (w, trees, pick) => {
        const { ws, lists, ids, ref, events } = await insertWorld(w);
        const fieldTypes = new Map(Object.entries(FIELD_TYPES));
        const env: CriteriaEnv = { workspaceId: ws, now: w.now, timezone: w.timezone, fields: fieldTypes };
        const rw: RefWorld = { contacts: ref, events, now: w.now, timezone: w.timezone, fieldTypes: FIELD_TYPES };
        for (const raw of trees) {
          const criteria = parseCriteria(withLists(raw, lists), fieldTypes);
          const expected = ref.filter((c) => refEvaluate(c, criteria, rw)).map((c) => c.id);
          const got = [...(await evaluateFor(t.db, criteria, ids, env))].sort((a, b) => a - b);
          expect(got, JSON.stringify(criteria)).toEqual(expected);
          expect(await countSegment(t.db, criteria, env)).toBe(expected.length);
          const c = ref[pick % ref.length];
          const explained = await explainContact(t.db, criteria, c.id, env);
          compareExplained(explained.criteria, criteria, c, rw);
        }
      }),
      { numRuns: 50, seed: process.env.ORACLE_SEED ? Number(process.env.ORACLE_SEED) : undefined },
    );
  });

  it('a number field holding another JSON type counts as empty, for every comparison (S-1)', async () => {
    const scores: unknown[] = [3, '7', [3], null, undefined, 12, 2.5];
    const base = fc.sample(contact, { numRuns: scores.length, seed: 7 });
    const w = { now: NOWS[0], timezone: 'UTC', contacts: base.map((c, i) => ({ ...c, score: scores[i] })) } as World;
    const { ws, ids, ref, events } = await insertWorld(w);
    const fieldTypes = new Map(Object.entries(FIELD_TYPES));
    const env: CriteriaEnv = { workspaceId: ws, now: w.now, timezone: w.timezone, fields: fieldTypes };
    const rw: RefWorld = { contacts: ref, events, now: w.now, timezone: w.timezone, fieldTypes: FIELD_TYPES };
    const leaves = [
      ...['eq', 'neq', 'lt', 'gt', 'is_empty', 'is_not_empty'].flatMap((op) => [3, 7, 10].map((value) => ({ type: 'field', field: 'score', op, value }))),
      { type: 'field', field: 'score', op: 'between', value: 0, to: 12 },
    ];
    for (const leaf of leaves) {
      const criteria = parseCriteria(leaf, fieldTypes);
      const expected = ref.filter((c) => refEvaluate(c, criteria, rw)).map((c) => c.id);
      expect([...(await evaluateFor(t.db, criteria, ids, env))].sort((a, b) => a - b), JSON.stringify(leaf)).toEqual(expected);
      expect(await countSegment(t.db, criteria, env), JSON.stringify(leaf)).toBe(expected.length);
    }
  });

  it('engagement recomputation equals S-3 by the book, and keeps previous levels', async () => {
    // more mail per contact, mostly marketing email, and thresholds that land exactly on ratios
    const sometimes = <T,>(arb: fc.Arbitrary<T>, inTen: number) => fc.tuple(fc.integer({ min: 1, max: 10 }), arb).map(([n, v]) => (n <= inTen ? v : undefined));
    const mail = fc.record({
      campaign: fc.constant(1),
      journey: fc.constant(undefined),
      channel: fc.constantFrom('email', 'email', 'email', 'email', 'sms'),
      transactional: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
      sent: fc.oneof(fc.integer({ min: 0, max: 24 * 100 }), fc.constantFrom(23, 24, 25, 719, 720, 2159, 2160)),
      opened: sometimes(fc.integer({ min: 0, max: 48 }), 4),
      clicked: sometimes(fc.record({ after: fc.integer({ min: 0, max: 48 }), url: fc.constant('https://a.example/') }), 1),
      bounced: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    });
    const mailer = fc.tuple(contact, fc.array(mail, { maxLength: 12 })).map(([c, deliveries]) => ({ ...c, deliveries }));
    const settings = fc.record({ window_days: fc.constantFrom(30, 90), min_emails: fc.integer({ min: 1, max: 4 }), most_open_rate: fc.constantFrom(0.5, 0.6), somewhat_open_rate: fc.constantFrom(0.2, 0.25, 0.4) });
    const mailWorld = fc.record({ now: fc.constantFrom(...NOWS), timezone: fc.constant('UTC'), contacts: fc.array(mailer, { minLength: 1, maxLength: 6 }) });
    await fc.assert(
      fc.asyncProperty(mailWorld, settings, async (w, s) => {
        const { ws, ref, events } = await insertWorld(w);
        await t.db.tx((tx) => recomputeEngagement(tx, ws, w.now, s));
        const { rows } = await t.db.query<{ contact_id: number; level: string; previous_level: string | null }>(sql`
          select contact_id, level, previous_level from contact_engagement where workspace_id = ${ws}`);
        const got = new Map(rows.map((r) => [r.contact_id, r]));
        for (const c of ref) {
          const level = refLevel(c.id, events, w.now, { window_days: s.window_days, min_emails: s.min_emails, most: s.most_open_rate, somewhat: s.somewhat_open_rate });
          const before = c.engagement;
          const row = got.get(c.id);
          expect(row?.level ?? 'everyone_else', `contact ${c.id}`).toBe(level);
          if (level !== (before?.level ?? 'everyone_else')) expect(row?.previous_level).toBe(before?.level ?? 'everyone_else');
          else expect(row ?? null).toEqual(before ? { contact_id: c.id, ...before } : null);
        }
      }),
      { numRuns: 60 },
    );
  });
});
