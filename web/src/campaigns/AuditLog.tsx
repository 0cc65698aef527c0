import { useGet } from '../data.ts';
import { Card, formatDate } from '../ui/bits.tsx';

/** Who created, prepared, approved, rejected (and why), paused… the campaign, and when (K-6). */
export function AuditLog({ id }: { id: number }) {
  const q = useGet<{ data: any[] }>(`/api/v1/campaigns/${id}/audit`, { refetchInterval: 10_000 });
  const rows = q.data?.data ?? [];
  if (rows.length === 0) return null;
  return (
    <Card title="History">
      <ul className="timeline" data-testid="audit-log">
        {rows.map((a) => (
          <li key={a.id}>
            <span className="muted small">{formatDate(a.at)}</span> <b>{a.action.replace(/_/g, ' ')}</b>{' '}
            <span className="muted">by {a.user_email ?? (a.via === 'system' ? 'Parcours' : a.via === 'api_key' ? 'an API key' : 'someone')}</span>
            {a.reason && <div className="banner warn small" style={{ margin: '4px 0 0' }}>{a.reason}</div>}
          </li>
        ))}
      </ul>
    </Card>
  );
}
