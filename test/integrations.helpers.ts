import type { TestApp } from './helpers.ts';

const visible = async (t: TestApp) =>
  (await t.db.query<{ ok: boolean }>(`
    select coalesce((select xid < pg_snapshot_xmin(pg_current_snapshot()) from events order by xid desc, id desc limit 1), true) as ok`)).rows[0].ok;

/**
 * `drain()`, run only once every event logged so far is visible to the log consumers, until
 * nothing is left. readLog reads below the oldest transaction running anywhere on the
 * PostgreSQL server, so another test run sharing the server can hold consumers back for a
 * moment: wait for it (real time) rather than assert on a drain that could not see the events.
 */
export async function settle(t: TestApp, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let total = 0;
  for (;;) {
    while (!(await visible(t)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const n = await t.app.drain();
    total += n;
    if (n === 0 || Date.now() > deadline) return total;
  }
}
