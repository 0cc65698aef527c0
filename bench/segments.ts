// Segment counts and engagement recomputation at scale (issue 4 goals: each count ≤ 250 ms,
// engagement for 1M contacts ≤ 30 s on PostgreSQL).
// node --import tsx bench/segments.ts [--db postgres|pglite] [--contacts 1000000] [--events 10000000] [--runs 5]
// Prints the load average too: on a shared machine, figures move with it.
import os from 'node:os';
import { SystemClock } from '../src/clock.ts';
import { migrate, sql, type Db } from '../src/db/index.ts';
import { createWorkspace } from '../src/accounts/index.ts';
import { syncFieldIndexes } from '../src/contacts/index.ts';
import { countSegment, parseCriteria, recomputeEngagement, ENGAGEMENT_DEFAULTS, type Criteria, type CriteriaEnv } from '../src/segments/index.ts';
import { arg, benchDb, machine, rssSampler } from './setup.ts';

const nContacts = Number(arg('contacts', '1000000'));
const nEvents = Number(arg('events', '10000000'));
const runs = Number(arg('runs', '5'));
const CAMPAIGNS = 12; // one every 10 days over 120 days

const { db, label, drop } = await benchDb(arg('db', 'pglite'));
const clock = new SystemClock();
const now = clock.now();
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  console.log(`  ${what}: ${secs(t0)} s`);
  return r;
}

/**
 * Everything set-based with generate_series. Each campaign goes to a random ~70 % of contacts;
 * of what is sent, ~2 % bounces, ~35 % is opened and ~8 % clicked: sent rows are
 * sized so the four kinds add up to about --events.
 */
async function fill(db: Db, ws: number) {
  await db.query(sql`insert into custom_fields (workspace_id, key, label, type, created_at)
    values (${ws}, 'plan', 'Plan', 'text', ${now}), (${ws}, 'score', 'Score', 'number', ${now}), (${ws}, 'renewal', 'Renewal', 'date', ${now})`);
  await db.query(sql`insert into lists (workspace_id, name, created_at) select ${ws}, 'List ' || g, ${now} from generate_series(1, 5) g`);
  await timed(`${nContacts.toLocaleString()} contacts`, () => db.query(sql`
    insert into contacts (workspace_id, key, email, first_name, fields, email_status, created_at, updated_at)
    select ${ws}, 'c' || g || '@example.com', 'c' || g || '@example.com', (array['Marie','Jean','Ann','Luc'])[1 + g % 4],
           jsonb_build_object('plan', (array['free','pro','team'])[1 + g % 3], 'score', g % 100,
                              'renewal', to_char(date '2026-01-01' + (g % 365), 'YYYY-MM-DD')),
           case when g % 50 = 0 then 'unsubscribed' else 'subscribed' end,
           ${now}::timestamptz - (g % 700) * interval '1 day', ${now}
      from generate_series(1, ${nContacts}) g`));
  const { rows } = await db.query<{ lo: number }>(sql`select min(id)::bigint as lo from contacts where workspace_id = ${ws}`);
  const lo = rows[0].lo;
  const lists = (await db.query<{ id: number }>(sql`select id from lists where workspace_id = ${ws} order by id`)).rows.map((r) => r.id);
  await timed('list memberships', () => db.query(sql`
    insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
    select ${ws}, l.id, c.id, ${now}, 'import' from contacts c
      join unnest(${lists}::bigint[]) with ordinality l(id, k) on (c.id * 7 + l.k * 13) % (l.k + 1) = 0
     where c.workspace_id = ${ws}`));
  await timed('tags', () => db.query(sql`
    insert into contact_tags (workspace_id, contact_id, tag, created_at)
    select ${ws}, id, (array['vip','new','churn-risk'])[1 + id % 3], ${now} from contacts where workspace_id = ${ws} and id % 4 = 0`));
  const sentPerCampaign = Math.round(nEvents / 1.45 / CAMPAIGNS);
  await timed(`${nEvents.toLocaleString()} message events (approx.)`, async () => {
    await db.query(`set maintenance_work_mem = '512MB'`).catch(() => {});
    for (let k = 1; k <= CAMPAIGNS; k++) {
      // one statement per campaign: sent, then the outcomes derived from a per-delivery draw
      await db.query(sql`
        with sent as (
          select ${lo}::bigint + ((g::bigint * 7919 + ${k * 104729}) % ${nContacts}) as contact_id, ${k * 10_000_000}::bigint + g as delivery_id,
                 ${now}::timestamptz - ${(CAMPAIGNS - k) * 10 + 2} * interval '1 day' + (g % 3600) * interval '1 second' as at, random() as r
            from generate_series(1, ${Math.min(sentPerCampaign, nContacts)}) g)
        insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
        select ${ws}, s.contact_id, x.type, jsonb_build_object('delivery_id', s.delivery_id, 'message_id', ${k}::int, 'campaign_id', ${k}::int, 'channel', 'email')
                 || case when x.type = 'message.clicked' then jsonb_build_object('url', 'https://shop.example/') else '{}' end,
               s.at + x.after, ${now}
          from sent s
          cross join lateral (values ('message.sent', interval '0', true),
                                     ('message.bounced', interval '1 minute', s.r < 0.02),
                                     ('message.opened', interval '2 hours', s.r >= 0.02 and s.r < 0.37),
                                     ('message.clicked', interval '3 hours', s.r >= 0.02 and s.r < 0.10)) x(type, after, keep)
         where x.keep`);
    }
  });
  // the index a number field gets from the job its creation queues (contacts/field-index.ts)
  await timed('number field index (score)', () => syncFieldIndexes(db, ws));
  // what autovacuum does in production: statistics, and the visibility map index-only scans need
  await timed('vacuum analyze', () => db.query('vacuum analyze contacts, list_members, contact_tags, events'));
}

