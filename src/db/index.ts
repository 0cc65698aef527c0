export { sql, Sql } from './sql.ts';
export type { Db, Queryable, QueryResult } from './connect.ts';
export { connectPostgres, connectPglite, schemaUrl, commitHook, type PostgresOptions, type EmbeddedOptions } from './connect.ts';
export { DataDirInUse, describeOwner, readOwner, socketUrl, type Embedded, type Owner } from './embedded/index.ts';
export { retrying, isConnectionError } from './retry.ts';
export { migrate, appliedMigrations, pendingMigrations } from './migrate.ts';
export { backup, restore, rowCounts, RestoreRefused, BACKUP_FORMAT, type BackupSummary } from './backup.ts';
