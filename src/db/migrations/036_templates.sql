-- Issue 19: a workspace's own templates ("save as template", M-7), beside the built-in gallery
-- (files in src/templates/builtin/). The content is a message's content, checked as a message's
-- is when saved; using a template copies it into a new message, so deleting one changes nothing sent.
create table message_templates (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  name text not null,
  channel text not null check (channel in ('email', 'sms')),
  content jsonb not null,
  created_at timestamptz not null,
  created_by bigint,
  primary key (workspace_id, id)
);
create index message_templates_by_workspace on message_templates (workspace_id, id desc);
