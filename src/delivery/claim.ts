import { sql, type Db, type Queryable } from '../db/index.ts';
import type { DeliveryRow } from './compose.ts';

/**
 * Claims due deliveries in one statement. Rows of a receiving domain that asked us to slow
 * down are left for later; SKIP LOCKED lets any number of workers claim side by side.
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number, leaseMs: number): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(sql`
    update deliveries d set status = 'sending', attempts = attempts + 1, updated_at = ${now},
           locked_until = ${new Date(now.getTime() + leaseMs)}
     where (d.workspace_id, d.id) in (
       select workspace_id, id from deliveries
        where status = 'queued' and send_at <= ${now}
          and (domain is null or domain not in (select domain from domain_backoff where until > ${now}))
        order by send_at
        limit ${limit}
        for update skip locked)
    returning d.workspace_id, d.id, d.contact_id, d.message_id, d.message_version, d.channel, d.to_address, d.domain,
              d.language, d.source, d.campaign_id, d.journey_id, d.step_id, d.transactional, d.data, d.options,
              d.send_at, d.deadline, d.attempts`);
  return rows;
}

/**
 * A delivery still 'sending' after its lease belonged to a worker that died mid-send: the
 * message may or may not have left. It is marked in_doubt and reported, never resent blindly.
 */
export async function markInDoubt(db: Db, now: Date): Promise<number> {
  const r = await db.query(sql`
    update deliveries set status = 'in_doubt', updated_at = ${now}, locked_until = null,
           last_error = 'the worker stopped while sending: not retried, to never send twice'
     where status = 'sending' and locked_until <= ${now}`);
  return r.rowCount;
}

/**
 * Ends at `now` the leases of deliveries being sent by processes known to be gone: the embedded
 * database's new owner has no other client, so whoever claimed them died with the old one. They
 * turn in_doubt at the sender's next pass, not after the 5-minute lease.
 */
export async function endSendingLeases(q: Queryable, now: Date): Promise<number> {
  const r = await q.query(sql`update deliveries set locked_until = ${now} where status = 'sending' and locked_until > ${now}`);
  return r.rowCount;
}

export async function nextDeliveryDueAt(db: Db, now: Date): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(sql`
    select least(
      (select min(send_at) from deliveries
        where status = 'queued' and (domain is null or domain not in (select domain from domain_backoff where until > ${now}))),
      (select min(until) from domain_backoff b where until > ${now}
          and exists (select 1 from deliveries d where d.status = 'queued' and d.domain = b.domain)),
      (select min(locked_until) from deliveries where status = 'sending')) as at`);
  return rows[0]?.at ?? null;
}
