-- Messages and delivery (M-1 … M-6, C-4, C-5): content versions, the deliveries queue,
-- the outbox transport's store, suppressions, domain throttling, signup forms.

create table sender_identities (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  from_name text not null,
  from_email text not null,
  reply_to text,
  created_at timestamptz not null,
  primary key (workspace_id, id)
);

create table dkim_keys (
  workspace_id bigint not null references workspaces on delete cascade,
  domain text not null,
  selector text not null,
  private_key text not null,
  created_at timestamptz not null,
  primary key (workspace_id, domain)
);

create table messages (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  channel text not null check (channel in ('email', 'sms')),
  version int not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id)
);

-- Every edit is a new version; a delivery names the version it renders, so content compiled
-- once per version can be cached, and a sent message can be shown exactly as it went out.
create table message_versions (
  workspace_id bigint not null,
  message_id bigint not null,
  version int not null,
  content jsonb not null,
  created_at timestamptz not null,
  primary key (workspace_id, message_id, version),
  foreign key (workspace_id, message_id) references messages on delete cascade
);

create table deliveries (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  -- 'campaign:{id}:contact:{id}', 'enrollment:{id}:step:{id}', …: one send per key, ever
  idempotency_key text not null,
  contact_id bigint,
  message_id bigint not null,
  message_version int not null,
  channel text not null check (channel in ('email', 'sms')),
  to_address text not null,
  -- receiving domain, for per-domain concurrency and back-off
  domain text,
  language text,
  source text not null check (source in ('campaign', 'journey', 'transactional', 'test', 'resend', 'system')),
  campaign_id bigint,
  journey_id bigint,
  enrollment_id bigint,
  step_id text,
  variant text,
  transactional boolean not null default false,
  data jsonb not null default '{}',
  options jsonb not null default '{}',
  send_at timestamptz not null,
  deadline timestamptz,
  status text not null default 'queued'
    check (status in ('queued', 'sending', 'sent', 'failed', 'bounced', 'suppressed', 'expired', 'skipped', 'in_doubt', 'cancelled')),
  attempts int not null default 0,
  last_error text,
  locked_until timestamptz,
  sent_at timestamptz,
  provider_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id),
  unique (workspace_id, idempotency_key)
);
-- The sender claims across workspaces: a global partial index of what is pending.
create index deliveries_due on deliveries (send_at) where status in ('queued', 'sending');
create index deliveries_contact on deliveries (workspace_id, contact_id, id);
create index deliveries_campaign on deliveries (workspace_id, campaign_id, status) where campaign_id is not null;
create index deliveries_enrollment on deliveries (workspace_id, enrollment_id) where enrollment_id is not null;

-- The embedded transport: messages stored instead of leaving the machine.
create table outbox (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  delivery_id bigint,
  channel text not null,
  to_address text not null,
  from_address text,
  subject text,
  html text,
  text text,
  headers jsonb not null default '{}',
  created_at timestamptz not null,
  primary key (workspace_id, id)
);
create index outbox_delivery on outbox (workspace_id, delivery_id);

-- Addresses that never get marketing email again, whether or not a contact holds them.
create table suppressions (
  workspace_id bigint not null references workspaces on delete cascade,
  address text not null,
  reason text not null check (reason in ('bounced', 'complained', 'unsubscribed', 'manual')),
  created_at timestamptz not null,
  primary key (workspace_id, address)
);

-- Consecutive soft bounces per contact: three in a row make the address bounced (M-3).
alter table contacts add column soft_bounces int not null default 0;

-- Shared by every worker: a receiving domain answering 421/450/451/454 is paused.
create table domain_backoff (
  domain text primary key,
  until timestamptz not null,
  level int not null default 0,
  last_error text
);

-- Signup forms and double opt-in (C-5).
alter table lists add column form_token text;
alter table lists add column double_opt_in boolean not null default false;
create unique index lists_form_token on lists (form_token);

create table signup_requests (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  list_id bigint not null,
  email text not null,
  values jsonb not null default '{}',
  ip text,
  created_at timestamptz not null,
  confirmed_at timestamptz,
  primary key (workspace_id, id),
  foreign key (workspace_id, list_id) references lists on delete cascade
);
create index deliveries_sending on deliveries (locked_until) where status = 'sending';
create index deliveries_queued_domain on deliveries (domain) where status = 'queued';
