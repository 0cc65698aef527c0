import { sql, type Queryable } from '../db/index.ts';
import { holdoutComparison } from './holdout.ts';
import type { Campaign } from './store.ts';

const ENGAGEMENT = ['message.opened', 'message.clicked', 'message.unsubscribed', 'message.complained'];

function counters() {
  return {
    queued: 0, sending: 0, paused: 0, sent: 0, delivered: 0, bounced: 0, suppressed: 0, expired: 0, failed: 0, in_doubt: 0, cancelled: 0, skipped: 0,
    opened: 0, opened_total: 0, clicked: 0, clicked_total: 0, unsubscribed: 0, complained: 0,
  };
}
type Counters = ReturnType<typeof counters>;

const rates = (c: Counters) => {
  const of = (x: number, y: number) => (y > 0 ? x / y : null);
  return { open_rate: of(c.opened, c.delivered), click_rate: of(c.clicked, c.delivered), click_to_open_rate: of(c.clicked, c.opened), bounce_rate: of(c.bounced, c.sent), unsubscribe_rate: of(c.unsubscribed, c.delivered) };
};

/** A delivery status into the counters: a bounced message was sent first (K-8). */
function addStatus(c: Counters, status: string, n: number) {
  if (status === 'bounced') c.sent += n;
  if (status in c) (c as Record<string, number>)[status] += n;
}

function addEvent(c: Counters, type: string, total: number, contacts: number) {
  const kind = type.slice('message.'.length);
  if (kind === 'opened' || kind === 'clicked') {
    c[kind] = contacts;
    c[`${kind}_total`] = total;
  } else if (kind === 'unsubscribed' || kind === 'complained') c[kind] = contacts;
}

/**
 * Results (K-8): statuses and engagement in total, per variant and per language version, links,
 * per hour and per day in the workspace's zone, and the hold-out comparison. Unique counts
 * come from one grouping-sets query, so each level counts a contact once.
 */
