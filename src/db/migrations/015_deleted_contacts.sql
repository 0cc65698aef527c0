-- Issue 4: events outlive their contact (the log is history), so a count over an activity set
-- ("opened campaign X in the last 30 days") joined the workspace's contacts back to drop the
-- deleted ones: 1M contacts scanned and hashed against 200k ids, ~300 ms. A contact deleted is
-- remembered here instead, in the deleting transaction, so such a count is the distinct ids of
-- the matching events minus the few deleted ones. An event written for a contact while it is
-- being deleted is covered too: the id is remembered whichever commits first.
create table deleted_contacts (
  workspace_id bigint not null,
  contact_id bigint not null,
  primary key (workspace_id, contact_id)
);

-- the contacts deleted before now that the log still names
insert into deleted_contacts (workspace_id, contact_id)
select distinct e.workspace_id, e.contact_id from events e
 where e.contact_id is not null
   and not exists (select 1 from contacts c where c.workspace_id = e.workspace_id and c.id = e.contact_id);

create function contacts_remember_deleted() returns trigger language plpgsql as $$
begin
  insert into deleted_contacts (workspace_id, contact_id) select workspace_id, id from gone on conflict do nothing;
  return null;
end $$;

create trigger contacts_remember_deleted after delete on contacts
  referencing old table as gone for each statement execute function contacts_remember_deleted();
