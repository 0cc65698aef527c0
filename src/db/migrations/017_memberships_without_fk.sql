-- Issue 2: a foreign key check is a lookup and a row lock on the parent, with its WAL record,
-- per row written. An imported contact paid four (its workspace; its list twice over, the list
-- and the contact; its consent history's contact): 24 µs of the ~75 µs a batch statement
-- spends per new contact at 1M contacts (EXPLAIN ANALYZE, PostgreSQL 15), for rows whose parents
-- the same statement had just written or locked.
--
-- What the keys did is now done by the writers and by statement triggers:
-- - every writer of these rows locks the parents it names FOR KEY SHARE until its commit, as
--   the key check did, and writes rows only for the parents it found: joinLists, addTags and
--   the import's batch in the writing statement; createContact (its workspace) and the segment
--   action (its list) in an earlier statement of the same transaction. Consent history is
--   written only next to a write of its contact's row, which locks it. The demo writes a new
--   contact's memberships and tags in the statement that creates it, unseen before commit;
-- - deleting contacts, lists or workspaces removes what hung from them, in the same statement,
--   as the cascades did. At READ COMMITTED (the app's level) a delete waits for a writer holding
--   the key share lock and its trigger's statements then see what that writer committed (at
--   REPEATABLE READ it would fail with a serialization error instead); a writer that comes after
--   the delete no longer finds the parent. TRUNCATE fires no delete trigger: truncate these
--   tables together with their parents.
alter table contacts drop constraint contacts_workspace_id_fkey;
alter table list_members drop constraint list_members_workspace_id_list_id_fkey,
                         drop constraint list_members_workspace_id_contact_id_fkey;
alter table contact_tags drop constraint contact_tags_workspace_id_contact_id_fkey;
alter table consent_history drop constraint consent_history_workspace_id_contact_id_fkey;

-- Joins with the transition table, as 014 does: the planner knows its row count, and one
-- deleted contact (or 200,000) is an index probe per row on the (workspace_id, contact_id) indexes.
create function contacts_delete_dependents() returns trigger language plpgsql as $$
begin
  delete from list_members m using gone g where m.workspace_id = g.workspace_id and m.contact_id = g.id;
  delete from contact_tags t using gone g where t.workspace_id = g.workspace_id and t.contact_id = g.id;
  delete from consent_history h using gone g where h.workspace_id = g.workspace_id and h.contact_id = g.id;
  return null;
end $$;

create trigger contacts_delete_dependents after delete on contacts
  referencing old table as gone for each statement execute function contacts_delete_dependents();

create function lists_delete_members() returns trigger language plpgsql as $$
begin
  delete from list_members m using gone g where m.workspace_id = g.workspace_id and m.list_id = g.id;
  return null;
end $$;

create trigger lists_delete_members after delete on lists
  referencing old table as gone for each statement execute function lists_delete_members();

create function workspaces_delete_contacts() returns trigger language plpgsql as $$
begin
  delete from contacts where workspace_id in (select id from gone);
  return null;
end $$;

create trigger workspaces_delete_contacts after delete on workspaces
  referencing old table as gone for each statement execute function workspaces_delete_contacts();
