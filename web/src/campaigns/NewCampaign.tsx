import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { navigate } from '../router.tsx';
import { Card } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';

/** Name, message and recipients (lists and segments); the rest is set on the campaign page. */
export function NewCampaign() {
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const segments = useGet<{ data: any[] }>('/api/v1/segments');
  const [name, setName] = useState('');
  const [messageId, setMessageId] = useState('');
  const [listIds, setListIds] = useState<number[]>([]);
  const [segmentIds, setSegmentIds] = useState<(number | string)[]>([]);
  const create = useAction((b: any) => post('/api/v1/campaigns', b), ['/api/v1/campaigns'], (c: any) => navigate(`/campaigns/${c.id}`));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, message_id: Number(messageId), recipients: { lists: listIds, segments: segmentIds } });
  };
  const toggle = <T,>(xs: T[], x: T, on: boolean) => (on ? [...xs, x] : xs.filter((y) => y !== x));
  return (
    <Card title="New campaign">
      <form onSubmit={submit}>
        <ErrorBanner error={create.error} fields={['name', 'message_id']} />
        <div className="row">
          <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} />
          <SelectField label="Message" name="message_id" value={messageId} onChange={(e) => setMessageId(e.target.value)} error={create.error}>
            <option value="">choose</option>
            {(messages.data?.data ?? []).map((m) => <option key={m.id} value={m.id}>{m.name} ({m.channel})</option>)}
          </SelectField>
        </div>
        <div className="grid two">
          <div className="field"><span className="field-label">Lists</span>
            {(lists.data?.data ?? []).map((l) => <label key={l.id} className="check"><input type="checkbox" checked={listIds.includes(l.id)} onChange={(e) => setListIds(toggle(listIds, l.id, e.target.checked))} />{l.name} <span className="muted small">({l.member_count})</span></label>)}
          </div>
          <div className="field"><span className="field-label">Segments</span>
            {(segments.data?.data ?? []).map((s) => <label key={s.id} className="check"><input type="checkbox" checked={segmentIds.includes(s.id)} onChange={(e) => setSegmentIds(toggle(segmentIds, s.id, e.target.checked))} />{s.name}</label>)}
          </div>
        </div>
        <button className="primary" disabled={create.isPending}>Create campaign</button>
      </form>
    </Card>
  );
}
