import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { Sql } from './sql.ts';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** Anything that runs a query: the database or an open transaction. */
export interface Queryable {
  query<T = Record<string, unknown>>(q: Sql | string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `fn` on every NOTIFY on `channel`; returns an unsubscribe function. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

// Same JS shapes on both drivers: int8 and numeric as numbers, date as 'YYYY-MM-DD' text.
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const toNumber = (v: string) => (v === null ? null : Number(v));
const asText = (v: string) => v;

function toArgs(q: Sql | string, params?: unknown[]): { text: string; values: unknown[] } {
  if (typeof q === 'string') return { text: q, values: params ?? [] };
  return q.toQuery();
}

export async function connectPostgres(url: string, opts: { schema?: string; max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8 || oid === NUMERIC) return toNumber;
        if (oid === DATE) return asText;
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // A dropped connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const run = async <T>(c: pg.Pool | pg.PoolClient, q: Sql | string, params?: unknown[]) => {
    const { text, values } = toArgs(q, params);
    const r = await c.query(text, values);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Set<(p: string) => void>>();
  return {
    kind: 'postgres',
    query: (q, params) => run(pool, q, params),
    async tx(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (q, params) => run(client, q, params) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async listen(channel, fn) {
      if (!listener) {
        listener = new pg.Client({ connectionString: url });
        listener.on('error', () => {});
        await listener.connect();
        listener.on('notification', (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? '')));
      }
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await listener.query(`LISTEN "${channel.replace(/"/g, '')}"`);
      }
      set.add(fn);
      return async () => {
        set.delete(fn);
      };
    },
    async close() {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

export async function connectPglite(dataDir?: string): Promise<Db> {
  const lite = new PGlite(dataDir, {
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: asText },
  });
  await lite.waitReady;
  return wrapPglite(lite);
}

export function wrapPglite(lite: PGlite): Db {
  const run = async <T>(c: Pick<PGlite, 'query' | 'exec'>, q: Sql | string, params?: unknown[]) => {
    const { text, values } = toArgs(q, params);
    if (values.length === 0) {
      // simple protocol: allows several statements (migrations); the last result is returned
      const all = await c.exec(text);
      const last = all[all.length - 1];
      return { rows: (last?.rows ?? []) as T[], rowCount: last?.affectedRows ?? last?.rows.length ?? 0 };
    }
    const r = await c.query<T>(text, values);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    kind: 'pglite',
    query: (q, params) => run(lite, q, params),
    tx: (fn) => lite.transaction((t) => fn({ query: (q, params) => run(t, q, params) })),
    async listen(channel, fn) {
      const unsub = await lite.listen(channel, fn);
      return async () => unsub();
    },
    close: () => lite.close(),
  };
}

