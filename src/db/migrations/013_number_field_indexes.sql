-- Issue 4: a comparison on a number custom field (score > 90) read the JSON of every contact
-- of the workspace: 1M contacts, ~340 ms on two cores, whatever the share that matches. Each
-- number field now has an index of its own (src/contacts/field-index.ts): partial on its
-- workspace and on a value being there, over the value as this function reads it. Segments
-- compare the same expression, so the planner can use the index when the test is selective.
-- A value of another JSON type (bad data) reads as no value, as it always did.
create function parcours_number(j jsonb, k text) returns numeric language sql immutable parallel safe as $$
  select case when jsonb_typeof(j -> k) = 'number' then (j ->> k)::numeric end
$$;

-- the number fields that exist already (later ones are indexed by a job when created)
do $$
declare f record;
begin
  for f in select workspace_id, id, key from custom_fields where type = 'number' loop
    execute format('create index if not exists %I on contacts (parcours_number(fields, %L)) where workspace_id = %s and parcours_number(fields, %L) is not null',
                   'contacts_field_' || f.workspace_id || '_' || f.id, f.key, f.workspace_id, f.key);
  end loop;
end $$;
