import { sql, type Queryable } from '../db/index.ts';

/** Enrollments whose next step is due now, and the oldest due time (for /metrics). */
export async function enrollmentBacklog(q: Queryable, now: Date): Promise<{ due: number; oldest: Date | null }> {
  const { rows } = await q.query<{ due: number; oldest: Date | null }>(sql`
    select count(*)::int as due, min(next_run_at) as oldest from enrollments where status = 'active' and next_run_at <= ${now}`);
  return rows[0];
}
