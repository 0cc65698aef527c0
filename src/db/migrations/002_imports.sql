-- CSV import (C-2). The uploaded file is kept in the database in ~1 MB chunks, so whichever
-- worker process runs the import can read it; the chunks are deleted when the import ends.

create table import_uploads (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  filename text,
  -- 'receiving' while the body streams in; a crashed upload stays so and is swept later
  status text not null default 'receiving' check (status in ('receiving', 'ready', 'used')),
  size_bytes bigint not null default 0,
  columns text[] not null default '{}',
  row_count bigint not null default 0,
  preview jsonb not null default '[]',
  created_at timestamptz not null,
  primary key (workspace_id, id)
);
create index import_uploads_created on import_uploads (workspace_id, created_at);

create table import_upload_chunks (
  workspace_id bigint not null,
  upload_id bigint not null,
  seq int not null,
  -- offset of the chunk's first byte in the file: a resumed import seeks to its checkpoint
  start_byte bigint not null,
  data bytea not null,
  primary key (workspace_id, upload_id, seq),
  foreign key (workspace_id, upload_id) references import_uploads on delete cascade
);
-- chunks live minutes: not compressing them halves the time to store them
alter table import_upload_chunks alter column data set storage external;

create table imports (
  workspace_id bigint not null references workspaces on delete cascade,
  id bigint generated always as identity,
  upload_id bigint not null,
  job_id bigint,
  filename text,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  mapping jsonb not null,
  list_ids bigint[] not null default '{}',
  tags text[] not null default '{}',
  update_existing boolean not null default true,
  source text not null default 'import',
  total_bytes bigint not null,
  total_rows bigint not null,
  -- counters mirror the job checkpoint; both are written in each batch's transaction
  bytes_done bigint not null default 0,
  rows_done bigint not null default 0,
  created_count bigint not null default 0,
  updated_count bigint not null default 0,
  unchanged_count bigint not null default 0,
  skipped_count bigint not null default 0,
  error_count bigint not null default 0,
  error text,
  created_at timestamptz not null,
  started_at timestamptz,
  finished_at timestamptz,
  primary key (workspace_id, id),
  unique (workspace_id, upload_id),
  foreign key (workspace_id, upload_id) references import_uploads
);
create index imports_recent on imports (workspace_id, created_at);

-- One row per problem on a line; a line may have several (one per bad column).
create table import_errors (
  workspace_id bigint not null,
  import_id bigint not null,
  id bigint generated always as identity,
  line bigint not null,
  column_name text,
  reason text not null,
  primary key (workspace_id, import_id, id),
  foreign key (workspace_id, import_id) references imports on delete cascade
);
