import { performance } from 'node:perf_hooks';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { readLog } from '../events/index.ts';
import { backoffMs, type DueSource } from '../queue/index.ts';
import { checkedAddress, type Resolver } from './address-guard.ts';
import { postPinned } from './pinned-post.ts';
import { outboundSignature } from './signatures.ts';
import { RETRY_WINDOW_MS } from './webhooks.ts';

export interface WebhookSenderOptions {
  allowPrivate: boolean;
  /** Deliveries attempted per round, side by side. */
  batch?: number;
  timeoutMs?: number;
  /** Tests replace DNS. */
  resolve?: Resolver;
}

const LOG_BATCH = 1000;
const LEASE_MS = 60_000;

/**
 * Outbound webhooks as one due source: (1) read the events log after the stored cursor and
 * create one delivery per matching (subscription, event), moving the cursor in the same
 * transaction; (2) send due deliveries, signed, and retry failures with exponential backoff
 * until 24 hours have passed. At least once: a receiver dedupes on the event `id`.
 */
export function webhookSource(ctx: Ctx, opts: WebhookSenderOptions): DueSource {
  return {
    name: 'webhooks',
    async nextDueAt() {
      const { rows } = await ctx.db.query<{ at: Date | null; pending: boolean }>(sql`
        with c as (select xid, event_id from webhook_log_cursor where name = 'webhooks')
        select (select min(next_attempt_at) from webhook_deliveries where status in ('queued', 'sending')) as at,
               exists (select 1 from webhook_subscriptions where enabled)
               and exists (select 1 from events e, c where (e.xid, e.id) > (c.xid, c.event_id)
                              and e.xid < pg_snapshot_xmin(pg_current_snapshot())) as pending`);
      return rows[0].pending ? ctx.clock.now() : rows[0].at;
    },
    async runDue(now) {
      return (await consumeLog(ctx, now)) + (await sendDue(ctx, now, opts));
    },
  };
}

/** One batch of the log: deliveries for the enabled subscriptions whose types match. */
async function consumeLog(ctx: Ctx, now: Date): Promise<number> {
  return ctx.db.tx(async (tx) => {
    // one consumer at a time; another worker holding the cursor is doing this batch
    const cur = await tx.query<{ xid: string; event_id: number; active: boolean }>(sql`
      select xid::text as xid, event_id, exists (select 1 from webhook_subscriptions where enabled) as active
        from webhook_log_cursor where name = 'webhooks' for update skip locked`);
    const c = cur.rows[0];
    if (!c?.active) return 0;
    const events = await readLog(tx, { xid: c.xid, id: c.event_id }, LOG_BATCH);
    if (events.length === 0) return 0;
    // a subscription gets the events logged after it was made; 'message.*' matches by prefix
    await tx.query(sql`
      insert into webhook_deliveries (workspace_id, subscription_id, event_id, event_type, next_attempt_at, give_up_at, created_at)
      select e.workspace_id, s.id, e.id, e.type, ${now}, ${new Date(now.getTime() + RETRY_WINDOW_MS)}, ${now}
        from unnest(${events.map((e) => e.workspace_id)}::bigint[], ${events.map((e) => e.id)}::bigint[]) u(w, id)
        join events e on e.workspace_id = u.w and e.id = u.id
        join webhook_subscriptions s on s.workspace_id = e.workspace_id and s.enabled and e.created_at >= s.created_at
       where exists (select 1 from unnest(s.event_types) p
                      where p = '*' or p = e.type or (right(p, 2) = '.*' and starts_with(e.type, left(p, -1))))
      on conflict (workspace_id, subscription_id, event_id) do nothing`);
    const last = events[events.length - 1];
    await tx.query(sql`update webhook_log_cursor set xid = ${last.xid}::xid8, event_id = ${last.id} where name = 'webhooks'`);
    return events.length;
  });
}

interface Claimed {
  workspace_id: number;
  id: number;
  attempts: number;
  give_up_at: Date;
  url: string | null;
  secret: string;
  enabled: boolean | null;
  event_id: number;
  type: string;
  occurred_at: Date;
  contact_id: number | null;
  data: unknown;
}

interface Result {
  d: Claimed;
  status: 'delivered' | 'queued' | 'failed';
  code: number | null;
  error: string | null;
  ms: number | null;
  next: Date | null;
}

