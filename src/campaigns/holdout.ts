import { sql, type Queryable } from '../db/index.ts';

export interface Proportion {
  n: number;
  converted: number;
}

/**
 * Recipients against the hold-out (K-3): each rate, the difference, the relative lift and a 95 %
 * Wald interval for the difference of two independent proportions. `significant` when the
 * interval excludes zero. Null figures where a group is empty.
 */
export function compareProportions(recipients: Proportion, control: Proportion) {
  const rate = (p: Proportion) => (p.n > 0 ? p.converted / p.n : null);
  const p1 = rate(recipients);
  const p2 = rate(control);
  if (p1 === null || p2 === null) return { recipients_rate: p1, control_rate: p2, difference: null, lift: null, ci95: null, significant: false };
  const difference = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / recipients.n + (p2 * (1 - p2)) / control.n);
  const ci95: [number, number] = [difference - 1.96 * se, difference + 1.96 * se];
  return {
    recipients_rate: p1,
    control_rate: p2,
    difference,
    lift: p2 > 0 ? difference / p2 : null,
    ci95,
    significant: ci95[0] > 0 || ci95[1] < 0,
  };
}

/**
 * The hold-out comparison of a campaign: who did `event` within `days` of the start, among the
 * contacts the campaign was sent to and among the control group. Opens are not comparable (the
 * control group got nothing to open); for message events only other messages count, so
 * `message.clicked` means clicks on later messages.
 */
export async function holdoutComparison(q: Queryable, ws: number, campaignId: number, startedAt: Date | null, event: string, days: number, now: Date) {
  if (!startedAt) return null;
  const end = new Date(startedAt.getTime() + days * 86_400_000);
  const others = event.startsWith('message.') ? sql`and coalesce(ev.campaign_id, '') <> ${String(campaignId)}` : sql``;
  const { rows } = await q.query<{ grp: string; n: number; converted: number }>(sql`
    with grp as (
      select contact_id, 'recipients' as grp from deliveries
       where workspace_id = ${ws} and campaign_id = ${campaignId} and source = 'campaign' and status in ('sent', 'bounced')
      union all
      select contact_id, 'control' from campaign_holdouts where workspace_id = ${ws} and campaign_id = ${campaignId}
    )
    select grp, count(*)::int as n,
           count(*) filter (where exists (
             select 1 from events ev where ev.workspace_id = ${ws} and ev.contact_id = grp.contact_id and ev.type = ${event}
                and ev.occurred_at >= ${startedAt} and ev.occurred_at < ${end} ${others}))::int as converted
      from grp group by grp`);
  const of = (g: string): Proportion => ({ n: rows.find((r) => r.grp === g)?.n ?? 0, converted: rows.find((r) => r.grp === g)?.converted ?? 0 });
  const recipients = of('recipients');
  const control = of('control');
  return { event, days, from: startedAt, to: end, complete: now.getTime() >= end.getTime(), recipients, control, ...compareProportions(recipients, control) };
}
