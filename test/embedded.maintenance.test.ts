import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connectPglite, socketUrl, type Db } from '../src/db/index.ts';
import { BIG_PAGES, QUIET_MS, SAMPLE_ROWS } from '../src/db/embedded/maintenance.ts';

/**
 * PGlite runs no autovacuum (O-1, P-6): the embedded database's process analyzes and vacuums
 * the tables that need it, as autovacuum would, so that plans have statistics and queue tables
 * do not grow with dead rows.
 */
let db: Db & { embedded?: { socketDir: string } };
beforeAll(async () => {
  db = await connectPglite(undefined, { maintenanceMs: 100 });
});
afterAll(async () => db.close());

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || performance.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('embedded database maintenance', () => {
  it('analyzes a table after many rows change, and vacuums its dead rows', async () => {
    await db.query('create table m (id int primary key, v text)');
    await db.query("insert into m select g, 'x' from generate_series(1, 20000) g");
    const stats = () => db.query<{ tuples: number; vacuumed: boolean }>(`
      select c.reltuples::int as tuples, s.last_vacuum is not null as vacuumed
        from pg_class c left join pg_stat_user_tables s on s.relid = c.oid where c.relname = 'm'`).then((r) => r.rows[0]);
    // the planner's estimate comes from ANALYZE: -1 (never) without maintenance
    expect((await eventually(stats, (s) => s.tuples === 20000)).tuples).toBe(20000);
    await db.query('delete from m where id <= 15000');
    const after = await eventually(stats, (s) => s.vacuumed && s.tuples === 5000);
    expect(after).toEqual({ tuples: 5000, vacuumed: true });
    const plan = await db.query(`explain select * from m where id = 7`);
    expect(JSON.stringify(plan.rows)).toMatch(/Index Scan/);
  });
  it('analyzes a large table from a sample of 3,000 rows, so that no request waits for seconds (issue 15)', async () => {
    await db.query('create table big_sample (id int primary key, v int)');
    await db.query('insert into big_sample select g, g from generate_series(1, 100000) g');
    const stats = () => db.query<{ tuples: number; bounds: number | null }>(`
      select c.reltuples::int as tuples, (select array_length(histogram_bounds::text::int[], 1) from pg_stats where tablename = 'big_sample' and attname = 'v') as bounds
        from pg_class c where c.relname = 'big_sample'`).then((r) => r.rows[0]);
    const s = await eventually(stats, (v) => v.bounds !== null);
    // the default target (100) keeps 101 bounds from 30,000 rows; the sample's target keeps 11
    expect(s.bounds).toBe(SAMPLE_ROWS / 300 + 1);
    // the row count comes from the pages: right with any sample
    expect(Math.abs(s.tuples - 100000)).toBeLessThan(1000);
  });

  it('vacuums a large table at a quiet moment, not while the API is busy (issue 15)', async () => {
    // > BIG_PAGES pages: ~230 bytes a row, ~35 rows a page
    await db.query('create table big_vacuum (id int primary key, pad text)');
    await db.query(`insert into big_vacuum select g, repeat('x', 200) from generate_series(1, ${BIG_PAGES * 45}) g`);
    const pages = await db.query<{ pages: number }>(`select pg_relation_size('big_vacuum') / 8192 as pages`);
    expect(pages.rows[0].pages).toBeGreaterThan(BIG_PAGES);
    const vacuumed = () => db.query<{ v: boolean }>(`select last_vacuum is not null as v from pg_stat_user_tables where relname = 'big_vacuum'`).then((r) => r.rows[0].v);
    const api = new pg.Client({ connectionString: socketUrl(db.embedded!.socketDir), application_name: 'parcours-http' });
    await api.connect();
    try {
      await api.query('select 1');
      await db.query('delete from big_vacuum where id % 2 = 0');
      const busyUntil = performance.now() + 3000;
      while (performance.now() < busyUntil) {
        await api.query('select 1');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await vacuumed()).toBe(false);
    } finally {
      await api.end();
    }
    expect(await eventually(vacuumed, (v) => v, QUIET_MS + 10_000)).toBe(true);
  }, 30_000);
});
