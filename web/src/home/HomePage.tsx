import { ApiError } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';
import { Card, Empty, Loading, PageHeader, Stat, Status, formatDate } from '../ui/bits.tsx';
import { RecentCampaigns } from './RecentCampaigns.tsx';

/** GET that treats 404 as "this part of the API is not there (yet)". */
function useOptional<T>(path: string) {
  const q = useGet<T>(path);
  const missing = q.error instanceof ApiError && q.error.status === 404;
  return { ...q, missing };
}

function Approvals() {
  const q = useOptional<{ data: any[] }>('/api/v1/approvals/pending');
  if (q.missing) return <Empty title="No approval workflow yet">Campaign approvals will be listed here once campaigns need them.</Empty>;
  if (q.isLoading) return <Loading />;
  const rows = q.data?.data ?? [];
  if (rows.length === 0) return <Empty title="Nothing waits for approval">Campaigns sent for approval appear here.</Empty>;
  return (
    <ul className="plain">
      {rows.map((a: any) => (
        <li key={a.id ?? a.campaign_id}>
          <Link to={`/campaigns/${a.campaign_id ?? a.id}`}>{a.name ?? a.campaign_name ?? `Campaign ${a.campaign_id ?? a.id}`}</Link>{' '}
          <span className="muted small">{a.recipients ?? '?'} recipients{a.prepared_by_email ? `, prepared by ${a.prepared_by_email}` : ''}</span>
        </li>
      ))}
    </ul>
  );
}

function ActiveJourneys() {
  const q = useGet<{ data: any[] }>('/api/v1/journeys', { refetchInterval: 10_000 });
  if (q.isLoading) return <Loading />;
  const rows = (q.data?.data ?? []).filter((j) => j.status === 'active' || j.status === 'locked');
  if (rows.length === 0) return <Empty title="No active journey">Create one under <Link to="/journeys">Journeys</Link>, from scratch or a template, then activate it.</Empty>;
  return (
    <table className="table">
      <thead><tr><th>Journey</th><th>Status</th><th className="num">In progress</th></tr></thead>
      <tbody>
        {rows.map((j) => (
          <tr key={j.id}>
            <td><Link to={`/journeys/${j.id}`}>{j.name}</Link></td>
            <td><Status value={j.status} /></td>
            <td className="num">{j.in_progress}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SendingHealth() {
  const q = useGet<{ counts: Record<string, number>; backing_off: any[] }>('/api/v1/sending/health', { refetchInterval: 10_000 });
  if (q.isLoading) return <Loading />;
  const c = q.data?.counts ?? {};
  const off = q.data?.backing_off ?? [];
  return (
    <>
      <div className="stats">
        <Stat label="Queued" value={c.queued ?? 0} />
        <Stat label="Sending" value={c.sending ?? 0} />
        <Stat label="In doubt" value={c.in_doubt ?? 0} />
        <Stat label="Failed" value={c.failed ?? 0} />
      </div>
      {off.length > 0 ? (
        <ul className="plain">
          {off.map((d: any) => <li key={d.domain}><strong>{d.domain}</strong> <span className="muted">backing off until {formatDate(d.until ?? d.retry_at)}</span></li>)}
        </ul>
      ) : (
        <p className="muted small">No recipient domain is backing off.</p>
      )}
    </>
  );
}

export function HomePage() {
  const { me } = useSession();
  return (
    <>
      <PageHeader title={`Welcome to ${me?.workspace.name ?? 'Parcours'}`} sub="What needs you today, and how sending is going." />
      <div className="grid two">
        <Card title="Pending approvals"><Approvals /></Card>
        <Card title="Sending health"><SendingHealth /></Card>
        <Card title="Active journeys" actions={<Link to="/journeys">All journeys</Link>}><ActiveJourneys /></Card>
        <Card className="wide" title="Recent campaigns" actions={<Link to="/campaigns">All campaigns</Link>}><RecentCampaigns /></Card>
      </div>
    </>
  );
}
