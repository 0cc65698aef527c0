export { sql, Sql } from './sql.ts';
export type { Db, Queryable, QueryResult } from './connect.ts';
export { connectPostgres, connectPglite, wrapPglite, schemaUrl, type PostgresOptions } from './connect.ts';
export { retrying, isConnectionError } from './retry.ts';
export { migrate } from './migrate.ts';
