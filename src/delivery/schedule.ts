import { sql, type Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';

export interface NewDelivery {
  workspaceId: number;
  idempotencyKey: string;
  contactId: number | null;
  messageId: number;
  messageVersion: number;
  channel: 'email' | 'sms';
  to: string;
  language?: string | null;
  source: 'campaign' | 'journey' | 'transactional' | 'test' | 'resend' | 'system';
  campaignId?: number | null;
  journeyId?: number | null;
  enrollmentId?: number | null;
  stepId?: string | null;
  variant?: string | null;
  transactional?: boolean;
  data?: Record<string, unknown>;
  options?: Record<string, unknown>;
  sendAt: Date;
  deadline?: Date | null;
}

export const domainOf = (channel: string, to: string) => (channel === 'email' ? to.split('@')[1]?.toLowerCase() ?? null : null);

/**
 * Queues deliveries in the caller's transaction. The idempotency key makes a retry of the
 * same scheduling a no-op: one send per key, ever (J-20, K-2). Returns the new rows' ids.
 */
export async function scheduleDeliveries(q: Queryable, now: Date, list: NewDelivery[]): Promise<{ id: number; idempotency_key: string }[]> {
  if (list.length === 0) return [];
  // The rows as one JSON parameter, a positional array each: one native stringify here and one
  // parse on the server, where an array parameter per column cost more on both sides (issue 6).
  const rows = list.map((d) => [
    d.workspaceId, d.idempotencyKey, d.contactId, d.messageId, d.messageVersion, d.channel, d.to, domainOf(d.channel, d.to),
    d.language ?? null, d.source, d.campaignId ?? null, d.journeyId ?? null, d.enrollmentId ?? null, d.stepId ?? null,
    d.variant ?? null, d.transactional ?? false, d.data ?? {}, d.options ?? {}, d.sendAt, d.deadline ?? null,
  ]);
  const { rows: out } = await q.query<{ id: number; idempotency_key: string }>(sql`
    insert into deliveries (workspace_id, idempotency_key, contact_id, message_id, message_version, channel, to_address, domain,
                            language, source, campaign_id, journey_id, enrollment_id, step_id, variant, transactional, data, options,
                            send_at, deadline, created_at, updated_at)
    select (r ->> 0)::bigint, r ->> 1, (r ->> 2)::bigint, (r ->> 3)::bigint, (r ->> 4)::int, r ->> 5, r ->> 6, r ->> 7,
           r ->> 8, r ->> 9, (r ->> 10)::bigint, (r ->> 11)::bigint, (r ->> 12)::bigint, r ->> 13,
           r ->> 14, (r ->> 15)::boolean, r -> 16, r -> 17, (r ->> 18)::timestamptz, (r ->> 19)::timestamptz, ${now}, ${now}
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) r
    on conflict (workspace_id, idempotency_key) do nothing
    returning id, idempotency_key`);
  return out;
}

export async function getDelivery(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query(sql`
    select id, idempotency_key, contact_id, message_id, message_version, channel, to_address, source, campaign_id, journey_id,
           step_id, transactional, send_at, deadline, status, attempts, last_error, sent_at, provider_id, provider_status, reported_at,
           created_at, updated_at
      from deliveries where workspace_id = ${workspaceId} and id = ${id}`);
  return rows[0] ?? null;
}

export async function listDeliveries(q: Queryable, workspaceId: number, f: { contactId?: number; status?: string; limit: number; before?: number }) {
  const { rows } = await q.query(sql`
    select id, contact_id, message_id, channel, to_address, source, campaign_id, journey_id, step_id, status, attempts,
           last_error, send_at, sent_at
      from deliveries where workspace_id = ${workspaceId}
       ${f.contactId ? sql`and contact_id = ${f.contactId}` : sql``}
       ${f.status ? sql`and status = ${f.status}` : sql``}
       ${f.before ? sql`and id < ${f.before}` : sql``}
     order by id desc limit ${f.limit}`);
  return rows;
}

/** Puts in-doubt or failed deliveries back in the queue, on an operator's explicit decision. */
export async function retryDeliveries(q: Queryable, now: Date, workspaceId: number, ids: number[]) {
  const r = await q.query(sql`
    update deliveries set status = 'queued', send_at = ${now}, locked_until = null, updated_at = ${now}
     where workspace_id = ${workspaceId} and id = any(${ids}::bigint[]) and status in ('in_doubt', 'failed')`);
  if (r.rowCount === 0) throw new AppError('conflict', 'no in_doubt or failed delivery among these ids');
  return r.rowCount;
}

/** Queue health for the home page: pending counts and domains currently backing off. */
export async function sendingHealth(q: Queryable, workspaceId: number, now: Date) {
  const [counts, domains] = await Promise.all([
    q.query(sql`
      select status, count(*)::int as n from deliveries
       where workspace_id = ${workspaceId} and status in ('queued', 'sending', 'in_doubt', 'failed') group by status`),
    q.query(sql`
      select b.domain, b.until, b.level, b.last_error from domain_backoff b
       where b.until > ${now} and exists (select 1 from deliveries d where d.workspace_id = ${workspaceId} and d.status = 'queued' and d.domain = b.domain)`),
  ]);
  return { counts: Object.fromEntries(counts.rows.map((r: any) => [r.status, r.n])), backing_off: domains.rows };
}
