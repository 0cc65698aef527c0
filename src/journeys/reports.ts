import { sql, type Queryable } from '../db/index.ts';
import { attributedRevenue } from '../integrations/index.ts';

/**
 * J-21: entered, in progress, completed, exited by reason; per step the messages' fate and
 * engagement; per branch the contacts taken; per day over time. Read-side queries only.
 */
export async function journeyReport(q: Queryable, workspaceId: number, journeyId: number) {
  const [status, steps, deliveries, engagement, openers, daily, waiting] = await Promise.all([
    q.query<{ status: string; exit_reason: string | null; n: number }>(sql`
      select status, exit_reason, count(*)::int as n from enrollments where workspace_id = ${workspaceId} and journey_id = ${journeyId} group by 1, 2`),
    q.query<{ step_id: string; branch_id: string | null; outcome: string; n: number }>(sql`
      select step_id, branch_id, outcome, count(*)::int as n from enrollment_steps
       where workspace_id = ${workspaceId} and journey_id = ${journeyId} group by 1, 2, 3`),
    q.query<{ step_id: string; status: string; n: number }>(sql`
      select step_id, status, count(*)::int as n from deliveries
       where workspace_id = ${workspaceId} and journey_id = ${journeyId} and source = 'journey' group by 1, 2`),
    q.query<{ step_id: string; type: string; total: number; contacts: number }>(sql`
      select step_id, type, count(*)::int as total, count(distinct contact_id)::int as contacts from events
       where workspace_id = ${workspaceId} and type in ('message.opened', 'message.clicked', 'message.bounced', 'message.unsubscribed', 'message.complained')
         and journey_id = ${String(journeyId)} group by 1, 2`),
    // J-21: a click counts as an open (as in the criteria language): images off still read the mail
    q.query<{ step_id: string; contacts: number; click_only: number }>(sql`
      select step_id, count(*)::int as contacts, count(*) filter (where not opened)::int as click_only
        from (select step_id, contact_id, bool_or(type = 'message.opened') as opened from events
               where workspace_id = ${workspaceId} and type in ('message.opened', 'message.clicked') and journey_id = ${String(journeyId)}
               group by 1, 2) o
       group by 1`),
    q.query<{ day: string; entered: number; finished: number }>(sql`
      select d::date::text as day,
             (select count(*) from enrollments e where e.workspace_id = ${workspaceId} and e.journey_id = ${journeyId} and e.entered_at::date = d::date)::int as entered,
             (select count(*) from enrollments e where e.workspace_id = ${workspaceId} and e.journey_id = ${journeyId} and e.finished_at::date = d::date)::int as finished
        from generate_series((select min(entered_at)::date from enrollments where workspace_id = ${workspaceId} and journey_id = ${journeyId}),
                             (select greatest(max(entered_at), max(finished_at))::date from enrollments where workspace_id = ${workspaceId} and journey_id = ${journeyId}),
                             interval '1 day') d`),
    // contacts in progress, at the step they wait at (a step is recorded in enrollment_steps when it is done)
    q.query<{ step_id: string; n: number }>(sql`
      select step_id, count(*)::int as n from enrollments
       where workspace_id = ${workspaceId} and journey_id = ${journeyId} and status = 'active' and step_id is not null group by 1`),
  ]);
  const totals = { entered: 0, in_progress: 0, completed: 0, exited: 0, exited_by_reason: {} as Record<string, number> };
  for (const r of status.rows) {
    totals.entered += r.n;
    if (r.status === 'active') totals.in_progress += r.n;
    if (r.status === 'completed') totals.completed += r.n;
    if (r.status === 'exited') {
      totals.exited += r.n;
      totals.exited_by_reason[r.exit_reason ?? 'unknown'] = (totals.exited_by_reason[r.exit_reason ?? 'unknown'] ?? 0) + r.n;
    }
  }
  const per: Record<string, any> = {};
  const at = (id: string) => (per[id] ??= { reached: 0, waiting: 0, skipped: 0, branches: {}, sent: 0, queued: 0, suppressed: 0, failed: 0, bounced: 0, opened: 0, opened_total: 0, clicked: 0, clicked_total: 0, unsubscribed: 0, complained: 0 });
  for (const r of steps.rows) {
    const s = at(r.step_id);
    if (r.outcome === 'skipped') s.skipped += r.n;
    else s.reached += r.n;
    if (r.branch_id) s.branches[r.branch_id] = (s.branches[r.branch_id] ?? 0) + r.n;
  }
  // a contact waiting at a step has reached it: `reached` counts those done and those waiting there,
  // so the steps' `waiting` add up to the journey's `in_progress` (issue 19)
  for (const r of waiting.rows) {
    const s = at(r.step_id);
    s.waiting += r.n;
    s.reached += r.n;
  }
  for (const r of deliveries.rows) {
    const s = at(r.step_id);
    if (r.status in s) s[r.status] += r.n;
    if (r.status === 'bounced') s.sent += r.n; // a bounced message was sent first
  }
  for (const r of engagement.rows) {
    if (!r.step_id) continue;
    const s = at(r.step_id);
    const kind = r.type.slice('message.'.length);
    if (kind === 'opened' || kind === 'clicked') {
      s[kind] = r.contacts;
      s[`${kind}_total`] = r.total;
    } else s[kind] = r.contacts;
  }
  for (const r of openers.rows) {
    if (!r.step_id) continue;
    const s = at(r.step_id);
    s.opened = r.contacts;
    s.opened_total += r.click_only; // a click-only contact opened at least once
  }
  for (const s of Object.values(per)) s.delivered = Math.max(0, s.sent - s.bounced);
  // J-21: purchases within 7 days of a click on one of the journey's messages
  const revenue = await attributedRevenue(q, workspaceId, { journeyId, windowDays: 7 });
  return { ...totals, steps: per, daily: daily.rows, revenue };
}
