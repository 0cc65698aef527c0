import type { PGlite } from '@electric-sql/pglite';
import type { ProtocolMux } from './mux.ts';

/**
 * Autovacuum's job, done by the owner. PGlite is one backend with no background workers, so no
 * autovacuum launcher ever runs: without this the planner has no statistics (every estimate is
 * one row; measured during the demo: a segment refresh planned in 4.2 s that runs in 88 ms once
 * analyzed) and the dead rows of the queue tables (jobs, deliveries, enrollments) are never
 * reclaimed. Every `intervalMs` the owner reads the table statistics and analyzes or vacuums each
 * table past autovacuum's default thresholds (50 rows + 10 % changed since the last analyze,
 * 50 rows + 20 % dead), one table per unit, queued behind the clients' requests like any
 * background work.
 * Each unit holds every request (issue 15), so both are kept short on large tables:
 * - ANALYZE of a table past SAMPLE_ROWS rows samples SAMPLE_ROWS rows (statistics target 10)
 *   instead of 30,000: measured during a 1M-row import, the default's ANALYZE of events held the
 *   database 0.4–1.6 s and of contacts 0.3–1.0 s; 3,000 rows take 20–120 ms. The row count
 *   comes from the table's pages, not the sample, so estimates stay right; the histograms are coarser.
 * - VACUUM cannot be cut into parts: of a table past BIG_PAGES pages it waits for a quiet moment
 *   (no API request for QUIET_MS), for at most MAX_DEFER_MS; then it runs anyway.
 * Statistics do not survive a kill; a table never analyzed (reltuples -1) is analyzed at start.
 */
export const SAMPLE_ROWS = 3000;
export const BIG_PAGES = 2048; // 16 MB
export const QUIET_MS = 5000;
export const MAX_DEFER_MS = 5 * 60_000;

export interface Maintenance {
  /** One pass now (tests, and the first pass at start). */
  pass(): Promise<string[]>;
  stop(): void;
}

interface TableStats {
  schema: string;
  name: string;
  tuples: number;
  modified: number;
  dead: number;
  pages: number;
}

const STATS = `
  select n.nspname as schema, c.relname as name, c.reltuples::float8 as tuples,
         -- the size now: relpages is as of the last vacuum or analyze (0 before the first)
         (pg_relation_size(c.oid) / 8192)::float8 as pages,
         coalesce(s.n_mod_since_analyze, 0)::float8 as modified, coalesce(s.n_dead_tup, 0)::float8 as dead
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    left join pg_stat_all_tables s on s.relid = c.oid
   where c.relkind in ('r', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;

/** What a pass does to one table: analyze, vacuum (and analyze), or nothing. */
export function dueWork(t: TableStats): 'analyze' | 'vacuum' | null {
  const size = Math.max(t.tuples, 0);
  if (t.dead > 50 + 0.2 * size) return 'vacuum';
  if (t.modified > 50 + 0.1 * size || (t.tuples < 0 && t.pages > 0)) return 'analyze';
  return null;
}

/** Whether ANALYZE samples the table (past SAMPLE_ROWS rows; one never analyzed is sized by its pages). */
export const sampled = (t: Pick<TableStats, 'tuples' | 'pages'>) => Math.max(t.tuples, t.pages * 10) > SAMPLE_ROWS;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function startMaintenance(mux: ProtocolMux, lite: PGlite, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): Maintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<string[]> | undefined;
  /** Vacuums of big tables put off, by table: since when. */
  const deferred = new Map<string, number>();
  /** A statement of its own transaction: an error must not leave the session in it. */
  const exec = async (statement: string) => {
    try {
      await lite.exec(statement);
    } catch (err) {
      await lite.exec('rollback').catch(() => {});
      throw err;
    }
  };
  const pass = () =>
    (running ??= (async () => {
      const done: string[] = [];
      try {
        const tables = await mux.background(async () => {
          // a backend reports its own counters at most once a second: report them now
          await lite.query('select pg_stat_force_next_flush()');
          return (await lite.query<TableStats>(STATS)).rows;
        }, 'maintenance: table statistics');
        for (const t of tables) {
          const work = dueWork(t);
          if (!work) continue;
          const table = `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
          if (work === 'vacuum') {
            const since = deferred.get(table) ?? performance.now();
            if (t.pages > BIG_PAGES && mux.apiIdleMs() < QUIET_MS && performance.now() - since < MAX_DEFER_MS) {
              deferred.set(table, since);
              // its statistics meanwhile, if they are due too
              if (dueWork({ ...t, dead: 0 }) !== 'analyze') continue;
            } else {
              deferred.delete(table);
              await mux.background(() => lite.exec(`vacuum ${table}`), `maintenance: vacuum ${table}`);
              done.push(`vacuum ${table}`);
            }
          }
          // a sample of SAMPLE_ROWS: the target is per 300 rows; SET LOCAL keeps it to this statement's transaction
          const statement = sampled(t) ? `begin; set local default_statistics_target = ${SAMPLE_ROWS / 300}; analyze ${table}; commit` : `analyze ${table}`;
          await mux.background(() => exec(statement), `maintenance: analyze ${table}`);
          done.push(`analyze ${table}`);
        }
      } finally {
        running = undefined;
      }
      return done;
    })());
  const tick = () => {
    timer = setTimeout(() => pass().catch((err) => opts.onError?.(err)).finally(() => timer && tick()), opts.intervalMs ?? 30_000);
    timer.unref();
  };
  tick();
  return {
    pass,
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
