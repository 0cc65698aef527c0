-- Issue 17 (J-1): an event enrolls only into journeys, and the version, live when it was
-- logged. Each activation opens a period, each stop, lock or archive closes it; a period and a
-- version remember the workspace's last event id at that moment, so the log order decides even
-- when the clock reads the same instant (a manual clock, or one millisecond).
create table journey_periods (
  workspace_id bigint not null,
  journey_id bigint not null,
  id bigint generated always as identity,
  started_at timestamptz not null,
  -- events with a larger id were logged after the activation
  after_event bigint not null,
  ended_at timestamptz,
  -- events up to this id were logged before the journey stopped taking entries
  until_event bigint,
  primary key (workspace_id, journey_id, id),
  foreign key (workspace_id, journey_id) references journeys on delete cascade
);
-- journeys running at upgrade take every event not consumed yet, as before
insert into journey_periods (workspace_id, journey_id, started_at, after_event)
select workspace_id, id, coalesce(activated_at, updated_at), 0 from journeys where status = 'active';

-- the version new entries get from the event after this id on (0: from the start)
alter table journey_versions add column after_event bigint not null default 0;
