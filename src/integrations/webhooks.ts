import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { isForbiddenAddress } from './address-guard.ts';
import { newSecret } from './signatures.ts';

/**
 * Outbound webhook subscriptions (P-4): a URL and the event types it wants — exact types
 * ('purchase', 'list.joined'), a family ('message.*', 'contact.*') or everything ('*').
 * Deliveries are made by webhooks-out.ts from the events log.
 */
export const RETRY_WINDOW_MS = 24 * 3_600_000;
const TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;
const COLUMNS = sql`id, url, event_types, description, enabled, created_at, updated_at`;

export interface SubscriptionInput {
  url?: string;
  event_types?: string[];
  description?: string;
  enabled?: boolean;
}

function checkUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url', 'use http or https');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // names are resolved (and refused if private) at each send; an address can be refused now
  if (!allowPrivate && (/^[\d.]+$/.test(host) || host.includes(':')) && isForbiddenAddress(host))
    throw invalid('url', 'a loopback, private or link-local address cannot receive webhooks');
  return url.toString();
}

function checkTypes(types: string[]): string[] {
  types.forEach((t, i) => {
    const family = t.endsWith('.*') ? t.slice(0, -2) : null;
    if (t !== '*' && !TYPE.test(family ?? t)) throw invalid(`event_types[${i}]`, "an event type ('purchase'), a family ('message.*') or '*'");
  });
  return [...new Set(types)];
}

/**
 * The consumer reads the log only while some subscription is enabled. When the first one is
 * enabled it starts from the log's end, not from everything logged while nobody listened
 * (older events would be filtered out anyway: a subscription gets events logged after it).
 */
async function startConsumerIfIdle(q: Queryable, workspaceId: number, id: number) {
  await q.query(sql`
    update webhook_log_cursor c set xid = l.xid, event_id = l.id
      from (select xid, id from events where xid < pg_snapshot_xmin(pg_current_snapshot()) order by xid desc, id desc limit 1) l
     where c.name = 'webhooks' and (l.xid, l.id) > (c.xid, c.event_id)
       and not exists (select 1 from webhook_subscriptions s where s.enabled and not (s.workspace_id = ${workspaceId} and s.id = ${id}))`);
}

export async function createSubscription(ctx: Ctx, workspaceId: number, input: Required<Pick<SubscriptionInput, 'url' | 'event_types'>> & SubscriptionInput) {
  const url = checkUrl(input.url, ctx.config.webhooksAllowPrivate);
  const types = checkTypes(input.event_types);
  const secret = newSecret('whsec');
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into webhook_subscriptions (workspace_id, url, event_types, secret, description, enabled, created_at, updated_at)
      values (${workspaceId}, ${url}, ${types}::text[], ${secret}, ${input.description ?? ''}, ${input.enabled ?? true}, ${now}, ${now})
      returning ${COLUMNS}`);
    if (input.enabled ?? true) await startConsumerIfIdle(tx, workspaceId, rows[0].id);
    return { ...rows[0], secret };
  });
}

export async function listSubscriptions(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`select ${COLUMNS} from webhook_subscriptions where workspace_id = ${workspaceId} order by id`);
  return rows;
}

export async function getSubscription(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query(sql`select ${COLUMNS} from webhook_subscriptions where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('webhook');
  return rows[0];
}

export async function updateSubscription(ctx: Ctx, workspaceId: number, id: number, patch: SubscriptionInput) {
  const url = patch.url === undefined ? null : checkUrl(patch.url, ctx.config.webhooksAllowPrivate);
  const types = patch.event_types === undefined ? null : checkTypes(patch.event_types);
  return ctx.db.tx(async (tx) => {
    const { rows } = await tx.query(sql`
      update webhook_subscriptions set url = coalesce(${url}, url), event_types = coalesce(${types}::text[], event_types),
             description = coalesce(${patch.description ?? null}, description), enabled = coalesce(${patch.enabled ?? null}, enabled),
             updated_at = ${ctx.clock.now()}
       where workspace_id = ${workspaceId} and id = ${id}
      returning ${COLUMNS}`);
    if (!rows[0]) throw notFound('webhook');
    if (patch.enabled) await startConsumerIfIdle(tx, workspaceId, id);
    return rows[0];
  });
}

export async function deleteSubscription(q: Queryable, workspaceId: number, id: number) {
  const r = await q.query(sql`delete from webhook_subscriptions where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('webhook');
}

/** A subscription's deliveries, newest first, each with every attempt made (status, error, time). */
export async function listWebhookDeliveries(q: Queryable, workspaceId: number, subscriptionId: number, f: { status?: string; limit: number; before?: number }) {
  await getSubscription(q, workspaceId, subscriptionId);
  const { rows } = await q.query<Record<string, any>>(sql`
    select id, event_id, event_type, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at
      from webhook_deliveries
     where workspace_id = ${workspaceId} and subscription_id = ${subscriptionId}
       ${f.status ? sql`and status = ${f.status}` : sql``}
       ${f.before ? sql`and id < ${f.before}` : sql``}
     order by id desc limit ${f.limit}`);
  const attempts = await q.query<Record<string, any>>(sql`
    select delivery_id, attempt, attempted_at, status_code, error, duration_ms from webhook_attempts
     where workspace_id = ${workspaceId} and delivery_id = any(${rows.map((r) => r.id)}::bigint[])
     order by delivery_id, attempt`);
  const byDelivery = new Map<number, unknown[]>();
  for (const { delivery_id, ...a } of attempts.rows) byDelivery.set(delivery_id, [...(byDelivery.get(delivery_id) ?? []), a]);
  const data = rows.map((d) => ({
    ...d,
    // a queued row's next attempt; a 'sending' row's lease is no promise to the caller
    next_attempt_at: d.status === 'queued' ? d.next_attempt_at : null,
    attempt_log: byDelivery.get(d.id) ?? [],
  }));
  return { data, next_before: rows.length === f.limit ? rows[rows.length - 1].id : null };
}

/** Queues a failed delivery again (after fixing the receiver), with a fresh 24-hour retry window. */
export async function redeliver(ctx: Ctx, workspaceId: number, subscriptionId: number, deliveryId: number) {
  const now = ctx.clock.now();
  const { rows } = await ctx.db.query(sql`
    update webhook_deliveries set status = 'queued', next_attempt_at = ${now}, give_up_at = ${new Date(now.getTime() + RETRY_WINDOW_MS)}
     where workspace_id = ${workspaceId} and subscription_id = ${subscriptionId} and id = ${deliveryId} and status = 'failed'
    returning id, status`);
  if (!rows[0]) {
    const exists = await ctx.db.query(sql`select 1 from webhook_deliveries where workspace_id = ${workspaceId} and subscription_id = ${subscriptionId} and id = ${deliveryId}`);
    if (!exists.rows[0]) throw notFound('webhook delivery');
    throw new AppError('conflict', 'only a failed delivery can be sent again', [{ path: 'id', message: 'not failed' }]);
  }
  return rows[0];
}
