-- Segments (S-1, S-4, S-5), their tracked membership (J-5) and engagement levels (S-2, S-3).

-- A saved criteria tree, evaluated live wherever it is used; never a frozen list.
create table segments (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  description text not null default '',
  criteria jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- when membership was last recomputed; null until the first (silent) baseline
  members_refreshed_at timestamptz,
  primary key (workspace_id, id)
);

-- Who matched at the last refresh, so entries and exits can be logged as events (J-5).
create table segment_members (
  workspace_id bigint not null,
  segment_id bigint not null,
  contact_id bigint not null,
  entered_at timestamptz not null,
  primary key (workspace_id, segment_id, contact_id),
  foreign key (workspace_id, segment_id) references segments on delete cascade,
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
create index segment_members_contact on segment_members (workspace_id, contact_id);

-- Current and previous engagement level. A contact without a row is 'everyone_else' and
-- has no previous level: only contacts that ever got marketing email have rows.
create table contact_engagement (
  workspace_id bigint not null,
  contact_id bigint not null,
  level text not null check (level in ('most', 'somewhat', 'least', 'everyone_else')),
  previous_level text check (previous_level in ('most', 'somewhat', 'least', 'everyone_else')),
  changed_at timestamptz not null,
  primary key (workspace_id, contact_id),
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
-- engagement conditions are (NOT) EXISTS on these: a count becomes a semi/anti-join
create index contact_engagement_level on contact_engagement (workspace_id, level, contact_id);
create index contact_engagement_previous on contact_engagement (workspace_id, previous_level, contact_id);

-- Every change of level. The key points at contact_engagement (a change always writes that
-- row first, in the same statement): deleting a contact still cascades through it, and the
-- check hits a row just written instead of locking one contact row per change.
create table engagement_history (
  workspace_id bigint not null,
  id bigint generated always as identity,
  contact_id bigint not null,
  level text not null,
  previous_level text,
  changed_at timestamptz not null,
  primary key (workspace_id, id),
  foreign key (workspace_id, contact_id) references contact_engagement on delete cascade
);
create index engagement_history_contact on engagement_history (workspace_id, contact_id, id);

-- Message events by campaign and by journey step ("opened campaign X", J-10 "clicked step
-- S"). Partial on the message types the conditions read, which queries name as constants
-- (a `data ? 'campaign_id'` predicate would do too, but the planner estimates `?` at 0.1 %
-- of rows and then picks nested loops for campaigns opened by 100,000s). Ending the key
-- with contact_id gets a parallel index scan into a shared hash for the semi-join (with
-- occurred_at instead, measured 2x slower: each worker scanned the whole range).
-- Keys are compared as text: a non-numeric id must never make an insert fail on a cast.
create index events_campaign on events (workspace_id, (data ->> 'campaign_id'), type, contact_id)
  where type in ('message.sent', 'message.opened', 'message.clicked', 'message.bounced');
create index events_journey_step on events (workspace_id, (data ->> 'journey_id'), (data ->> 'step_id'), type, contact_id)
  where type in ('message.sent', 'message.opened', 'message.clicked', 'message.bounced');
-- The planner ignores a partial index's expression statistics for whole-table estimates:
-- without these it guesses 0.5 % of events per campaign and plans nested loops.
create statistics events_campaign_stats on (data ->> 'campaign_id') from events;
create statistics events_journey_stats on (data ->> 'journey_id'), (data ->> 'step_id') from events;
