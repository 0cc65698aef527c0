-- Issue 4: a first recomputation gives a million contacts their first level, every one of them
-- with 'everyone_else' as its previous level, and wrote each into this index: ~2.5 s of ~30.
-- "Previous level is most / somewhat / least" still reads it (an equality on another level
-- implies the predicate); "previous level is everyone else" reads the table.
drop index contact_engagement_previous;
create index contact_engagement_previous on contact_engagement (workspace_id, previous_level, contact_id)
  where previous_level <> 'everyone_else';
