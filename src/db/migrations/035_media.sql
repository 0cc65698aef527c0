-- Issue 19: images for emails, uploaded from the visual editor or the API and kept in the
-- database (bytea), so every process serves them, on PostgreSQL and on the embedded database.
-- Served publicly at PUBLIC_URL/media/<token>/<filename>: the token is random (unguessable) and
-- unique across workspaces; the files of a workspace are listed and deleted by that workspace only.
create table media (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  token text not null unique,
  filename text not null,
  content_type text not null check (content_type in ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
  size integer not null,
  sha256 text not null,
  data bytea not null,
  created_at timestamptz not null,
  created_by bigint,
  primary key (workspace_id, id)
);
create index media_by_workspace on media (workspace_id, id desc);
