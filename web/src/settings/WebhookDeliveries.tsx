import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Empty, Loading, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';

/** The recent deliveries of one subscription, each with its attempts; a failed one can be retried. */
export function WebhookDeliveries({ id }: { id: number }) {
  const path = `/api/v1/webhooks/${id}/deliveries`;
  const q = useGet<{ data: any[] }>(`${path}?limit=30`, { refetchInterval: 5_000 });
  const retry = useAction((d: number) => post(`${path}/${d}/retry`, {}), [path]);
  const rows = q.data?.data ?? [];
  return (
    <Card title={`Recent deliveries of webhook #${id}`}>
      <ErrorBanner error={q.error ?? retry.error} />
      {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="Nothing sent yet">Events of the subscribed types, logged after the subscription was made, appear here.</Empty> : (
        <table className="table" data-testid="webhook-deliveries">
          <thead><tr><th>Event</th><th>Status</th><th className="num">Attempts</th><th>Last answer</th><th>Created</th><th /></tr></thead>
          <tbody>{rows.map((d) => (
            <tr key={d.id}>
              <td><code>{d.event_type}</code> <span className="muted small">#{d.event_id}</span></td>
              <td><Status value={d.status} /></td>
              <td className="num">{d.attempts}</td>
              <td className="small">
                {d.last_status ?? ''} {d.last_error && <span className="muted">{d.last_error}</span>}
                {d.next_attempt_at && <div className="muted">next attempt {formatDate(d.next_attempt_at)}</div>}
                {(d.attempt_log ?? []).length > 1 && (
                  <details><summary className="muted">every attempt</summary>
                    <ul className="plain">{d.attempt_log.map((a: any) => <li key={a.attempt}>#{a.attempt} {formatDate(a.attempted_at)}: {a.status_code ?? a.error} <span className="muted">({a.duration_ms} ms)</span></li>)}</ul>
                  </details>
                )}
              </td>
              <td className="muted">{formatDate(d.created_at)}</td>
              <td className="num">{d.status === 'failed' && <button className="small" onClick={() => retry.mutate(d.id)}>Retry</button>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </Card>
  );
}
