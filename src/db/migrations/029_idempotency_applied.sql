-- An Idempotency-Key's request is marked applied in the transaction of its effects (issue 16):
-- when its answer was lost (a crash between that commit and storing the answer), a retry is
-- told so instead of running it again.
alter table idempotency_keys add column applied_at timestamptz;
