import { ApiError } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { NewCampaign } from './NewCampaign.tsx';

export function CampaignsPage() {
  const q = useGet<{ data: any[] }>('/api/v1/campaigns', { refetchInterval: 10_000 });
  if (q.error instanceof ApiError && q.error.status === 404) {
    return <>
      <PageHeader title="Campaigns" />
      <Empty title="Campaigns are not available on this server yet">Meanwhile, send messages with a journey (manual trigger) or a test send.</Empty>
    </>;
  }
  const rows = q.data?.data ?? [];
  return (
    <>
      <PageHeader title="Campaigns" sub="One-off sends of a message to lists and segments, with approval." />
      <NewCampaign />
      <Card title="All campaigns">
        <ErrorBanner error={q.error} />
        {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="No campaign yet">Create one above: choose a message and its recipients, prepare, then approve.</Empty> : (
          <table className="table" data-testid="campaigns-table">
            <thead><tr><th>Campaign</th><th>Status</th><th>Created</th></tr></thead>
            <tbody>{rows.map((c) => (
              <tr key={c.id}><td><Link to={`/campaigns/${c.id}`}>{c.name}</Link></td><td><Status value={c.status} /></td><td className="muted">{formatDate(c.created_at)}</td></tr>
            ))}</tbody>
          </table>
        )}
      </Card>
    </>
  );
}
