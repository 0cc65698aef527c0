-- Foundation: workspaces, users and access, contacts, lists, tags, consent, the events log,
-- the jobs queue and idempotency keys. Every table carries workspace_id and every key and
-- index starts with it (tenant isolation; the future Citus distribution column).

create table workspaces (
  id bigint generated always as identity primary key,
  name text not null,
  -- the field that identifies a contact: 'email' or the key of a custom field (K-2)
  unique_key text not null default 'email',
  timezone text not null default 'UTC',
  settings jsonb not null default '{}',
  created_at timestamptz not null
);

create table users (
  id bigint generated always as identity primary key,
  email text not null,
  name text,
  password_hash text not null,
  created_at timestamptz not null
);
create unique index users_email on users (lower(email));

create table memberships (
  workspace_id bigint not null references workspaces on delete cascade,
  user_id bigint not null references users on delete cascade,
  role text not null check (role in ('owner', 'admin', 'author', 'approver', 'viewer')),
  created_at timestamptz not null,
  primary key (workspace_id, user_id)
);
create index memberships_user on memberships (user_id);

create table sessions (
  token_hash text primary key,
  user_id bigint not null references users on delete cascade,
  workspace_id bigint not null references workspaces on delete cascade,
  csrf_token text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null
);

create table api_keys (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  role text not null check (role in ('owner', 'admin', 'author', 'approver', 'viewer')),
  prefix text not null,
  hash text not null,
  created_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (workspace_id, id)
);
create unique index api_keys_hash on api_keys (hash);

create table custom_fields (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  key text not null,
  label text not null,
  type text not null check (type in ('text', 'number', 'date', 'boolean')),
  created_at timestamptz not null,
  primary key (workspace_id, id),
  unique (workspace_id, key)
);

create table contacts (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  -- value of the workspace's unique key (lower-cased email by default)
  key text not null,
  email text,
  phone text,
  first_name text,
  last_name text,
  language text,
  timezone text,
  birthday date,
  fields jsonb not null default '{}',
  email_status text not null default 'subscribed'
    check (email_status in ('subscribed', 'unsubscribed', 'bounced', 'complained')),
  sms_status text not null default 'none' check (sms_status in ('none', 'opted_in', 'opted_out')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id),
  unique (workspace_id, key)
);
create index contacts_email on contacts (workspace_id, lower(email));
create index contacts_created on contacts (workspace_id, created_at);

create table consent_history (
  workspace_id bigint not null,
  id bigint generated always as identity,
  contact_id bigint not null,
  channel text not null check (channel in ('email', 'sms')),
  status text not null,
  source text not null,
  ip text,
  occurred_at timestamptz not null,
  primary key (workspace_id, id),
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
create index consent_history_contact on consent_history (workspace_id, contact_id, id);

create table lists (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  description text not null default '',
  created_at timestamptz not null,
  primary key (workspace_id, id),
  unique (workspace_id, name)
);

create table list_members (
  workspace_id bigint not null,
  list_id bigint not null,
  contact_id bigint not null,
  joined_at timestamptz not null,
  source text not null check (source in ('api', 'import', 'form', 'manual', 'journey')),
  primary key (workspace_id, list_id, contact_id),
  foreign key (workspace_id, list_id) references lists on delete cascade,
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
create index list_members_contact on list_members (workspace_id, contact_id);

create table contact_tags (
  workspace_id bigint not null,
  contact_id bigint not null,
  tag text not null,
  created_at timestamptz not null,
  primary key (workspace_id, contact_id, tag),
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);
create index contact_tags_tag on contact_tags (workspace_id, tag);

-- The ordered log automation reads (C-3). Consumers read in (xid, id) order and only below
-- the oldest running transaction (pg_snapshot_xmin), so a row committed late by a slow
-- transaction is never skipped by a cursor that already moved past its id.
create table events (
  workspace_id bigint not null,
  id bigint generated always as identity,
  contact_id bigint,
  type text not null,
  data jsonb not null default '{}',
  occurred_at timestamptz not null,
  created_at timestamptz not null,
  xid xid8 not null default pg_current_xact_id(),
  primary key (workspace_id, id)
);
create index events_contact on events (workspace_id, contact_id, type, occurred_at);
create index events_type on events (workspace_id, type, occurred_at);
create index events_log on events (xid, id);

-- Due work that is not a hot path (fan-out, imports, scoring, webhooks, trigger matching).
create table jobs (
  id bigint generated always as identity primary key,
  workspace_id bigint references workspaces on delete cascade,
  kind text not null,
  payload jsonb not null default '{}',
  unique_key text,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  run_at timestamptz not null,
  attempts int not null default 0,
  max_attempts int not null default 10,
  locked_until timestamptz,
  last_error text,
  progress jsonb,
  result jsonb,
  created_at timestamptz not null,
  finished_at timestamptz
);
create index jobs_due on jobs (run_at) where status in ('queued', 'running');
create unique index jobs_unique on jobs (coalesce(workspace_id, 0), unique_key)
  where unique_key is not null and status in ('queued', 'running');

create table idempotency_keys (
  workspace_id bigint not null references workspaces on delete cascade,
  key text not null,
  method text not null,
  path text not null,
  request_hash text not null,
  status_code int,
  response text,
  created_at timestamptz not null,
  primary key (workspace_id, key)
);

-- Server-wide values created once: the signing secret in embedded mode.
create table instance_settings (
  name text primary key,
  value text not null
);
