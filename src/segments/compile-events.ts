import { sql, type Sql } from '../db/index.ts';
import type { ConditionOf } from './schema.ts';
import { compare, eventSet, type Comparison, type Compiled, type CriteriaEnv } from './compile.ts';

/**
 * Conditions over the events log: message activity (the delivery layer's message.* events),
 * ecommerce (purchase events) and custom events, each as a set of contacts. Events after
 * `now` never count, so a predicate evaluated at a given time gives the same answer later.
 */
export type EventCondition = ConditionOf<'email_activity' | 'purchase' | 'total_spent' | 'order_count' | 'last_order_date' | 'event'>;

const EVENTS = sql`events e`;
const CONTACT = sql`e.contact_id`;

export function compileEventCondition(c: EventCondition, env: CriteriaEnv): Compiled {
  const ws = env.workspaceId;
  switch (c.type) {
    case 'email_activity':
      return activity(c, env);
    case 'purchase': {
      const product = c.product ? sql`and ${productMatch(c.product)}` : sql``;
      return eventSet(EVENTS, CONTACT, sql`e.workspace_id = ${ws} and e.type = 'purchase' ${window('e', env, c.within_days)} ${product}`, c.op === 'has_not_purchased');
    }
    case 'total_spent':
    case 'order_count':
    case 'last_order_date':
      return ecommerce(c, env);
    case 'event':
      return customEvent(c, env);
  }
}

/** Never after now; with `days`, not before now minus that many 24-hour days. */
function window(alias: string, env: CriteriaEnv, days?: number): Sql {
  const at = sql.raw(`${alias}.occurred_at`);
  const since = days === undefined ? sql`` : sql`and ${at} >= ${new Date(env.now.getTime() - days * 86_400_000)}::timestamptz`;
  return sql`and ${at} <= ${env.now}::timestamptz ${since}`;
}

const only = (env: CriteriaEnv) => (env.only ? sql`and e.contact_id = any(${env.only}::bigint[])` : sql``);

/**
 * Contacts whose per-contact aggregate over the matching events passes `having`, as a set
 * (a semi- or anti-join against one grouped scan, never one sub-query per contact).
 */
function grouped(env: CriteriaEnv, where: Sql, having: Sql, negated: boolean): Compiled {
  const from = sql`(select e.contact_id from events e where ${where} ${only(env)} group by e.contact_id having ${having}) g`;
  return eventSet(from, sql`g.contact_id`, sql`true`, negated);
}

/** How a comparison treats the value of a contact with no orders (0, or no date). */
export function emptyPasses(c: Comparison, empty: number | null): boolean {
  const v = c.value as number;
  if (empty === null) return c.op === 'neq' || c.op === 'is_empty';
  switch (c.op) {
    case 'eq':
      return empty === v;
    case 'neq':
      return empty !== v;
    case 'lt':
      return empty < v;
    case 'gt':
      return empty > v;
    case 'between':
      return v <= empty && empty <= (c.to as number);
    default:
      return c.op === 'is_not_empty';
  }
}

/** A contact's total spent, order count or last order date (local), over its purchase events. */
export function ecommerceValue(c: ConditionOf<'total_spent' | 'order_count' | 'last_order_date'>, env: CriteriaEnv): Sql {
  if (c.type === 'total_spent') return sql`coalesce(sum(${numeric(sql`e.data -> 'total'`)}), 0)`;
  if (c.type === 'order_count') return sql`count(*)`;
  return sql`(max(e.occurred_at) at time zone ${env.timezone}::text)::date`;
}

/** The contact's own total spent, order count or last order date, for explain. */
export function ecommerceActual(c: ConditionOf<'total_spent' | 'order_count' | 'last_order_date'>, env: CriteriaEnv, contact: Sql): Sql {
  const days = c.type === 'last_order_date' ? undefined : c.within_days;
  return sql`(select ${ecommerceValue(c, env)} from events e
               where e.workspace_id = ${env.workspaceId} and e.contact_id = ${contact}.id and e.type = 'purchase' ${window('e', env, days)})`;
}

function ecommerce(c: ConditionOf<'total_spent' | 'order_count' | 'last_order_date'>, env: CriteriaEnv): Compiled {
  const days = c.type === 'last_order_date' ? undefined : c.within_days;
  const where = sql`e.workspace_id = ${env.workspaceId} and e.type = 'purchase' ${window('e', env, days)}`;
  const pass = compare(ecommerceValue(c, env), c.type === 'last_order_date' ? 'date' : 'number', c, env);
  // a contact without orders has the empty value (0, or no date): when that value passes, take
  // everyone but the contacts whose orders fail, so buyers-less contacts need no scan of their own
  return emptyPasses(c, c.type === 'last_order_date' ? null : 0) ? grouped(env, where, sql`not ${pass}`, true) : grouped(env, where, pass, false);
}

/** A JSON number, or a string holding a plain decimal number; anything else is NULL (never an error). */
export function numeric(json: Sql): Sql {
  return sql`(case jsonb_typeof(${json}) when 'number' then (${json} #>> '{}')::numeric
    when 'string' then case when (${json} #>> '{}') ~ '^-?[0-9]+([.][0-9]+)?$' then (${json} #>> '{}')::numeric end end)`;
}

