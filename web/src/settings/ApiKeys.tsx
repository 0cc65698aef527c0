import { useState, type FormEvent } from 'react';
import { del, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Empty, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

export const ROLES = ['owner', 'admin', 'author', 'approver', 'viewer'];

export function ApiKeys() {
  const q = useGet<{ data: any[] }>('/api/v1/api-keys');
  const [name, setName] = useState('');
  const [role, setRole] = useState('admin');
  const create = useAction((b: any) => post<{ key: string }>('/api/v1/api-keys', b), ['/api/v1/api-keys'], () => setName(''));
  const revoke = useAction((id: number) => del(`/api/v1/api-keys/${id}`), ['/api/v1/api-keys']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, role });
  };
  const rows = (q.data?.data ?? []).filter((k) => !k.revoked_at);
  return (
    <>
      <Card title="New API key">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error ?? q.error} fields={['name', 'role']} />
          {create.data && (
            <div className="banner good" data-testid="new-key">
              Copy this key now: it is shown only once.<br /><code style={{ userSelect: 'all' }}>{create.data.key}</code>
            </div>
          )}
          <div className="row">
            <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} placeholder="Shop integration" />
            <SelectField label="Role" name="role" value={role} onChange={(e) => setRole(e.target.value)} error={create.error}>
              {ROLES.map((r) => <option key={r}>{r}</option>)}
            </SelectField>
            <div className="field"><button className="primary">Create key</button></div>
          </div>
        </form>
      </Card>
      <Card title="Keys">
        <ErrorBanner error={revoke.error} />
        {rows.length === 0 ? <Empty title="No API key" /> : (
          <table className="table">
            <thead><tr><th>Name</th><th>Prefix</th><th>Role</th><th>Last used</th><th /></tr></thead>
            <tbody>{rows.map((k) => (
              <tr key={k.id}><td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{k.role}</td><td className="muted">{formatDate(k.last_used_at)}</td>
                <td className="num"><ConfirmButton className="small danger" question={`Revoke ${k.name}? Programs using it stop working.`} onConfirm={() => revoke.mutate(k.id)}>Revoke</ConfirmButton></td></tr>
            ))}</tbody>
          </table>
        )}
      </Card>
    </>
  );
}