/** Claims due deliveries (a lease in next_attempt_at), sends them side by side, records outcomes. */
async function sendDue(ctx: Ctx, now: Date, opts: WebhookSenderOptions): Promise<number> {
  const { rows } = await ctx.db.query<Claimed>(sql`
    with due as (
      update webhook_deliveries d set status = 'sending', attempts = d.attempts + 1, next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
        from (select workspace_id, id from webhook_deliveries
               where status in ('queued', 'sending') and next_attempt_at <= ${now}
               order by next_attempt_at limit ${opts.batch ?? 20} for update skip locked) pick
       where d.workspace_id = pick.workspace_id and d.id = pick.id
      returning d.workspace_id, d.id, d.subscription_id, d.event_id, d.attempts, d.give_up_at)
    select due.workspace_id, due.id, due.attempts, due.give_up_at, s.url, s.secret, s.enabled,
           due.event_id, e.type, e.occurred_at, e.contact_id, e.data
      from due
      left join webhook_subscriptions s on s.workspace_id = due.workspace_id and s.id = due.subscription_id
      join events e on e.workspace_id = due.workspace_id and e.id = due.event_id`);
  if (rows.length === 0) return 0;
  const results = await Promise.all(rows.map((d) => attempt(ctx, d, now, opts)));
  await record(ctx, results, now);
  return rows.length;
}

async function attempt(ctx: Ctx, d: Claimed, now: Date, opts: WebhookSenderOptions): Promise<Result> {
  const fail = (error: string, code: number | null = null, ms: number | null = null): Result => {
    const next = new Date(now.getTime() + backoffMs(d.attempts));
    return next.getTime() > d.give_up_at.getTime() ? { d, status: 'failed', code, error, ms, next: null } : { d, status: 'queued', code, error, ms, next };
  };
  if (!d.url || !d.enabled) return { d, status: 'failed', code: null, error: 'the subscription is disabled', ms: null, next: null };
  let checked: Awaited<ReturnType<typeof checkedAddress>>;
  try {
    checked = await checkedAddress(new URL(d.url), opts.allowPrivate, opts.resolve);
  } catch (err) {
    return fail(`cannot resolve the host: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // a private destination is a setting to change, not a passing failure: no retries
  if ('refusal' in checked) return { d, status: 'failed', code: null, error: `refused: ${checked.refusal}`, ms: null, next: null };
  const body = JSON.stringify({ id: d.event_id, type: d.type, occurred_at: d.occurred_at.toISOString(), contact_id: d.contact_id, data: d.data });
  const started = performance.now();
  try {
    // to the checked address only; a redirect is not followed (it could lead anywhere): a failure
    const res = await postPinned(new URL(d.url), checked.address, {
      'content-type': 'application/json',
      'user-agent': 'Parcours-Webhooks/1',
      'parcours-signature': outboundSignature(d.secret, Math.floor(now.getTime() / 1000), body),
      'parcours-event-id': String(d.event_id),
      'parcours-delivery-id': String(d.id),
    }, body, opts.timeoutMs ?? 10_000);
    const ms = Math.round(performance.now() - started);
    if (res.status >= 200 && res.status < 300) return { d, status: 'delivered', code: res.status, error: null, ms, next: null };
    return fail(`HTTP ${res.status}`, res.status, ms);
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? 'timed out' : e.code ?? e.cause?.code ?? e.message;
    return fail(why, null, Math.round(performance.now() - started));
  }
}

async function record(ctx: Ctx, results: Result[], now: Date) {
  await ctx.db.tx(async (tx) => {
    await tx.query(sql`
      insert into webhook_attempts (workspace_id, delivery_id, attempt, attempted_at, status_code, error, duration_ms)
      select w, id, n, ${now}, code, err, ms
        from unnest(${results.map((r) => r.d.workspace_id)}::bigint[], ${results.map((r) => r.d.id)}::bigint[], ${results.map((r) => r.d.attempts)}::int[],
                    ${results.map((r) => r.code)}::int[], ${results.map((r) => r.error)}::text[], ${results.map((r) => r.ms)}::int[]) u(w, id, n, code, err, ms)
      on conflict do nothing`);
    await tx.query(sql`
      update webhook_deliveries d set status = u.status, next_attempt_at = coalesce(u.next, d.next_attempt_at), last_status = u.code,
             last_error = u.err, delivered_at = case when u.status = 'delivered' then ${now}::timestamptz else d.delivered_at end
        from unnest(${results.map((r) => r.d.workspace_id)}::bigint[], ${results.map((r) => r.d.id)}::bigint[], ${results.map((r) => r.status)}::text[],
                    ${results.map((r) => r.next)}::timestamptz[], ${results.map((r) => r.code)}::int[], ${results.map((r) => r.error)}::text[]) u(w, id, status, next, code, err)
       where d.workspace_id = u.w and d.id = u.id and d.status = 'sending'`);
  });
}
