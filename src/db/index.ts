export { sql, Sql } from './sql.ts';
export type { Db, Queryable, QueryResult } from './connect.ts';
export { connectPostgres, connectPglite, wrapPglite } from './connect.ts';
export { migrate } from './migrate.ts';
