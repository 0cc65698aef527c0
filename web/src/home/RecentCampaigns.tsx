import { useQueries } from '@tanstack/react-query';
import { ApiError, get } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Empty, Loading, Status, count } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';

/** How many campaigns the home page shows; each one costs a report request (in parallel). */
export const RECENT = 5;
/** Campaigns that have results: the others have sent nothing yet. */
const STARTED = new Set(['sending', 'paused', 'sent', 'cancelled']);

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

/** The most recent campaigns with their results (K-8): one report request per started campaign, at most RECENT. */
export function RecentCampaigns() {
  const q = useGet<{ data: any[] }>(`/api/v1/campaigns?limit=${RECENT}`, { refetchInterval: 10_000 });
  const rows = q.data?.data ?? [];
  const reports = useQueries({
    queries: rows.map((c) => {
      const path = `/api/v1/campaigns/${c.id}/report`;
      return {
        queryKey: [path],
        queryFn: () => get<any>(path),
        enabled: STARTED.has(c.status) || !!c.started_at,
        refetchInterval: c.status === 'sending' ? 10_000 : (false as const),
      };
    }),
  });
  if (q.error instanceof ApiError && q.error.status === 404) return <Empty title="Campaigns are coming">One-off sends will be listed here with their results.</Empty>;
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  if (rows.length === 0) return <Empty title="No campaign yet"><Link to="/campaigns">Create a campaign</Link> to send a message to lists or segments.</Empty>;
  return (
    <table className="table" data-testid="recent-campaigns">
      <thead>
        <tr>
          <th>Campaign</th><th className="num">Sent</th><th className="num" title="Delivered / bounced">Delivered / bounced</th>
          <th className="num" title="Contacts who opened, of those delivered">Open rate</th><th className="num" title="Contacts who clicked, of those delivered">Click rate</th><th className="num">Unsub.</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((c, i) => <Row key={c.id} c={c} r={reports[i]} />)}
      </tbody>
    </table>
  );
}

function Row({ c, r }: { c: any; r: { data?: any; isLoading: boolean; error: Error | null; fetchStatus: string } }) {
  const t = r.data?.totals;
  const rates = r.data?.rates;
  const name = (
    <td>
      <Link to={`/campaigns/${c.id}`}>{c.name}</Link> <Status value={c.status} />
    </td>
  );
  if (!t) {
    const note = r.error ? 'results unavailable' : r.fetchStatus === 'idle' ? 'not sent yet' : 'loading…';
    return <tr data-campaign={c.id}>{name}<td className="muted small" colSpan={5}>{note}</td></tr>;
  }
  return (
    <tr data-campaign={c.id}>
      {name}
      <td className="num" data-metric="sent">{count(t.sent)}</td>
      <td className="num" data-metric="delivered">{count(t.delivered)} / <span className={t.bounced ? 'bad-text' : undefined}>{count(t.bounced)}</span></td>
      <td className="num" data-metric="open_rate">{pct(rates?.open_rate)}</td>
      <td className="num" data-metric="click_rate">{pct(rates?.click_rate)}</td>
      <td className="num" data-metric="unsubscribed">{count(t.unsubscribed)}</td>
    </tr>
  );
}
