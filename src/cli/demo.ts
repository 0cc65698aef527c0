import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { createApp } from '../app.ts';
import { SystemClock } from '../clock.ts';
import { sql, type Db } from '../db/index.ts';
import { addMember, createApiKey, createWorkspace, findUserByEmail } from '../accounts/index.ts';
import { ensureFirstWorkspace } from '../bootstrap.ts';
import { contactSlices } from '../contacts/index.ts';
import { createMessage } from '../messages/index.ts';
import { createSegment, engagementSettings, recomputeWorkspace } from '../segments/index.ts';
import { createFromTemplate } from '../journeys/templates.ts';
import { transition } from '../journeys/index.ts';

const FIRST = ['Marie', 'Jean', 'Camille', 'Lucas', 'Léa', 'Hugo', 'Chloé', 'Louis', 'Emma', 'Gabriel', 'Sarah', 'Nathan', 'Julie', 'Thomas', 'Manon', 'Olivier', 'Sophie', 'Antoine', 'Inès', 'Paul', 'Alice', 'Martin', 'Zoé', 'Arthur', 'Laura', 'Mia', 'Noah', 'Liam', 'Olivia', 'Ethan'];
const LAST = ['Martin', 'Bernard', 'Tremblay', 'Gagnon', 'Roy', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent', 'Lefebvre', 'Michel', 'Garcia', 'Côté', 'Bouchard', 'Smith', 'Johnson', 'Brown', 'Lopez', 'Morin', 'Fournier', 'Girard', 'Bonnet', 'Lambert', 'Fontaine'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'courriel.example', 'shop.example'];

/**
 * `parcours demo`: a workspace with realistic contacts, fields, lists, tags, messages, segments,
 * a journey, and months of simulated engagement (sends, opens, clicks, purchases), all set-based.
 */
export async function runDemo(db: Db, contacts: number, log: (s: string) => void) {
  const clock = new SystemClock();
  const app = await createApp({ config: loadConfig({ ...process.env, LOG_LEVEL: 'warn' }), db, clock });
  const ctx = app.ctx;
  const now = clock.now();
  // the operator's login sees the demo: the first owner (created now on an empty database) joins it
  const first = await ensureFirstWorkspace(db, clock);
  if (first.created) log(`first start: log in as ${first.email} with password ${first.password}`);
  const ws = await createWorkspace(db, clock, `Demo (${contacts.toLocaleString('en')} contacts)`);
  const w = ws.id;
  const owner = await findUserByEmail(db, first.email);
  if (owner) await addMember(db, clock, w, owner, 'owner');
  const bar = new cliProgress.SingleBar({ format: 'demo [{bar}] {percentage}% | {stage}', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(100, 0, { stage: 'contacts' });
  await db.query(sql`insert into custom_fields (workspace_id, key, label, type, created_at) values
    (${w}, 'plan', 'Plan', 'text', ${now}), (${w}, 'lifetime_value', 'Lifetime value', 'number', ${now}), (${w}, 'signup_date', 'Signup date', 'date', ${now})`);
  await db.query(sql`insert into sender_identities (workspace_id, from_name, from_email, reply_to, created_at) values (${w}, 'Maison Demo', 'news@maison.example', 'hello@maison.example', ${now})`);
  const lists = await db.query<{ id: number; name: string }>(sql`
    insert into lists (workspace_id, name, description, created_at) values
      (${w}, 'Newsletter', 'Monthly news', ${now}), (${w}, 'Promotions', 'Offers and sales', ${now}), (${w}, 'VIP', 'Best customers', ${now})
    returning id, name`);
  const [news, promo, vip] = lists.rows.map((l) => l.id);
  // the embedded database runs one statement at a time: small ones, so the app beside it answers (O-1)
  const chunk = db.kind === 'postgres' ? 200_000 : 1_000;
  for (let from = 1; from <= contacts; from += chunk) {
    const to = Math.min(contacts, from + chunk - 1);
    // memberships and tags in the statement that creates their contacts: no one else sees those
    // before it commits, so nothing needs locking (the lists are locked as joinLists would)
    await db.query(sql`
      with l as (select id from lists where workspace_id = ${w} order by id for key share),
      c as (
      insert into contacts (workspace_id, key, email, first_name, last_name, language, timezone, birthday, fields, phone, sms_status, created_at, updated_at)
      select ${w}::bigint, e, e, f, l, (array['fr','en','fr','es','de'])[1 + g % 5], (array['Europe/Paris','America/Montreal','America/New_York','Europe/Madrid'])[1 + g % 4],
             date '1960-01-01' + (g * 37 % 15000), jsonb_build_object('plan', (array['free','basic','pro','gold'])[1 + g % 4], 'lifetime_value', (g * 13 % 2000)::numeric / 2, 'signup_date', (date '2020-01-01' + g % 2000)::text),
             case when g % 7 = 0 then '+3361' || lpad((g % 10000000)::text, 7, '0') end, case when g % 7 = 0 then 'opted_in' else 'none' end,
             ${now}::timestamptz - (g % 900) * interval '1 day', ${now}
        from (select g, lower((${FIRST}::text[])[1 + g % ${FIRST.length}]) || '.' || lower((${LAST}::text[])[1 + (g / 7) % ${LAST.length}]) || g || '@' || (${DOMAINS}::text[])[1 + g % ${DOMAINS.length}] as e,
                     (${FIRST}::text[])[1 + g % ${FIRST.length}] as f, (${LAST}::text[])[1 + (g / 7) % ${LAST.length}] as l
                from generate_series(${from}::int, ${to}::int) g) s
      returning id, created_at),
      m as (
        insert into list_members (workspace_id, list_id, contact_id, joined_at, source)
        select ${w}::bigint, v.list_id, c.id, c.created_at, v.source
          from c cross join lateral (values (${news}::bigint, 'import', c.id % 5 <> 0), (${promo}::bigint, 'form', c.id % 5 in (1, 2)),
                                            (${vip}::bigint, 'manual', c.id % 20 = 0)) v(list_id, source, member)
         where v.member and v.list_id in (select id from l)),
      t as (
        insert into contact_tags (workspace_id, contact_id, tag, created_at)
        select ${w}::bigint, c.id, v.t, ${now}
          from c cross join lateral (values (case when c.id % 3 = 0 then 'customer' end), (case when c.id % 11 = 0 then 'wholesale' end)) v(t)
         where v.t is not null)
      select count(*) from c`);
    bar.update(Math.round((to / contacts) * 30), { stage: `contacts, lists and tags ${to.toLocaleString('en')}` });
  }
  bar.update(40, { stage: 'messages and engagement' });
  const messages: number[] = [];
  for (const [i, subject] of ['Spring collection', 'Summer sale', 'Back to school', 'Autumn news', 'Black Friday', 'Holiday gifts'].entries())
    messages.push((await createMessage(db, clock, w, { name: subject, channel: 'email', content: { subject: `${subject}, {{ contact.first_name }}`, body: `<h1>${subject}</h1><p>Hello {{ contact.first_name | default: "friend" }},</p><p><a href="https://maison.example/${i}">Shop now</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>` } })).id);
  // six monthly newsletters: sent to subscribers; opens and clicks follow a stable per-contact propensity
  for (const [k, m] of messages.entries()) {
    const sentAt = new Date(now.getTime() - (6 - k) * 28 * 86_400_000);
    for await (const { from, to } of contactSlices(db, w)) {
      await db.query(sql`
        with r as (select id, (id * 2654435761 % 1000) as p from contacts where workspace_id = ${w} and id % 5 <> 0 and id between ${from} and ${to})
        insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
        select ${w}::bigint, id, t, jsonb_build_object('message_id', ${m}::bigint, 'channel', 'email', 'delivery_id', ${m}::bigint * 1000000000 + id) || case when t = 'message.clicked' then jsonb_build_object('url', 'https://maison.example/' || ${k}::int) else '{}' end,
               ${sentAt}::timestamptz + case t when 'message.sent' then interval '0' else (id % 48) * interval '1 hour' end, ${now}
          from r, lateral (values ('message.sent'), (case when p < 400 + ${k * 20} then 'message.opened' end), (case when p < 80 then 'message.clicked' end)) v(t)
         where t is not null`);
    }
    bar.update(40 + (k + 1) * 7, { stage: `engagement: newsletter ${k + 1} of 6` });
  }
  for await (const { from, to } of contactSlices(db, w)) {
    await db.query(sql`
      insert into events (workspace_id, contact_id, type, data, occurred_at, created_at)
      select ${w}::bigint, id, 'purchase', jsonb_build_object('order_id', 'D' || id || '-' || n, 'total', 20 + (id * n % 180), 'currency', 'EUR',
             'items', jsonb_build_array(jsonb_build_object('product_id', 'P' || (id % 40), 'sku', 'SKU-' || (id % 40), 'name', 'Product ' || (id % 40), 'quantity', 1, 'price', 20 + (id * n % 180)))),
             ${now}::timestamptz - ((id * n) % 170) * interval '1 day', ${now}
        from contacts, generate_series(1, 3) n where workspace_id = ${w} and id % 3 = 0 and (id + n) % 2 = 0 and id between ${from} and ${to}`);
  }
  // statistics before the first plans over these rows (autovacuum would be late; PGlite has none):
  // one table per statement, so that the embedded database serves others in between, and there
  // from a sample of 3,000 rows as its own maintenance does (30,000 held it 0.4–0.5 s: issue 15)
  for (const table of ['contacts', 'list_members', 'contact_tags', 'events']) {
    if (db.kind === 'postgres') await db.query(`analyze ${table}`);
    else await db.tx(async (tx) => tx.query(`set local default_statistics_target = 10; analyze ${table}`));
  }
  bar.update(88, { stage: 'engagement levels' });
  await recomputeWorkspace(db, w, now, engagementSettings({}));
  bar.update(94, { stage: 'segments and journey' });
  await createSegment(ctx, w, { name: 'Gold plan on the newsletter', criteria: { all: [{ type: 'list', op: 'in', list_ids: [news] }, { type: 'field', field: 'plan', op: 'is', value: 'gold' }] } });
  await createSegment(ctx, w, { name: 'Bought in the last 30 days', criteria: { all: [{ type: 'purchase', op: 'has_purchased', within_days: 30 }] } });
  await createSegment(ctx, w, { name: 'Clicked, never bought', criteria: { all: [{ type: 'email_activity', op: 'clicked', within_days: 180 }, { type: 'event', op: 'did_not', event: 'purchase' }] } });
  const j = await createFromTemplate(ctx, w, 'welcome_series', { list_id: news });
  await transition(ctx, w, j.id, 'activate');
  await createFromTemplate(ctx, w, 'abandoned_cart', {});
  const key = await createApiKey(db, clock, w, 'demo', 'owner');
  bar.update(100, { stage: 'done' });
  bar.stop();
  await app.close();
  log(`demo workspace ${w} ready: ${contacts.toLocaleString('en')} contacts; API key ${key.key}`);
  return { workspaceId: w, apiKey: key.key };
}

export function registerDemoCommand(program: Command, openDb: () => Promise<Db>) {
  program.command('demo').description('fill a new workspace with realistic contacts, lists, segments, messages, a journey and months of engagement')
    .option('--contacts <n>', 'how many contacts', '10000')
    .action(async (o: { contacts: string }) => {
      const n = Number(o.contacts);
      if (!Number.isInteger(n) || n < 1 || n > 50_000_000) throw new Error('--contacts: a whole number from 1 to 50,000,000');
      const db = await openDb();
      const started = performance.now();
      await runDemo(db, n, console.log);
      console.log(`in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await db.close();
    });
}
