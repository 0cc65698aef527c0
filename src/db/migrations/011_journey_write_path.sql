-- Issue 6: every journey send inserts a delivery, and each index of `deliveries` is written on
-- every insert. deliveries_enrollment (004) is read by no query: a journey's deliveries are found
-- by journey and step (events, reports) or by idempotency key ('enrollment:{id}:step:{id}').
drop index if exists deliveries_enrollment;
