import { sql, type Sql } from '../db/index.ts';

const HOUR = 3_600_000;

/**
 * The interval between two paced messages as the exact fraction num / den milliseconds, with
 * paceSchedule's semantics (M-5): per_hour N gives an hour / N; spread_over D gives D / count;
 * with both the slower wins. Message i then leaves at start + floor(i × num / den).
 */
export function paceInterval(o: { perHour?: number | null; spreadOverMs?: number | null; count: number }): { num: number; den: number } {
  let num = 0;
  let den = 1;
  if (o.perHour != null) [num, den] = [HOUR, o.perHour];
  if (o.spreadOverMs && o.count > 0 && o.spreadOverMs * den > num * o.count) [num, den] = [o.spreadOverMs, o.count];
  return { num, den };
}

/** send_at of row `i` (0-based, over the whole phase) in SQL: exact integer milliseconds. */
export function pacedSendAt(start: Date, pace: { num: number; den: number }, i: Sql): Sql {
  if (pace.num === 0) return sql`${start}::timestamptz`;
  return sql`(${start}::timestamptz + floor(${i}::numeric * ${pace.num}::numeric / ${pace.den}::numeric) * interval '1 millisecond')`;
}

/**
 * Optimized send time (K-4), one expression per contact: the hour of day at which the contact
 * opened most over the 90 days before `start` (ties: the most recent), in the contact's zone
 * when PostgreSQL knows it, else the workspace's; `defaultHour` without history. The send is
 * the next time that hour begins, within 24 hours of the start; in the current hour, at once.
 * `g` must carry `id` and `zone`.
 */
export function optimizedSendAt(workspaceId: number, start: Date, defaultHour: number): Sql {
  const hour = sql`coalesce((
      select extract(hour from ev.occurred_at at time zone g.zone)::int
        from events ev
       where ev.workspace_id = ${workspaceId} and ev.contact_id = g.id and ev.type = 'message.opened'
         and ev.occurred_at >= ${start}::timestamptz - interval '90 days' and ev.occurred_at < ${start}::timestamptz
       group by 1 order by count(*) desc, max(ev.occurred_at) desc limit 1), ${defaultHour}::int)`;
  const local = sql`(${start}::timestamptz at time zone g.zone)`;
  return sql`greatest(${start}::timestamptz,
    (date_trunc('hour', ${local}) + make_interval(hours => ((${hour} - extract(hour from ${local})::int + 24) % 24))) at time zone g.zone)`;
}
