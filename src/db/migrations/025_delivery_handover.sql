-- What a sender had handed to its transport when it died (issue 18). A claim numbers its batch
-- (claim_batch from a sequence, claim_pos 1…n in sending order); delivery_claims remembers, per
-- batch, up to which position the deliveries were handed over, in the transaction that records
-- the previous ones' outcomes. A delivery whose lease ran out is in doubt only if it had been
-- handed over; the rest of its batch goes back to the queue. One small row per batch instead of
-- one more version of every delivery row.
create sequence delivery_claim_batches;
alter table deliveries add column claim_batch bigint, add column claim_pos int;
create table delivery_claims (
  batch bigint primary key,
  handed_upto int not null,
  created_at timestamptz not null
);
