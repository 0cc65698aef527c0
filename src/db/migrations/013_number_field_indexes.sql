-- Issue 4: a comparison on a number custom field (score > 90) read the JSON of every contact
-- of the workspace: 1M contacts, ~340 ms on two cores, whatever the share that matches. Each
-- number field now has an index of its own (src/contacts/field-index.ts): partial on its
-- workspace and on a value being there, over the value as this function reads it. Segments
-- compare the same expression, so the planner can use the index when the test is selective.
-- A value of another JSON type (bad data) reads as no value, as it always did.
create function parcours_number(j jsonb, k text) returns numeric language sql immutable parallel safe as $$
  select case when jsonb_typeof(j -> k) = 'number' then (j ->> k)::numeric end
$$;

-- the number fields that exist already: the job that indexes a new field (FIELD_INDEX_JOB in
-- src/contacts/field-index.ts, where the index is defined) is queued once per workspace
insert into jobs (workspace_id, kind, unique_key, run_at, created_at)
select distinct workspace_id, 'contacts.field_indexes', 'field-index:migration-013', now(), now()
  from custom_fields where type = 'number';
