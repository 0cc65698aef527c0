-- Issue 4: a first engagement recomputation over 1M contacts spent 6.4 s of ~33 s checking the
-- foreign key of engagement_history: one lookup and one row lock per history row written.
-- History rows only ever go with their contact's engagement row (a deleted contact cascades to
-- contact_engagement): a statement trigger removes them then, in the deleting statement's
-- transaction, so nothing is checked row by row when levels are written.
alter table engagement_history drop constraint engagement_history_workspace_id_contact_id_fkey;

create function engagement_history_forget() returns trigger language plpgsql as $$
begin
  delete from engagement_history h using gone g where h.workspace_id = g.workspace_id and h.contact_id = g.contact_id;
  return null;
end $$;

create trigger contact_engagement_forget after delete on contact_engagement
  referencing old table as gone for each statement execute function engagement_history_forget();
