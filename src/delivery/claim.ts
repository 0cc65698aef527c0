import { sql, type Db, type Queryable } from '../db/index.ts';
import type { DeliveryRow } from './compose.ts';

/** A sender's batch: its number and its deliveries in sending order (claim_pos 1…n). */
export interface Claimed {
  batch: number;
  rows: DeliveryRow[];
}

/**
 * Claims due deliveries in one statement, numbered in sending order under a new batch number
 * (issue 18: what a dead sender had handed over is known by position). Rows of a receiving
 * domain that asked us to slow down are left for later; SKIP LOCKED lets any number of workers
 * claim side by side.
 */
export async function claimDueDeliveries(db: Db, now: Date, limit: number, leaseMs: number): Promise<Claimed> {
  const { rows } = await db.query<DeliveryRow & { claim_pos: number; claim_batch: number }>(sql`
    with picked as (
      select workspace_id, id, send_at from deliveries
       where status = 'queued' and send_at <= ${now}
         and (domain is null or domain not in (select domain from domain_backoff where until > ${now}))
       order by send_at
       limit ${limit}
       for update skip locked),
    numbered as (select workspace_id, id, row_number() over (order by send_at, id)::int as pos from picked),
    batch as (select nextval('delivery_claim_batches') as n)
    update deliveries d set status = 'sending', attempts = attempts + 1, updated_at = ${now},
           locked_until = ${new Date(now.getTime() + leaseMs)}, claim_batch = (select n from batch), claim_pos = numbered.pos
      from numbered
     where d.workspace_id = numbered.workspace_id and d.id = numbered.id
    returning d.workspace_id, d.id, d.contact_id, d.message_id, d.message_version, d.channel, d.to_address, d.domain,
              d.language, d.source, d.campaign_id, d.journey_id, d.step_id, d.transactional, d.data, d.options,
              d.send_at, d.deadline, d.attempts, d.claim_pos, d.claim_batch`);
  rows.sort((a, b) => a.claim_pos - b.claim_pos);
  return { batch: rows[0] ? Number(rows[0].claim_batch) : 0, rows };
}

/**
 * A delivery still 'sending' after its lease belonged to a worker that died. Handed to the
 * transport (its position within what its batch had handed over), the message may or may not
 * have left: in_doubt, reported, never resent blindly. Claimed but never handed over, it goes
 * back to the queue with its attempt refunded. A claim from before positions existed is in doubt.
 */
export async function markInDoubt(db: Db, now: Date): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql`
    with due as (
      select d.workspace_id, d.id, d.claim_batch,
             (d.claim_batch is null or exists (
               select 1 from delivery_claims c where c.batch = d.claim_batch and d.claim_pos <= c.handed_upto)) as handed
        from deliveries d where d.status = 'sending' and d.locked_until <= ${now}),
    expired as (
      update deliveries d set updated_at = ${now}, locked_until = null,
             status = case when due.handed then 'in_doubt' else 'queued' end,
             attempts = case when due.handed then d.attempts else greatest(d.attempts - 1, 0) end,
             last_error = case when due.handed then 'the worker stopped while sending: not retried, to never send twice' else d.last_error end
        from due
       where d.workspace_id = due.workspace_id and d.id = due.id and d.status = 'sending' and d.locked_until <= ${now}
      returning d.claim_batch),
    gone as (delete from delivery_claims where batch in (select claim_batch from expired))
    select count(*)::int as n from expired`);
  return rows[0].n;
}

/**
 * Records that a batch was handed to its transport up to position `upTo` (in the transaction
 * that records the outcomes before it): from now on a death leaves those deliveries in doubt.
 */
export async function markHandedOver(q: Queryable, batch: number, upTo: number, now: Date): Promise<void> {
  await q.query(sql`
    insert into delivery_claims (batch, handed_upto, created_at) values (${batch}, ${upTo}, ${now})
    on conflict (batch) do update set handed_upto = excluded.handed_upto`);
}

/** A batch's outcomes are all recorded: its hand-over mark is of no more use. */
export async function endClaim(q: Queryable, batch: number): Promise<void> {
  await q.query(sql`delete from delivery_claims where batch = ${batch}`);
}

/** Extends the lease of a batch's deliveries still being sent by this worker (its heartbeat). */
export async function renewSendingLease(db: Db, batch: number, until: Date): Promise<void> {
  await db.query(sql`update deliveries set locked_until = ${until} where claim_batch = ${batch} and status = 'sending'`);
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

/** Deliveries due now and not claimed, and the oldest due time (for /metrics). */
export async function deliveryBacklog(q: Queryable, now: Date): Promise<{ due: number; oldest: Date | null }> {
  const { rows } = await q.query<{ due: number; oldest: Date | null }>(sql`
    select count(*)::int as due, min(send_at) as oldest from deliveries where status = 'queued' and send_at <= ${now}`);
  return rows[0];
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
