import { sql, type Sql } from '../db/index.ts';
import type { ConditionOf } from './schema.ts';
import { compare, type CriteriaEnv } from './compile.ts';

/**
 * Conditions over the events log: message activity (the delivery layer's message.* events),
 * ecommerce (purchase events) and custom events. Events after `now` never count, so a
 * predicate evaluated at a given time gives the same answer later.
 */
export type EventCondition = ConditionOf<'email_activity' | 'purchase' | 'total_spent' | 'order_count' | 'last_order_date' | 'event'>;

export function compileEventCondition(c: EventCondition, env: CriteriaEnv): Sql {
  switch (c.type) {
    case 'email_activity':
      return activity(c, env);
    case 'purchase': {
      const product = c.product ? sql`and ${productMatch(c.product)}` : sql``;
      const bought = sql`exists (select 1 from events e where ${ofContact('e', env)} and e.type = 'purchase' ${window('e', env, c.within_days)} ${product})`;
      return c.op === 'has_purchased' ? bought : sql`not ${bought}`;
    }
    case 'total_spent':
    case 'order_count':
      return compare(ecommerceValue(c, env), 'number', c, env);
    case 'last_order_date':
      return compare(ecommerceValue(c, env), 'date', c, env);
    case 'event':
      return customEvent(c, env);
  }
}

/** The contact's total spent, order count or last order date (local), each over its purchase events. */
export function ecommerceValue(c: ConditionOf<'total_spent' | 'order_count' | 'last_order_date'>, env: CriteriaEnv): Sql {
  if (c.type === 'total_spent') return sql`coalesce((select sum(${numeric(sql`e.data -> 'total'`)}) from events e where ${purchases(env, c.within_days)}), 0)`;
  if (c.type === 'order_count') return sql`(select count(*) from events e where ${purchases(env, c.within_days)})`;
  return sql`((select max(e.occurred_at) from events e where ${purchases(env)}) at time zone ${env.timezone}::text)::date`;
}

const ofContact = (alias: string, env: CriteriaEnv) => sql`${sql.raw(alias)}.workspace_id = ${env.workspaceId} and ${sql.raw(alias)}.contact_id = c.id`;

/** Never after now; with `days`, not before now minus that many 24-hour days. */
function window(alias: string, env: CriteriaEnv, days?: number): Sql {
  const at = sql.raw(`${alias}.occurred_at`);
  const since = days === undefined ? sql`` : sql`and ${at} >= ${new Date(env.now.getTime() - days * 86_400_000)}::timestamptz`;
  return sql`and ${at} <= ${env.now}::timestamptz ${since}`;
}

const purchases = (env: CriteriaEnv, days?: number) => sql`${ofContact('e', env)} and e.type = 'purchase' ${window('e', env, days)}`;

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
 * Message activity. The literal JSON keys below match the expression indexes of migration
 * 003 (events_campaign, events_journey_step): the planner uses them only when the key in the
 * query is the same literal, so the keys are never parameters. A click counts as an open
 * (tracking pixels are often blocked; a click proves the email was opened). Received means
 * sent and not bounced (same delivery_id).
 */
function activity(c: ConditionOf<'email_activity'>, env: CriteriaEnv): Sql {
  const scope = (a: string) => {
    const d = sql.raw(`${a}.data`);
    let s = sql`and ${d} ->> 'channel' = ${c.channel}::text`;
    if (c.campaign_id !== undefined) s = sql`${s} and ${d} ? 'campaign_id' and ${d} ->> 'campaign_id' = ${String(c.campaign_id)}::text`;
    if (c.message_id !== undefined) s = sql`${s} and ${d} ->> 'message_id' = ${String(c.message_id)}::text`;
    if (c.journey_id !== undefined) s = sql`${s} and ${d} ? 'journey_id' and ${d} ->> 'journey_id' = ${String(c.journey_id)}::text`;
    if (c.step_id !== undefined) s = sql`${s} and ${d} ->> 'step_id' = ${c.step_id}::text`;
    return s;
  };
  const positive = c.op.replace(/^not_/, '');
  let found: Sql;
  if (positive === 'received') {
    found = sql`exists (select 1 from events s where ${ofContact('s', env)} and s.type = 'message.sent' ${scope('s')} ${window('s', env, c.within_days)}
      and not exists (select 1 from events b where ${ofContact('b', env)} and b.type = 'message.bounced'
                         and b.data ->> 'delivery_id' = s.data ->> 'delivery_id' and b.occurred_at <= ${env.now}::timestamptz))`;
  } else {
    const types = positive === 'opened' ? ['message.opened', 'message.clicked'] : ['message.clicked'];
    const url = c.url !== undefined ? sql`and e.data ->> 'url' = ${c.url}::text` : sql``;
    found = sql`exists (select 1 from events e where ${ofContact('e', env)} and e.type = any(${types}::text[]) ${scope('e')} ${window('e', env, c.within_days)} ${url})`;
  }
  return c.op.startsWith('not_') ? sql`not ${found}` : found;
}

/** did / did not do event E, with property conditions, at least K times (default 1). */
function customEvent(c: ConditionOf<'event'>, env: CriteriaEnv): Sql {
  const props = (c.where ?? []).map((w) => sql`and ${property(w)}`);
  const from = sql`from events e where ${ofContact('e', env)} and e.type = ${c.event}::text ${window('e', env, c.within_days)} ${sql.join(props, ' ')}`;
  const k = c.min_count ?? 1;
  // with K > 1 the count stops at K rows: no contact's whole history is counted
  const did = k === 1 ? sql`exists (select 1 ${from})` : sql`(select count(*) from (select 1 ${from} limit ${k}) x) >= ${k}`;
  return c.op === 'did' ? did : sql`not ${did}`;
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
