import { useState, type FormEvent } from 'react';
import { del, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Empty } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

export function Senders() {
  const q = useGet<{ data: any[] }>('/api/v1/senders');
  const [v, setV] = useState({ from_name: '', from_email: '', reply_to: '' });
  const create = useAction((b: any) => post('/api/v1/senders', b), ['/api/v1/senders'], () => setV({ from_name: '', from_email: '', reply_to: '' }));
  const remove = useAction((id: number) => del(`/api/v1/senders/${id}`), ['/api/v1/senders']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ from_name: v.from_name, from_email: v.from_email, ...(v.reply_to ? { reply_to: v.reply_to } : {}) });
  };
  const rows = q.data?.data ?? [];
  return (
    <>
      <Card title="New sender identity">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error} fields={['from_name', 'from_email', 'reply_to']} />
          <div className="row">
            <TextField label="From name" name="from_name" value={v.from_name} onChange={(e) => setV({ ...v, from_name: e.target.value })} error={create.error} />
            <TextField label="From email" name="from_email" value={v.from_email} onChange={(e) => setV({ ...v, from_email: e.target.value })} error={create.error} />
            <TextField label="Reply-to (optional)" name="reply_to" value={v.reply_to} onChange={(e) => setV({ ...v, reply_to: e.target.value })} error={create.error} />
            <div className="field"><button className="primary">Add</button></div>
          </div>
        </form>
      </Card>
      <Card title="Sender identities">
        <ErrorBanner error={remove.error} />
        {rows.length === 0 ? <Empty title="No sender yet">Emails need a From: add the name and address your contacts know.</Empty> : (
          <table className="table">
            <thead><tr><th>From</th><th>Reply-to</th><th /></tr></thead>
            <tbody>{rows.map((s) => (
              <tr key={s.id}><td>{s.from_name} &lt;{s.from_email}&gt;</td><td>{s.reply_to ?? '—'}</td>
                <td className="num"><ConfirmButton className="small danger" question={'Delete this sender?'} onConfirm={() => remove.mutate(s.id)}>Delete</ConfirmButton></td></tr>
            ))}</tbody>
          </table>
        )}
      </Card>
    </>
  );
}
