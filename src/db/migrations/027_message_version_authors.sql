-- Who wrote each version of a message (issue 16): with approval_requires_other_user, none of a
-- campaign's authors (of the campaign or of its messages) may approve it.
alter table message_versions add column created_by bigint;