function productMatch(p: NonNullable<ConditionOf<'purchase'>['product']>): Sql {
  let match: Sql;
  if (p.product_id !== undefined) match = sql`i ->> 'product_id' = ${String(p.product_id)}::text`;
  else if (p.sku !== undefined) match = sql`i ->> 'sku' = ${p.sku}::text`;
  else match = sql`coalesce(strpos(lower(i ->> 'name'), lower(${p.name_contains}::text)) > 0, false)`;
  // items that are not an array (hand-written events) match nothing instead of failing the query
  return sql`exists (select 1 from jsonb_array_elements(case when jsonb_typeof(e.data -> 'items') = 'array' then e.data -> 'items' else '[]'::jsonb end) i
                      where jsonb_typeof(i) = 'object' and ${match})`;
}

/**
 * Message activity. Campaign, journey and step are the events' generated columns, indexed
 * with occurred_at for index-only scans (migration 008: events_campaign, events_journey_step,
 * partial on the message types named here as constants). A campaign, message or
 * journey step has one channel, so `channel` filters only unscoped activity (and scoped
 * queries stay index-only). A click counts as an open (pixels are often blocked).
 * Received means sent and not bounced (the bounce carries the send's delivery_id and scope).
 */
function activity(c: ConditionOf<'email_activity'>, env: CriteriaEnv): Compiled {
  const ws = env.workspaceId;
  const scope = (a: string) => {
    const d = sql.raw(`${a}.data`);
    const col = (name: string) => sql.raw(`${a}.${name}`);
    if (c.campaign_id !== undefined) return sql`and ${col('campaign_id')} = ${String(c.campaign_id)}::text`;
    if (c.message_id !== undefined) return sql`and ${d} ->> 'message_id' = ${String(c.message_id)}::text`;
    if (c.journey_id !== undefined) {
      const step = c.step_id !== undefined ? sql`and ${col('step_id')} = ${c.step_id}::text` : sql``;
      return sql`and ${col('journey_id')} = ${String(c.journey_id)}::text ${step}`;
    }
    return sql``;
  };
  const scoped = c.campaign_id !== undefined || c.message_id !== undefined || c.journey_id !== undefined;
  const channel = (a: string) => (scoped ? sql`` : sql`and ${sql.raw(a)}.data ->> 'channel' = ${c.channel}::text`);
  const negated = c.op.startsWith('not_');
  const positive = c.op.replace(/^not_/, '');
  if (positive === 'received') {
    const bounced = sql`exists (select 1 from events b where b.workspace_id = ${ws} and b.contact_id = s.contact_id and b.type = 'message.bounced' ${scope('b')}
                          and b.data ->> 'delivery_id' = s.data ->> 'delivery_id' and b.occurred_at <= ${env.now}::timestamptz)`;
    return eventSet(sql`events s`, sql`s.contact_id`, sql`s.workspace_id = ${ws} and s.type = 'message.sent' ${scope('s')} ${channel('s')} ${window('s', env, c.within_days)} and not ${bounced}`, negated);
  }
  // constants in the text (our own), so the partial indexes' type predicate is provably implied
  const types = sql.raw(positive === 'opened' ? `('message.opened', 'message.clicked')` : `('message.clicked')`);
  const url = c.url !== undefined ? sql`and e.data ->> 'url' = ${c.url}::text` : sql``;
  return eventSet(EVENTS, CONTACT, sql`e.workspace_id = ${ws} and e.type in ${types} ${scope('e')} ${channel('e')} ${window('e', env, c.within_days)} ${url}`, negated);
}

/** did / did not do event E, with property conditions, at least K times (default 1). */
function customEvent(c: ConditionOf<'event'>, env: CriteriaEnv): Compiled {
  const props = (c.where ?? []).map((w) => sql`and ${property(w)}`);
  const where = sql`e.workspace_id = ${env.workspaceId} and e.type = ${c.event}::text ${window('e', env, c.within_days)} ${sql.join(props, ' ')}`;
  const k = c.min_count ?? 1;
  if (k === 1) return eventSet(EVENTS, CONTACT, where, c.op === 'did_not');
  return grouped(env, where, sql`count(*) >= ${k}`, c.op === 'did_not');
}

function property(w: NonNullable<ConditionOf<'event'>['where']>[number]): Sql {
  const path = w.property.split('.');
  const json = sql`(e.data #> ${path}::text[])`;
  const text = sql`(e.data #>> ${path}::text[])`;
  const eq =
    typeof w.value === 'number'
      ? sql`coalesce(${numeric(json)} = ${w.value}::numeric, false)`
      : typeof w.value === 'boolean'
        ? sql`coalesce(${json} = ${JSON.stringify(w.value)}::jsonb, false)`
        : sql`coalesce(${text} = ${w.value}::text, false)`;
  switch (w.op) {
    case 'eq':
      return eq;
    case 'neq':
      return sql`not ${eq}`;
    case 'gt':
      return sql`coalesce(${numeric(json)} > ${w.value}::numeric, false)`;
    case 'lt':
      return sql`coalesce(${numeric(json)} < ${w.value}::numeric, false)`;
    case 'contains':
      return sql`coalesce(strpos(lower(${text}), lower(${w.value}::text)) > 0, false)`;
  }
}
