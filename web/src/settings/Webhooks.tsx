import { useState, type FormEvent } from 'react';
import { del, patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Empty, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { WebhookDeliveries } from './WebhookDeliveries.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

const COMMON = ['message.*', 'contact.*', 'list.joined', 'list.left', 'tag.added', 'consent.changed', 'purchase', '*'];

/** Outbound webhooks (P-4): subscriptions to event types, signed with a secret shown once. */
export function Webhooks() {
  const q = useGet<{ data: any[] }>('/api/v1/webhooks');
  const [v, setV] = useState({ url: '', types: 'message.*, contact.*', description: '' });
  const [open, setOpen] = useState<number | null>(null);
  const create = useAction((b: any) => post('/api/v1/webhooks', b), ['/api/v1/webhooks'], () => setV({ url: '', types: 'message.*, contact.*', description: '' }));
  const toggle = useAction((w: any) => patch(`/api/v1/webhooks/${w.id}`, { enabled: !w.enabled }), ['/api/v1/webhooks']);
  const remove = useAction((id: number) => del(`/api/v1/webhooks/${id}`), ['/api/v1/webhooks']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ url: v.url, event_types: v.types.split(/[,\s]+/).filter(Boolean), ...(v.description ? { description: v.description } : {}) });
  };
  const rows = q.data?.data ?? [];
  return (
    <>
      <Card title="New webhook">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error ?? q.error} fields={['url', 'event_types', 'description']} />
          {create.data && (
            <div className="banner good" data-testid="webhook-secret">
              Copy the signing secret now: it is shown only once.<br /><code style={{ userSelect: 'all' }}>{create.data.secret}</code>
            </div>
          )}
          <div className="row">
            <TextField label="URL" name="url" value={v.url} onChange={(e) => setV({ ...v, url: e.target.value })} error={create.error} placeholder="https://example.com/parcours" />
            <TextField label="Event types" name="event_types" value={v.types} onChange={(e) => setV({ ...v, types: e.target.value })} error={create.error} list="webhook-types" hint={`Comma separated: ${COMMON.join(', ')} or a custom event`} />
            <datalist id="webhook-types">{COMMON.map((t) => <option key={t} value={t} />)}</datalist>
            <TextField label="Description" name="description" value={v.description} onChange={(e) => setV({ ...v, description: e.target.value })} error={create.error} />
            <div className="field"><button className="primary" disabled={create.isPending}>Subscribe</button></div>
          </div>
          <p className="muted small">Each event is POSTed as JSON with a <code>Parcours-Signature</code> header (HMAC-SHA256 with the secret); failures are retried for 24 hours.</p>
        </form>
      </Card>
      <Card title="Subscriptions">
        <ErrorBanner error={toggle.error ?? remove.error} />
        {rows.length === 0 ? <Empty title="No webhook">Subscribe a URL above to receive message and contact events in another system.</Empty> : (
          <table className="table" data-testid="webhooks">
            <thead><tr><th>URL</th><th>Events</th><th>Since</th><th /></tr></thead>
            <tbody>{rows.map((w) => (
              <tr key={w.id}>
                <td style={{ wordBreak: 'break-all' }}>{w.url}{w.description && <div className="muted small">{w.description}</div>}</td>
                <td>{w.event_types.map((t: string) => <span key={t} className="tag">{t}</span>)}</td>
                <td className="muted">{formatDate(w.created_at)}</td>
                <td className="num"><div className="actions" style={{ justifyContent: 'flex-end' }}>
                  <button className="small" onClick={() => setOpen(open === w.id ? null : w.id)}>{open === w.id ? 'Hide deliveries' : 'Deliveries'}</button>
                  <button className="small" onClick={() => toggle.mutate(w)}>{w.enabled ? 'Disable' : 'Enable'}</button>
                  <ConfirmButton className="small danger" question={`Delete the webhook to ${w.url}?`} onConfirm={() => remove.mutate(w.id)}>Delete</ConfirmButton>
                </div></td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </Card>
      {open !== null && rows.some((w) => w.id === open) && <WebhookDeliveries id={open} />}
    </>
  );
}
