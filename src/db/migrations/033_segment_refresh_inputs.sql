-- Issue 17: a saved segment is refreshed when what it depends on changed, not every 5 minutes.
-- members_inputs is the watermark its last refresh saw (last event, contact and engagement-history
-- ids, transactions then in flight, time zone); members_next_at the first instant at which time
-- alone may change its members (local midnight for day-relative dates, an event leaving a window).
alter table segments add column members_inputs jsonb;
alter table segments add column members_next_at timestamptz;

-- The chain of 5-minute refresh jobs is over: the segments due source replaces it.
update jobs set status = 'done', finished_at = run_at, result = '{"replaced": "segments due source"}'
 where kind = 'segments.refresh' and unique_key = 'segments.schedule' and status = 'queued';

-- GET /api/v1/jobs/:id reports when a job's latest run started.
alter table jobs add column started_at timestamptz;
