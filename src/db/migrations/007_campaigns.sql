-- Campaigns (K-1 … K-8): one-off sends with approval, scheduling, hold-outs and A/B tests.

create table campaigns (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  message_id bigint not null,
  status text not null default 'draft' check (status in
    ('draft', 'awaiting_approval', 'rejected', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')),
  -- { lists, segments, exclude_lists, exclude_segments }: evaluated when the fan-out runs (S-4)
  recipients jsonb not null,
  duplicates text not null default 'per_contact' check (duplicates in ('per_contact', 'per_email')),
  control_group_percent numeric(5, 2) not null default 0,
  ab_test jsonb,
  schedule jsonb not null,
  options jsonb not null default '{}',
  -- what prepare checked and approval sends: message versions per variant, never re-read later
  frozen jsonb,
  checklist jsonb,
  -- when the fan-out starts (now on approval, or the scheduled instant)
  start_at timestamptz,
  -- A/B progress: { phase: test | waiting | decided, decide_at, winner, by, rates }
  ab_state jsonb,
  -- fan-out counters per phase, written in the transaction of each batch
  stats jsonb not null default '{}',
  created_by bigint,
  prepared_by bigint,
  prepared_at timestamptz,
  approved_by bigint,
  approved_at timestamptz,
  paused_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id)
);
create index campaigns_status on campaigns (workspace_id, status);

-- Who did what to a campaign and when (K-6): prepare, approve, reject with the reason, pause…
create table campaign_audit (
  workspace_id bigint not null,
  id bigint generated always as identity,
  campaign_id bigint not null,
  action text not null,
  user_id bigint,
  via text not null check (via in ('session', 'api_key', 'system')),
  role text,
  reason text,
  details jsonb not null default '{}',
  at timestamptz not null,
  primary key (workspace_id, id),
  foreign key (workspace_id, campaign_id) references campaigns on delete cascade
);
create index campaign_audit_campaign on campaign_audit (workspace_id, campaign_id, id);

-- The control group (K-3): members receive nothing; reports compare them with the recipients.
-- No foreign key to contacts: the fan-out writes these 50,000 at a time and a per-row check
-- costs more than the row; a deleted contact's id here names no one and matches no event.
create table campaign_holdouts (
  workspace_id bigint not null,
  campaign_id bigint not null,
  contact_id bigint not null,
  held_at timestamptz not null,
  primary key (workspace_id, campaign_id, contact_id),
  foreign key (workspace_id, campaign_id) references campaigns on delete cascade
);

-- K-7: a paused campaign's queued deliveries are set aside as 'paused'. The sender claims only
-- 'queued' rows and the due index covers only queued and sending ones, so nothing else changes.
alter table deliveries drop constraint deliveries_status_check;
alter table deliveries add constraint deliveries_status_check check (status in
  ('queued', 'sending', 'sent', 'failed', 'bounced', 'suppressed', 'expired', 'skipped', 'in_doubt', 'cancelled', 'paused'));
