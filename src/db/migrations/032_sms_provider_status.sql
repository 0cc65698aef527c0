-- Delivery reports of SMS (M-6, issue 17): the final status the provider reported through its
-- status callback (Twilio's delivered, undelivered or failed). The first final report is kept:
-- a repeat or a late, out-of-order callback changes nothing.
alter table deliveries add column provider_status text
  check (provider_status in ('delivered', 'undelivered', 'failed'));
alter table deliveries add column reported_at timestamptz;
