-- Journeys (J-1 … J-22): definitions with versions, enrollments as the engine's due rows,
-- a log of executed steps, and the trigger consumer's cursor over the events log.

create table journeys (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  status text not null default 'draft' check (status in ('draft', 'active', 'locked', 'stopped', 'archived')),
  -- the version new enrollments enter; editing a draft rewrites it, editing a live journey adds one
  version int not null default 1,
  activated_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id)
);

create table journey_versions (
  workspace_id bigint not null,
  journey_id bigint not null,
  version int not null,
  definition jsonb not null,
  created_at timestamptz not null,
  primary key (workspace_id, journey_id, version),
  foreign key (workspace_id, journey_id) references journeys on delete cascade
);

create table enrollments (
  workspace_id bigint not null,
  id bigint generated always as identity,
  journey_id bigint not null,
  version int not null,
  contact_id bigint not null,
  -- 'c:{contact}' when a contact enters once ever; otherwise one key per entry
  entry_key text not null,
  status text not null default 'active' check (status in ('active', 'completed', 'exited')),
  step_id text,
  started boolean not null default false,
  wait_until timestamptz,
  next_run_at timestamptz,
  data jsonb not null default '{}',
  entered_at timestamptz not null,
  finished_at timestamptz,
  exit_reason text,
  primary key (workspace_id, id),
  unique (workspace_id, journey_id, entry_key),
  foreign key (workspace_id, journey_id) references journeys on delete cascade,
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
-- one enrollment in flight per contact and journey, whatever the re-entry policy
create unique index enrollments_active on enrollments (workspace_id, journey_id, contact_id) where status = 'active';
-- the engine claims across workspaces: a global index of what is due
create index enrollments_due on enrollments (next_run_at) where status = 'active';
create index enrollments_contact on enrollments (workspace_id, contact_id);

-- Each step an enrollment went through, once (J-20): reports per step and branch read it.
create table enrollment_steps (
  workspace_id bigint not null,
  enrollment_id bigint not null,
  journey_id bigint not null,
  version int not null,
  step_id text not null,
  branch_id text,
  outcome text not null check (outcome in ('done', 'skipped')),
  at timestamptz not null,
  primary key (workspace_id, enrollment_id, step_id)
);
create index enrollment_steps_journey on enrollment_steps (workspace_id, journey_id, step_id);

create table trigger_cursor (
  name text primary key,
  xid xid8 not null,
  id bigint not null
);
insert into trigger_cursor (name, xid, id) values ('journeys', '0', 0);

-- J-18: a plain welcome email per list, unless a list-join journey takes the contact.
alter table lists add column welcome_message_id bigint;