export async function campaignReport(q: Queryable, ws: number, c: Campaign, opts: { event: string; days: number; now: Date }) {
  const cid = c.id;
  const tz = (await q.query<{ timezone: string }>(sql`select timezone from workspaces where id = ${ws}`)).rows[0].timezone;
  const lang = sql`coalesce(d.language, 'default')`;
  const delivery = sql`case when e.data ->> 'delivery_id' ~ '^[0-9]{1,18}$' then (e.data ->> 'delivery_id')::bigint end`;
  const [statuses, events, links, sentHours, eventHours] = await Promise.all([
    q.query<{ status: string; variant: string | null; lang: string | null; gv: number; gl: number; n: number }>(sql`
      select d.status, d.variant, ${lang} as lang, grouping(d.variant)::int as gv, grouping(${lang})::int as gl, count(*)::int as n
        from deliveries d where d.workspace_id = ${ws} and d.campaign_id = ${cid} and d.source = 'campaign'
       group by grouping sets ((d.status), (d.status, d.variant), (d.status, ${lang}))`),
    q.query<{ type: string; variant: string | null; lang: string | null; gv: number; gl: number; total: number; contacts: number }>(sql`
      select e.type, d.variant, ${lang} as lang, grouping(d.variant)::int as gv, grouping(${lang})::int as gl,
             count(*)::int as total, count(distinct e.contact_id)::int as contacts
        from events e left join deliveries d on d.workspace_id = e.workspace_id and d.id = ${delivery}
       where e.workspace_id = ${ws} and e.campaign_id = ${String(cid)} and e.type = any(${ENGAGEMENT}::text[])
       group by grouping sets ((e.type), (e.type, d.variant), (e.type, ${lang}))`),
    q.query<{ url: string; clicks: number; contacts: number }>(sql`
      select e.data ->> 'url' as url, count(*)::int as clicks, count(distinct e.contact_id)::int as contacts
        from events e
       where e.workspace_id = ${ws} and e.campaign_id = ${String(cid)} and e.type = 'message.clicked'
       group by 1 order by 2 desc, 1 limit 200`),
    q.query<{ hour: string; n: number }>(sql`
      select to_char(date_trunc('hour', d.sent_at at time zone ${tz}::text), 'YYYY-MM-DD"T"HH24:00') as hour, count(*)::int as n
        from deliveries d where d.workspace_id = ${ws} and d.campaign_id = ${cid} and d.source = 'campaign' and d.status in ('sent', 'bounced') and d.sent_at is not null
       group by 1`),
    q.query<{ hour: string; type: string; n: number }>(sql`
      select to_char(date_trunc('hour', e.occurred_at at time zone ${tz}::text), 'YYYY-MM-DD"T"HH24:00') as hour, e.type, count(*)::int as n
        from events e
       where e.workspace_id = ${ws} and e.campaign_id = ${String(cid)} and e.type in ('message.opened', 'message.clicked')
       group by 1, 2`),
  ]);
  const totals = counters();
  const variants: Record<string, Counters> = {};
  const languages: Record<string, Counters> = {};
  const at = (r: { variant: string | null; lang: string | null; gv: number; gl: number }) =>
    r.gv === 0 ? (variants[r.variant ?? 'none'] ??= counters()) : r.gl === 0 ? (languages[r.lang ?? 'default'] ??= counters()) : totals;
  for (const r of statuses.rows) addStatus(at(r), r.status, r.n);
  for (const r of events.rows) addEvent(at(r), r.type, r.total, r.contacts);
  for (const x of [totals, ...Object.values(variants), ...Object.values(languages)]) x.delivered = Math.max(0, x.sent - x.bounced);

  const main = c.stats?.main ?? {};
  const hourly = timeline(sentHours.rows, eventHours.rows);
  return {
    campaign: { id: c.id, name: c.name, status: c.status, started_at: c.started_at, finished_at: c.finished_at, timezone: tz },
    totals: {
      ...totals,
      suppressed: totals.suppressed + (main.suppressed ?? 0),
      suppressed_at_send: totals.suppressed,
      suppressed_at_fanout: main.suppressed ?? 0,
      no_address: main.no_address ?? 0,
      duplicates_collapsed: main.collapsed ?? 0,
      control_group: main.control ?? 0,
    },
    rates: rates(totals),
    links: links.rows,
    variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, { ...v, ...rates(v) }])),
    ab_test: c.ab_state,
    languages: Object.fromEntries(Object.entries(languages).map(([k, v]) => [k, { ...v, ...rates(v) }])),
    hourly,
    daily: byDay(hourly),
    holdout: c.control_group_percent > 0 ? await holdoutComparison(q, ws, cid, c.started_at, opts.event, opts.days, opts.now) : null,
  };
}

type Point = { sent: number; opened: number; clicked: number };

function timeline(sent: { hour: string; n: number }[], events: { hour: string; type: string; n: number }[]) {
  const map = new Map<string, Point>();
  const at = (h: string) => map.get(h) ?? map.set(h, { sent: 0, opened: 0, clicked: 0 }).get(h)!;
  for (const r of sent) at(r.hour).sent += r.n;
  for (const r of events) at(r.hour)[r.type === 'message.opened' ? 'opened' : 'clicked'] += r.n;
  return [...map].sort(([a], [b]) => a.localeCompare(b)).map(([hour, p]) => ({ hour, ...p }));
}

function byDay(hourly: ({ hour: string } & Point)[]) {
  const days = new Map<string, Point>();
  for (const h of hourly) {
    const d = days.get(h.hour.slice(0, 10)) ?? { sent: 0, opened: 0, clicked: 0 };
    d.sent += h.sent;
    d.opened += h.opened;
    d.clicked += h.clicked;
    days.set(h.hour.slice(0, 10), d);
  }
  return [...days].map(([day, p]) => ({ day, ...p }));
}
