-- Issue 17 (C-2). The field separator an upload was read with (French-locale Excel writes
-- semicolons, "Unicode text" tabs): guessed from its header line or chosen at upload, and
-- read the same way by its import. The country national phone numbers are read in
-- (settings.contacts.default_country), fixed when the import starts so one file is read one way.
alter table import_uploads add column delimiter text not null default 'comma'
  check (delimiter in ('comma', 'semicolon', 'tab'));
alter table imports add column default_country text;
