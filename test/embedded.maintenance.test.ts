import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPglite, type Db } from '../src/db/index.ts';

/**
 * PGlite runs no autovacuum (O-1, P-6): the embedded database's process analyzes and vacuums
 * the tables that need it, as autovacuum would, so that plans have statistics and queue tables
 * do not grow with dead rows.
 */
let db: Db;
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
});
