import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link, navigate } from '../router.tsx';
import { Badge, Card, Empty, Loading, PageHeader, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';
import { useCan } from '../ui/permissions.ts';

const STARTERS = {
  email: { subject: 'Hello {{ contact.first_name | default: "there" }}', format: 'html', body: '<h1>Hello {{ contact.first_name | default: "there" }}</h1>\n<p>Write your message here.</p>\n<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
  sms: { text: 'Hi {{ contact.first_name | default: "there" }}! Reply STOP to opt out.' },
};

export function MessagesPage() {
  const q = useGet<{ data: any[] }>('/api/v1/messages');
  const [name, setName] = useState('');
  const [channel, setChannel] = useState<'email' | 'sms'>('email');
  const create = useAction((b: any) => post('/api/v1/messages', b), ['/api/v1/messages'], (m: any) => navigate(`/messages/${m.id}`));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, channel, content: STARTERS[channel] });
  };
  const rows = q.data?.data ?? [];
  const write = useCan()('write');
  return (
    <>
      <PageHeader title="Messages" sub="Emails (HTML or MJML) and SMS, personalised with Liquid; used by campaigns and journeys." />
      {write && <Card title="New message">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error} fields={['name', 'channel']} />
          <div className="row">
            <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} placeholder="Welcome email" />
            <SelectField label="Channel" name="channel" value={channel} onChange={(e) => setChannel(e.target.value as 'email' | 'sms')} error={create.error}>
              <option value="email">Email</option><option value="sms">SMS</option>
            </SelectField>
            <div className="field"><button className="primary">Create and edit</button></div>
            <div className="field"><button type="button" onClick={() => navigate('/templates')}>From a template</button></div>
          </div>
        </form>
      </Card>}
      <Card>
        {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="No message yet">Create an email or an SMS above; you can preview it as any contact and send yourself a test.</Empty> : (
          <table className="table" data-testid="messages-table">
            <thead><tr><th>Name</th><th>Channel</th><th className="num">Version</th><th>Updated</th></tr></thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.id}>
                  <td><Link to={`/messages/${m.id}`}>{m.name}</Link></td>
                  <td><Badge tone={m.channel === 'sms' ? 'warn' : 'info'}>{m.channel}</Badge></td>
                  <td className="num">{m.version}</td>
                  <td className="muted">{formatDate(m.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
