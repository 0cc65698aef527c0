import { sql, type Queryable } from '../db/index.ts';

export interface AttributedRevenue {
  /** Sum of the attributed orders' totals; add currencies apart with `by_currency` when there are several. */
  revenue: number;
  orders: number;
  by_currency: Record<string, { revenue: number; orders: number }>;
}

/**
 * Revenue attributed to a journey's or a campaign's messages (J-21, K reports): the purchases a
 * contact made within `windowDays` after clicking one of its messages. A purchase follows
 * several clicks but counts once, and an order recorded twice (same order_id) counts once.
 * Without journeyId or campaignId, clicks on any message count.
 */
export async function attributedRevenue(
  q: Queryable,
  workspaceId: number,
  opts: { journeyId?: number; campaignId?: number; windowDays?: number },
): Promise<AttributedRevenue> {
  const days = opts.windowDays ?? 7;
  // start from the clicks (few) and look up each clicker's purchases in the window
  const { rows } = await q.query<{ currency: string; revenue: number; orders: number }>(sql`
    with clicks as (
      select contact_id, occurred_at from events
       where workspace_id = ${workspaceId} and type = 'message.clicked' and contact_id is not null
         ${opts.journeyId !== undefined ? sql`and journey_id = ${String(opts.journeyId)}` : sql``}
         ${opts.campaignId !== undefined ? sql`and campaign_id = ${String(opts.campaignId)}` : sql``}
    ),
    attributed as (
      select distinct on (p.contact_id, coalesce(p.data ->> 'order_id', 'event:' || p.id))
             coalesce(p.data ->> 'currency', '') as currency,
             case when jsonb_typeof(p.data -> 'total') = 'number' then (p.data ->> 'total')::numeric else 0 end as total
        from clicks c
        join events p on p.workspace_id = ${workspaceId} and p.contact_id = c.contact_id and p.type = 'purchase'
                     and p.occurred_at >= c.occurred_at and p.occurred_at < c.occurred_at + make_interval(days => ${days}::int)
    )
    select currency, sum(total) as revenue, count(*)::int as orders from attributed group by currency order by currency`);
  const byCurrency: AttributedRevenue['by_currency'] = {};
  for (const r of rows) byCurrency[r.currency || 'unknown'] = { revenue: Number(r.revenue), orders: r.orders };
  return {
    revenue: Math.round(rows.reduce((s, r) => s + Number(r.revenue), 0) * 100) / 100,
    orders: rows.reduce((s, r) => s + r.orders, 0),
    by_currency: byCurrency,
  };
}
