import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { Sql } from './sql.ts';
import { isConnectionError, retrying } from './retry.ts';

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

/** The same server URL with `schema` first on the search path: for another process (a worker) on that schema. */
export function schemaUrl(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export interface PostgresOptions {
  schema?: string;
  max?: number;
  /** How long a statement waits for the server to come back (restart, failover) before failing; 20 s by default. */
  reconnectMs?: number;
}

/**
 * A pg Pool that survives the server going away (issue 9): idle and checked-out connections that
 * die never crash the process; a statement that cannot get a connection waits for the server
 * (up to `reconnectMs`), since nothing has run yet; a statement that was in flight fails and its
 * caller decides; LISTEN is re-established after a reconnect, and listeners are woken then, as
 * notifications sent meanwhile were lost.
 */
export async function connectPostgres(url: string, opts: PostgresOptions = {}): Promise<Db> {
  const reconnectMs = opts.reconnectMs ?? 20_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8 || oid === NUMERIC) return toNumber;
        if (oid === DATE) return asText;
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection the server closed (restart, idle timeout) is dropped; the next query opens another.
  pool.on('error', () => {});
  let closed = false;
  const connect = () => retrying(() => pool.connect(), { ms: closed ? 0 : reconnectMs });
  /** Runs `fn` on a checked-out connection; one that broke on the way is destroyed, not pooled. */
  const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    let broken: Error | undefined;
    // while checked out a client has no pool listener: a connection lost between two queries
    // would otherwise be an unhandled 'error' event, which ends the process
    const onError = (err: Error) => void (broken ??= err);
    client.on('error', onError);
    try {
      return await fn(client);
    } catch (err) {
      if (isConnectionError(err)) broken ??= err as Error;
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  };
  const run = async <T>(c: pg.PoolClient, q: Sql | string, params?: unknown[]) => {
    const { text, values } = toArgs(q, params);
    const r = await c.query(text, values);
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
  };

  const handlers = new Map<string, Set<(p: string) => void>>();
  let listener: pg.Client | undefined;
  let opening: Promise<pg.Client> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const openListener = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: url, keepAlive: true });
    c.on('error', () => {}); // followed by 'end', handled there
    c.on('notification', (n) => handlers.get(n.channel)?.forEach((h) => h(n.payload ?? '')));
    await c.connect();
    try {
      for (const channel of handlers.keys()) await c.query(`LISTEN "${channel.replace(/"/g, '')}"`);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    c.on('end', () => {
      if (listener !== c) return;
      listener = undefined;
      if (!closed) scheduleReconnect(250);
    });
    listener = c;
    return c;
  };
  const scheduleReconnect = (pause: number) => {
    if (closed || reconnectTimer) return;
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = undefined;
      if (closed || listener) return;
      try {
        opening = openListener();
        await opening;
      } catch {
        opening = undefined;
        scheduleReconnect(Math.min(5_000, pause * 2));
        return;
      }
      opening = undefined;
      // notifications sent while we were away are lost: wake everyone up once
      for (const set of handlers.values()) set.forEach((h) => h('reconnected'));
    }, pause);
    reconnectTimer.unref?.();
  };
  const listenerNow = async (): Promise<pg.Client | undefined> => {
    if (listener) return listener;
    if (opening) return opening.catch(() => undefined);
    opening = retrying(openListener, { ms: reconnectMs });
    try {
      return await opening;
    } finally {
      opening = undefined;
    }
  };

  return {
    kind: 'postgres',
    query: (q, params) => withClient((c) => run(c, q, params)),
    tx: (fn) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await fn({ query: (q, params) => run(client, q, params) });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw err;
        }
      }),
    async listen(channel, fn) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        const c = await listenerNow();
        // a listener opened just now already listens on every known channel
        if (c) await c.query(`LISTEN "${channel.replace(/"/g, '')}"`);
      } else await listenerNow();
      set.add(fn);
      return async () => {
        set.delete(fn);
      };
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

/**
 * A data directory PGlite has not initialised yet is initialised by a short-lived child
 * process: initdb runs in a WebAssembly instance of its own whose memory (~500 MB) this
 * process would keep for good (measured: 780 MB resident after a fresh start, 294 MB when
 * opening an initialised directory).
 */
function initDataDir(dataDir: string) {
  if (dataDir.includes('://') || existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  const script = `const { PGlite } = await import(process.argv[1]); const db = new PGlite(process.argv[2]); await db.waitReady; await db.close();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dataDir], { stdio: 'inherit' });
}

/**
 * The embedded database. Its buffer cache lives in this process (WebAssembly memory that never
 * shrinks): 32 MB by default instead of PostgreSQL's 128 MB. Measured on a 200,000-row CSV
 * import (bench/import.ts): peak RSS 482 → 372 MB, 3,801 → 3,675 rows/s; pages it does not
 * hold are read back from the operating system's file cache.
 */
export async function connectPglite(dataDir?: string, opts: { sharedBuffers?: string } = {}): Promise<Db> {
  if (dataDir) initDataDir(dataDir);
  const sharedBuffers = opts.sharedBuffers ?? '32MB';
  if (!/^[1-9][0-9]*(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`shared buffers: ${sharedBuffers} is not a size such as 32MB`);
  const lite = new PGlite(dataDir, {
    parsers: { [INT8]: toNumber, [NUMERIC]: toNumber, [DATE]: asText },
    postgresqlconf: [`shared_buffers = ${sharedBuffers}`],
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

