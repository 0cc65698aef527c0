import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link, navigate } from '../router.tsx';
import { Card } from '../ui/bits.tsx';
import { useMessageLabels } from '../ui/messageLabel.ts';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';

/** A name and a message make a draft; the wizard on the campaign page does the rest. */
export function NewCampaign() {
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const [name, setName] = useState('');
  const [messageId, setMessageId] = useState('');
  const create = useAction((b: any) => post('/api/v1/campaigns', b), ['/api/v1/campaigns'], (c: any) => navigate(`/campaigns/${c.id}`));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, message_id: Number(messageId) });
  };
  const none = messages.data && messages.data.data.length === 0;
  const labels = useMessageLabels(messages.data?.data ?? [], { channel: true });
  return (
    <Card title="New campaign">
      {none ? <p className="muted">A campaign sends a message: <Link to="/messages">create an email or an SMS</Link> first.</p> : (
        <form onSubmit={submit}>
          <ErrorBanner error={create.error} fields={['name', 'message_id']} />
          <div className="row">
            <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} />
            <SelectField label="Message" name="message_id" value={messageId} onChange={(e) => setMessageId(e.target.value)} error={create.error}>
              <option value="">choose</option>
              {(messages.data?.data ?? []).map((m) => <option key={m.id} value={m.id}>{labels.get(m.id)}</option>)}
            </SelectField>
            <div className="field"><button className="primary" disabled={create.isPending}>Create and set up</button></div>
          </div>
        </form>
      )}
    </Card>
  );
}
