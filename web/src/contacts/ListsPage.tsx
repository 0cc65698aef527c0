import { useState, type FormEvent } from 'react';
import { del, post, put } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

function NewList() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction((b: any) => post('/api/v1/lists', b), ['/api/v1/lists'], () => { setName(''); setDescription(''); });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, ...(description ? { description } : {}) });
  };
  return (
    <Card title="New list">
      <form onSubmit={submit}>
        <ErrorBanner error={create.error} fields={['name', 'description']} />
        <div className="row">
          <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} />
          <TextField label="Description" name="description" value={description} onChange={(e) => setDescription(e.target.value)} error={create.error} />
          <div className="field"><button className="primary">Create list</button></div>
        </div>
      </form>
    </Card>
  );
}

/** The public signup form of a list (C-5): the API answers its URL and embed code when enabled. */
function SignupForm({ list, onClose }: { list: any; onClose(): void }) {
  const [doubleOptIn, setDoubleOptIn] = useState(false);
  const save = useAction((b: { enabled: boolean; double_opt_in?: boolean }) => put(`/api/v1/lists/${list.id}/form`, b));
  const r: any = save.data;
  return (
    <Card title={`Signup form of ${list.name}`} actions={<button className="small" onClick={onClose}>Close</button>}>
      <ErrorBanner error={save.error} />
      <label className="check"><input type="checkbox" checked={doubleOptIn} onChange={(e) => setDoubleOptIn(e.target.checked)} /> Double opt-in (a confirmation email first)</label>
      <div className="actions" style={{ marginTop: 8 }}>
        <button className="primary" onClick={() => save.mutate({ enabled: true, double_opt_in: doubleOptIn })}>Enable form</button>
        <button onClick={() => save.mutate({ enabled: false })}>Disable form</button>
      </div>
      {r && (r.enabled ? (
        <div style={{ marginTop: 12 }}>
          <p>Form page: <a href={r.form_url} target="_blank" rel="noreferrer">{r.form_url}</a></p>
          <label className="field"><span className="field-label">Embed code</span><textarea readOnly value={r.embed_html} /></label>
        </div>
      ) : <p className="banner info">The form is disabled.</p>)}
    </Card>
  );
}

export function ListsPage() {
  const q = useGet<{ data: any[] }>('/api/v1/lists');
  const [formOf, setFormOf] = useState<any>(null);
  const remove = useAction((id: number) => del(`/api/v1/lists/${id}`), ['/api/v1/lists']);
  const rows = q.data?.data ?? [];
  return (
    <>
      <PageHeader title="Lists" sub="Contacts join lists through signup forms, imports, the API or journeys." />
      <NewList />
      {formOf && <SignupForm list={formOf} onClose={() => setFormOf(null)} />}
      <Card title="All lists">
        <ErrorBanner error={remove.error} />
        {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="No list yet">Create your first list above, then import contacts into it.</Empty> : (
          <table className="table" data-testid="lists-table">
            <thead><tr><th>Name</th><th className="num">Members</th><th>Created</th><th /></tr></thead>
            <tbody>
              {rows.map((l) => (
                <tr key={l.id}>
                  <td><Link to={`/contacts?list_id=${l.id}`}>{l.name}</Link>{l.description && <div className="muted small">{l.description}</div>}</td>
                  <td className="num">{l.member_count}</td>
                  <td className="muted">{formatDate(l.created_at)}</td>
                  <td>
                    <div className="actions">
                      <button className="small" onClick={() => setFormOf(l)}>Signup form</button>
                      <a className="button small" href={`/api/v1/lists/${l.id}/export`} download>Export CSV</a>
                      <ConfirmButton className="small danger" question={`Delete the list ${l.name}? Contacts stay.`} onConfirm={() => remove.mutate(l.id)}>Delete</ConfirmButton>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
