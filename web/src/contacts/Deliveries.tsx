import { post, qs } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

const RESENDABLE = ['campaign', 'journey', 'transactional', 'resend'];

/** The messages sent to a contact, each of which can be sent again now (C-6); consent still applies. */
export function Deliveries({ id }: { id: number }) {
  const path = `/api/v1/deliveries${qs({ contact_id: id, limit: 20 })}`;
  const q = useGet<{ data: any[] }>(path, { refetchInterval: 10_000 });
  const resend = useAction((deliveryId: number) => post(`/api/v1/contacts/${id}/resend`, { delivery_id: deliveryId }), ['/api/v1/deliveries', `/api/v1/contacts/${id}/events`]);
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const names = new Map((messages.data?.data ?? []).map((m) => [m.id, m.name]));
  const rows = q.data?.data ?? [];
  return (
    <Card title="Messages sent">
      <ErrorBanner error={resend.error} />
      {resend.data && <div className="banner good" data-testid="resent">Sent again to {resend.data.to}: it is queued now (delivery #{resend.data.delivery_id}).</div>}
      {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="No message sent to this contact yet">Campaigns, journeys and transactional sends to this contact appear here; each can be sent again.</Empty> : (
        <table className="table" data-testid="deliveries">
          <thead><tr><th>Message</th><th>Source</th><th>Status</th><th>Sent</th><th /></tr></thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td><Link to={`/messages/${d.message_id}`}>{names.get(d.message_id) ?? `#${d.message_id}`}</Link> <span className="muted small">{d.channel} to {d.to_address}</span></td>
                <td>{d.campaign_id ? <Link to={`/campaigns/${d.campaign_id}`}>campaign</Link> : d.journey_id ? <Link to={`/journeys/${d.journey_id}`}>journey</Link> : d.source}</td>
                <td><Status value={d.status} />{d.last_error && <div className="small muted">{d.last_error}</div>}</td>
                <td className="muted">{formatDate(d.sent_at ?? d.send_at)}</td>
                <td className="num">{RESENDABLE.includes(d.source) && (
                  <ConfirmButton className="small" disabled={resend.isPending} question={`Send this ${d.channel} to the contact again, now?`} onConfirm={() => resend.mutate(d.id)}>Resend</ConfirmButton>
                )}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
