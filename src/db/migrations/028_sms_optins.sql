-- SMS opt-in from a public page (issue 16): the number is proven by a code sent to it. A
-- pending opt-in keeps the code's hash, its expiry and the attempts made.
create table sms_optins (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  contact_id bigint not null,
  phone text not null,
  code_hash text not null,
  attempts int not null default 0,
  ip text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  confirmed_at timestamptz,
  primary key (workspace_id, id)
);
create index sms_optins_contact on sms_optins (workspace_id, contact_id, created_at);
