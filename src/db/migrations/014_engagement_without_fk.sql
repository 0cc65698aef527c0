-- Issue 4: the first engagement recomputation over 1M contacts spent ~10 s of ~43 s in the
-- foreign key of contact_engagement: a lookup and a row lock on the contact per level written.
-- Levels are written by recomputeEngagement alone, under an exclusive advisory lock per
-- workspace (72610003, workspace), and only for contacts it saw in its snapshot. Deleting
-- contacts now removes their levels (and, through 012's trigger, their history) in a statement
-- trigger that first takes the same lock shared: a delete that meets a running recomputation
-- waits for it to commit and then removes the levels it wrote; a recomputation that starts
-- after the delete waits for the delete and no longer sees the contacts. No level outlives its
-- contact either way.
alter table contact_engagement drop constraint contact_engagement_workspace_id_contact_id_fkey;

create function contacts_forget_engagement() returns trigger language plpgsql as $$
declare ws bigint;
begin
  for ws in select distinct workspace_id from gone order by 1 loop
    perform pg_advisory_xact_lock_shared(72610003, (ws % 2147483647)::int);
  end loop;
  delete from contact_engagement e using gone g where e.workspace_id = g.workspace_id and e.contact_id = g.id;
  return null;
end $$;

create trigger contacts_forget_engagement after delete on contacts
  referencing old table as gone for each statement execute function contacts_forget_engagement();
