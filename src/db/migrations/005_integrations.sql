-- Integrations (P-4): ecommerce connections posting signed webhooks in, Segment-style identities,
-- and outbound webhook subscriptions fed from the events log.

-- A shop (Shopify, WooCommerce) or any system posting the generic JSON shape. The secret signs
-- what it sends, so it is kept as is (an HMAC needs the key itself, not a hash of it).
create table integration_connections (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  kind text not null check (kind in ('shopify', 'woocommerce', 'generic')),
  name text not null,
  secret text not null,
  created_at timestamptz not null,
  last_received_at timestamptz,
  primary key (workspace_id, id)
);
-- the public webhook URL names the connection alone; its signature says which workspace it is
create unique index integration_connections_id on integration_connections (id);

-- What was already recorded from a platform (an order, a refund, a checkout state, a Segment
-- messageId): a redelivered webhook finds its key here and records nothing twice.
create table integration_receipts (
  workspace_id bigint not null references workspaces on delete cascade,
  key text not null,
  created_at timestamptz not null,
  primary key (workspace_id, key)
);

-- Segment userId / anonymousId → contact, learnt from identify calls and tracked emails.
create table integration_identities (
  workspace_id bigint not null,
  external_id text not null,
  contact_id bigint not null,
  created_at timestamptz not null,
  primary key (workspace_id, external_id),
  foreign key (workspace_id, contact_id) references contacts on delete cascade
);

-- A refund names only its order: the purchase event of that order names the contact.
create index events_purchase_order on events (workspace_id, (data ->> 'order_id')) where type = 'purchase';

create table webhook_subscriptions (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  url text not null,
  -- exact types, 'prefix.*' or '*'
  event_types text[] not null,
  secret text not null,
  description text not null default '',
  enabled boolean not null default true,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (workspace_id, id)
);
create index webhook_subscriptions_enabled on webhook_subscriptions (workspace_id) where enabled;

-- One row per (subscription, event), created in the transaction that moves the log cursor.
-- 'sending' rows carry their lease in next_attempt_at: a dead worker's row falls due again.
create table webhook_deliveries (
  workspace_id bigint not null,
  id bigint generated always as identity,
  subscription_id bigint not null,
  event_id bigint not null,
  event_type text not null,
  status text not null default 'queued' check (status in ('queued', 'sending', 'delivered', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null,
  -- retried with backoff until then (24 hours after the event), then failed
  give_up_at timestamptz not null,
  last_status int,
  last_error text,
  created_at timestamptz not null,
  delivered_at timestamptz,
  primary key (workspace_id, id),
  unique (workspace_id, subscription_id, event_id),
  foreign key (workspace_id, subscription_id) references webhook_subscriptions on delete cascade
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status in ('queued', 'sending');
create index webhook_deliveries_subscription on webhook_deliveries (workspace_id, subscription_id, id);

create table webhook_attempts (
  workspace_id bigint not null,
  delivery_id bigint not null,
  attempt int not null,
  attempted_at timestamptz not null,
  status_code int,
  error text,
  duration_ms int,
  primary key (workspace_id, delivery_id, attempt),
  foreign key (workspace_id, delivery_id) references webhook_deliveries on delete cascade
);

-- Where the webhook consumer stands in the events log (see readLog: commit-safe order).
create table webhook_log_cursor (
  name text primary key,
  xid xid8 not null,
  event_id bigint not null
);
insert into webhook_log_cursor (name, xid, event_id) values ('webhooks', '0', 0);
