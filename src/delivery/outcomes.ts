import { retrying, sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { appendEvents } from '../events/index.ts';
import type { DeliveryRow } from './compose.ts';
import { endClaim, markHandedOver } from './claim.ts';
import { deliveriesTotal } from '../metrics/index.ts';

/** With a batch's outcomes: the position it is handed over up to now, or that it is done. */
export interface ClaimStep {
  batch: number;
  handedUpTo?: number;
  end?: boolean;
}

export type Outcome = {
  d: DeliveryRow;
  kind: 'sent' | 'failed' | 'retry' | 'throttled' | 'suppressed' | 'expired' | 'skipped' | 'requeue' | 'in_doubt';
  providerId?: string;
  error?: string;
  at?: Date;
  refund?: boolean;
};

const MAX_ATTEMPTS = 8;
/** 1 min, 2, 4 … capped at 6 hours: a relay down for a day still gets its mail. */
export const retryDelayMs = (attempts: number) => Math.min(6 * 3_600_000, 60_000 * 2 ** Math.max(0, attempts - 1));
/** A throttling domain waits 30 s, 1 min, 2 … up to 30 min, then resumes. */
const throttleMs = (level: number) => Math.min(30 * 60_000, 30_000 * 2 ** level);

/** The data every message event carries (the contract segments and journeys read). */
export function eventData(d: DeliveryRow, extra: Record<string, unknown> = {}) {
  return {
    delivery_id: d.id,
    message_id: d.message_id,
    channel: d.channel,
    ...(d.campaign_id ? { campaign_id: d.campaign_id } : {}),
    ...(d.journey_id ? { journey_id: d.journey_id, step_id: d.step_id } : {}),
    ...(d.transactional ? { transactional: true } : {}),
    ...extra,
  };
}

/**
 * Writes a batch's outcomes in one transaction: statuses, retries with backoff, domain
 * back-off, and message.sent events. Throttled and out-of-window rows do not use an attempt.
 */
export async function recordOutcomes(ctx: Ctx, outcomes: Outcome[], now: Date, claim?: ClaimStep) {
  const rows = outcomes.map((o) => {
    let status: string = o.kind;
    let sendAt: Date | null = null;
    let refund = o.refund ? 1 : 0;
    if (o.kind === 'retry') {
      if (o.d.attempts >= MAX_ATTEMPTS) status = 'failed';
      else {
        status = 'queued';
        sendAt = new Date(now.getTime() + retryDelayMs(o.d.attempts));
      }
    } else if (o.kind === 'throttled') {
      status = 'queued';
      refund = 1;
    } else if (o.kind === 'requeue') {
      status = 'queued';
      sendAt = o.at ?? null;
    }
    return { o, status, sendAt, refund };
  });
  // Retried while the database is away (restart, failover): the messages have left, their
  // outcomes must not be lost with the connection. Idempotent: only rows still 'sending' change,
  // and only those get their back-off and events, so a retry after a lost COMMIT answer adds nothing.
  let recorded: Outcome[] = [];
  await retrying(() => ctx.db.tx(async (tx) => {
    recorded = [];
    // the batch's next slice is marked handed over in the transaction of the outcomes before it (issue 18)
    if (claim?.handedUpTo) await markHandedOver(tx, claim.batch, claim.handedUpTo, now);
    if (claim?.end) await endClaim(tx, claim.batch);
    if (rows.length === 0) return;
    // an SMS whose status callback came before this outcome: sent, then not delivered (sms-status.ts)
    const reported = sql`case when u.status = 'sent' and d.provider_status = 'undelivered' then 'bounced'
                              when u.status = 'sent' and d.provider_status = 'failed' then 'failed' else u.status end`;
    const { rows: changed } = await tx.query<{ workspace_id: number; id: number }>(sql`
      update deliveries d set status = ${reported}, send_at = coalesce(u.send_at, d.send_at), attempts = d.attempts - u.refund,
             last_error = case when ${reported} <> u.status then d.last_error else u.error end, provider_id = u.provider_id, locked_until = null, updated_at = ${now},
             sent_at = case when u.status = 'sent' then ${now}::timestamptz else d.sent_at end
        from unnest(${rows.map((r) => r.o.d.workspace_id)}::bigint[], ${rows.map((r) => r.o.d.id)}::bigint[],
                    ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.sendAt)}::timestamptz[], ${rows.map((r) => r.refund)}::int[],
                    ${rows.map((r) => r.o.error ?? null)}::text[], ${rows.map((r) => r.o.providerId ?? null)}::text[])
             as u(w, id, status, send_at, refund, error, provider_id)
       where d.workspace_id = u.w and d.id = u.id and d.status = 'sending'
      returning d.workspace_id, d.id`);
    const mine = new Set(changed.map((r) => `${r.workspace_id}:${r.id}`));
    const ours = (o: Outcome) => mine.has(`${o.d.workspace_id}:${o.d.id}`);
    recorded = outcomes.filter(ours);
    // the domains that asked us to slow down, each once (with its last answer): one upsert. A
    // back-off still running was set by another batch of the same try (two lanes or workers
    // claim side by side): it is not stepped up twice for one refusal.
    const throttled = new Map(outcomes.filter((o) => o.kind === 'throttled' && o.d.domain && ours(o)).map((o) => [o.d.domain!, o.error ?? '']));
    if (throttled.size)
      await tx.query(sql`
        insert into domain_backoff (domain, until, level, last_error)
        select d, ${new Date(now.getTime() + throttleMs(0))}::timestamptz, 1, e from unnest(${[...throttled.keys()]}::text[], ${[...throttled.values()]}::text[]) as u(d, e)
        on conflict (domain) do update set last_error = excluded.last_error,
          level = case when domain_backoff.until <= ${now} then domain_backoff.level + 1 else domain_backoff.level end,
          until = case when domain_backoff.until <= ${now}
                       then ${now}::timestamptz + least(interval '30 minutes', interval '30 seconds' * power(2, least(domain_backoff.level, 16)))
                       else domain_backoff.until end`);
    const sent = outcomes.filter((o) => o.kind === 'sent' && ours(o));
    const okDomains = [...new Set(sent.map((o) => o.d.domain).filter((x): x is string => !!x))];
    if (okDomains.length) await tx.query(sql`delete from domain_backoff where domain = any(${okDomains}::text[]) and until <= ${now}`);
    await appendEvents(tx, now, sent.filter((o) => o.d.contact_id).map((o) => ({
      workspaceId: o.d.workspace_id,
      contactId: o.d.contact_id,
      type: 'message.sent',
      data: eventData(o.d),
    })));
  }));
  for (const o of recorded) deliveriesTotal.inc({ channel: o.d.channel, outcome: o.kind });
}
