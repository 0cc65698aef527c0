import { useState } from 'react';
import { keepPreviousData } from '@tanstack/react-query';
import { ApiError, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ListFilter, nameMatches } from '../ui/ListFilter.tsx';
import { NewCampaign } from './NewCampaign.tsx';
import { useCan } from '../ui/permissions.ts';

const STATUSES = ['draft', 'awaiting_approval', 'rejected', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
/** The API's largest page; the status filter runs on the server, the name search on these rows. */
const LIMIT = 500;

export function CampaignsPage() {
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const write = useCan()('write');
  const q = useGet<{ data: any[] }>(`/api/v1/campaigns${qs({ status, limit: LIMIT })}`, { refetchInterval: 10_000, placeholderData: keepPreviousData });
  if (q.error instanceof ApiError && q.error.status === 404) {
    return <>
      <PageHeader title="Campaigns" />
      <Empty title="Campaigns are not available on this server yet">Meanwhile, send messages with a journey (manual trigger) or a test send.</Empty>
    </>;
  }
  const all = q.data?.data ?? [];
  const rows = all.filter((c) => nameMatches(c.name, search));
  const filtered = status !== '' || search.trim() !== '';
  return (
    <>
      <PageHeader title="Campaigns" sub="One-off sends of a message to lists and segments, with approval." />
      {write && <NewCampaign />}
      <Card title="All campaigns">
        <ErrorBanner error={q.error} />
        <ListFilter what="campaigns" statuses={STATUSES} status={status} onStatus={setStatus} search={search} onSearch={setSearch} shown={rows.length} total={all.length} />
        {all.length === LIMIT && <p className="muted small">The {LIMIT} most recent{status ? ` ${status.replace(/_/g, ' ')}` : ''} campaigns are listed; choose a status to look further back.</p>}
        {q.isLoading ? <Loading /> : rows.length === 0 ? (
          filtered
            ? <Empty title="No campaign matches these filters">Change the status or the name searched, or clear the filters.</Empty>
            : <Empty title="No campaign yet">Create one above: choose a message and its recipients, prepare, then approve.</Empty>
        ) : (
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
