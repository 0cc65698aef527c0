-- Joining a workspace takes the invitee's own step (issue 16): an admin invites an address with
-- a role; the person behind it accepts with the link mailed to it (with their password, or a
-- new one for a new account). Only the token's hash is kept.
create table invitations (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  email text not null,
  role text not null,
  token_hash text not null unique,
  invited_by text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id bigint,
  revoked_at timestamptz,
  primary key (workspace_id, id)
);
create index invitations_pending on invitations (workspace_id) where accepted_at is null and revoked_at is null;
