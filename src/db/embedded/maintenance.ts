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
 * background work. ANALYZE samples at most 30,000 rows, so its unit stays short at any size
 * (310 ms on 157k events); VACUUM skips the pages already all-visible.
 * Statistics do not survive a kill; a table never analyzed (reltuples -1) is analyzed at start.
 */
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
  select n.nspname as schema, c.relname as name, c.reltuples::float8 as tuples, c.relpages as pages,
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

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function startMaintenance(mux: ProtocolMux, lite: PGlite, opts: { intervalMs?: number; onError?: (err: unknown) => void } = {}): Maintenance {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<string[]> | undefined;
  const pass = () =>
    (running ??= (async () => {
      const done: string[] = [];
      try {
        const tables = await mux.background(async () => {
          // a backend reports its own counters at most once a second: report them now
          await lite.query('select pg_stat_force_next_flush()');
          return (await lite.query<TableStats>(STATS)).rows;
        });
        for (const t of tables) {
          const work = dueWork(t);
          if (!work) continue;
          const statement = `${work === 'vacuum' ? 'vacuum (analyze)' : 'analyze'} ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
          await mux.background(() => lite.exec(statement));
          done.push(statement);
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