console.log(`bench/segments  ${label}  ${machine()}  load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const rss = rssSampler();
await timed('migrate', () => migrate(db));
const ws = (await createWorkspace(db, clock, 'bench')).id;
await fill(db, ws);
const total = (await db.query<{ n: number }>(sql`select count(*)::int as n from events where workspace_id = ${ws}`)).rows[0].n;
console.log(`  events stored: ${total.toLocaleString()}`);

const env: CriteriaEnv = { workspaceId: ws, now, timezone: 'UTC', fields: new Map([['plan', 'text'], ['score', 'number'], ['renewal', 'date']]) };
const firstList = (await db.query<{ id: number }>(sql`select min(id)::bigint as id from lists where workspace_id = ${ws}`)).rows[0].id;

console.log('engagement recomputation (whole workspace, set-based), as the daily job runs it:');
// first: every contact gets a level (the worst case: ~1M rows and history rows written);
// then a later run, which writes only the contacts whose level changed
for (const [round, at] of [['first run (every level written)', now], ['ten days later (changes only: a campaign left the window)', new Date(now.getTime() + 10 * 86_400_000)]] as const) {
  const t0 = performance.now();
  const r = await db.tx(async (tx) => {
    if (db.kind === 'postgres') await tx.query(`set local work_mem = '256MB'`); // as engagementJob does
    return recomputeEngagement(tx, ws, at, ENGAGEMENT_DEFAULTS);
  });
  console.log(`  ${round}: ${secs(t0)} s, ${r.changed.toLocaleString()} contacts changed ${JSON.stringify(r.changed_to)}`);
}
await db.query('vacuum analyze contact_engagement');
const jit = db.kind === 'postgres' ? (await db.query<{ jit: string }>('show jit')).rows[0].jit : 'n/a';

const segments: [string, unknown][] = [
  ['field test: score > 90 and plan is "pro"', { all: [{ type: 'field', field: 'score', op: 'gt', value: 90 }, { type: 'field', field: 'plan', op: 'is', value: 'pro' }] }],
  ['a list', { all: [{ type: 'list', op: 'in', list_ids: [firstList] }] }],
  ['engagement level is Most engaged', { all: [{ type: 'engagement', op: 'is', level: 'most' }] }],
  [`opened campaign ${CAMPAIGNS} in the last 30 days`, { all: [{ type: 'email_activity', op: 'opened', campaign_id: CAMPAIGNS, within_days: 30 }] }],
  ['nested OR of three (tag, list and score, least engaged)', {
    any: [
      { type: 'tag', op: 'has', tag: 'vip' },
      { all: [{ type: 'list', op: 'in', list_ids: [firstList + 1] }, { type: 'field', field: 'score', op: 'lt', value: 5 }] },
      { type: 'engagement', op: 'is', level: 'least' },
    ],
  }],
];
console.log(`segment counts over ${nContacts.toLocaleString()} contacts, median of ${runs} (as the API counts: countSegment on the database; server jit=${jit}):`);
const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
for (const [name, raw] of segments) {
  const criteria: Criteria = parseCriteria(raw, env.fields);
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    n = await countSegment(db, criteria, env);
    times.push(performance.now() - t0);
  }
  console.log(`  ${name}: ${n.toLocaleString()} contacts, ${median(times)} ms (runs: ${times.map(Math.round).join(', ')})`);
}
console.log(`  peak RSS ${rss()} MB (this process); load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
await drop();
