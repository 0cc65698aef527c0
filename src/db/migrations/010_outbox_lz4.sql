-- The outbox stores ~15 KB of rendered HTML and text per message, compressed when TOASTed: the
-- default pglz took the PostgreSQL server more CPU than anything else in an outbox send (issue 3,
-- bench/send). lz4 compresses as well here for a fraction of the CPU. PGlite is built without lz4:
-- there the columns keep pglz. Rows written before keep theirs; both read back the same.
do $$
begin
  alter table outbox alter column html set compression lz4, alter column text set compression lz4;
exception when feature_not_supported then
  null;
end $$;
