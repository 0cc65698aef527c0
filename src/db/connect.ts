import pg from 'pg';
import { AsyncLocalStorage } from 'node:async_hooks';
import { reachOwner, socketUrl, startEmbedded, type Embedded } from './embedded/index.ts';
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
  /** Where another pool of this process reaches the same database (the API's own pool). */
  readonly url: string;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Calls `fn` on every NOTIFY on `channel`; returns an unsubscribe function. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  /** The pool's connections now (for /metrics). */
  poolStats(): { total: number; idle: number; waiting: number };
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

/**
 * Work to do in every transaction that commits effects of the current request, inside it (an
 * Idempotency-Key's "applied" mark: src/http/idempotency.ts). Set for the duration of a
 * request's handler with `commitHook.run(fn, …)`. A statement outside a transaction that
 * writes runs in one with the hook too; reads do not trigger it.
 */
export const commitHook = new AsyncLocalStorage<(tx: Queryable) => Promise<void>>();
const READ_ONLY = /^\s*(select|show|explain|values)\b/i;

/** The same server URL with `schema` first on the search path: for another process (a worker) on that schema. */
export function schemaUrl(url: string, schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

export interface PostgresOptions {
  schema?: string;
  max?: number;
  /** How long a statement waits for the server to come back (restart, failover) before failing; 20 s by default. */
  reconnectMs?: number;
  /** application_name of the connections (the embedded database serves `parcours-http…` first). */
  appName?: string;
  /** Which server this is: the embedded one allows one transaction at a time. */
  kind?: Db['kind'];
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
    application_name: opts.appName,
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
    const c = new pg.Client({ connectionString: url, keepAlive: true, application_name: opts.appName });
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

  const tx = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const q: Queryable = { query: (text, params) => run(client, text, params) };
        const result = await fn(q);
        await commitHook.getStore()?.(q);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });

  return {
    kind: opts.kind ?? 'postgres',
    url: opts.schema ? schemaUrl(url, opts.schema) : url,
    query: (q, params) => {
      const hook = commitHook.getStore();
      if (hook && !READ_ONLY.test(toArgs(q, params).text)) return tx((t) => t.query(q, params));
      return withClient((c) => run(c, q, params));
    },
    tx: (fn) => tx(fn),
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
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}

export interface EmbeddedOptions {
  sharedBuffers?: string;
  /** Statements slower than this many ms are logged by the database process. */
  slowMs?: number;
  /** How often the database process analyzes and vacuums the tables that need it (ms; 30 s). */
  maintenanceMs?: number;
  /** The command this process runs, named in the lock so that others can say who holds the directory. */
  command?: string;
  /** Connections of this pool go before other clients' work (the API's pool). */
  appName?: string;
  max?: number;
}

/**
 * The embedded database (O-1): PGlite in a process of its own, reached over its Unix socket
 * through the same pool as a PostgreSQL server. With a data directory that a live process
 * already serves, this process becomes one more client of it when `join` is set (CLI commands),
 * and fails with DataDirInUse otherwise (a second `start`). Without a directory: in memory.
 *
 * Its buffer cache lives in its process (WebAssembly memory that never shrinks): 32 MB by
 * default instead of PostgreSQL's 128 MB. Measured on a 200,000-row CSV import
 * (bench/import.ts): peak RSS 482 → 372 MB, 3,801 → 3,675 rows/s.
 */
export async function connectPglite(dataDir?: string, opts: EmbeddedOptions & { join?: boolean } = {}): Promise<Db & { embedded?: Embedded }> {
  const sharedBuffers = opts.sharedBuffers ?? '32MB';
  if (!/^[1-9][0-9]*(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`shared buffers: ${sharedBuffers} is not a size such as 32MB`);
  const owner = dataDir && opts.join ? await reachOwner(dataDir) : null;
  const embedded = owner ? undefined : await startEmbedded({ dataDir, sharedBuffers, slowMs: opts.slowMs, maintenanceMs: opts.maintenanceMs, command: opts.command ?? 'parcours' });
  const socketDir = owner?.socketDir ?? embedded!.socketDir;
  const db = await connectPostgres(socketUrl(socketDir), { max: opts.max ?? 10, appName: opts.appName, kind: 'pglite' });
  return {
    ...db,
    embedded,
    async close() {
      await db.close();
      await embedded?.stop();
    },
  };
}
