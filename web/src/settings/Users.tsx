import { useState, type FormEvent } from 'react';
import { del, patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';
import { ROLES } from './ApiKeys.tsx';

export function Users() {
  const q = useGet<{ data: any[] }>('/api/v1/users');
  const [v, setV] = useState({ email: '', name: '', password: '', role: 'author' });
  const add = useAction((b: any) => post('/api/v1/users', b), ['/api/v1/users'], () => setV({ email: '', name: '', password: '', role: 'author' }));
  const setRole = useAction(({ id, role }: { id: number; role: string }) => patch(`/api/v1/users/${id}`, { role }), ['/api/v1/users']);
  const remove = useAction((id: number) => del(`/api/v1/users/${id}`), ['/api/v1/users']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate({ email: v.email, role: v.role, ...(v.name ? { name: v.name } : {}), ...(v.password ? { password: v.password } : {}) });
  };
  return (
    <>
      <Card title="Add a user">
        <form onSubmit={submit}>
          <ErrorBanner error={add.error} fields={['email', 'name', 'password', 'role']} />
          <div className="row">
            <TextField label="Email" name="email" type="email" value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} error={add.error} />
            <TextField label="Name" name="name" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} error={add.error} />
            <TextField label="Password (new users)" name="password" type="password" value={v.password} onChange={(e) => setV({ ...v, password: e.target.value })} error={add.error} hint="10 characters or more" />
            <SelectField label="Role" name="role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value })} error={add.error}>
              {ROLES.map((r) => <option key={r}>{r}</option>)}
            </SelectField>
            <div className="field"><button className="primary">Add user</button></div>
          </div>
        </form>
      </Card>
      <Card title="Members">
        <ErrorBanner error={setRole.error ?? remove.error ?? q.error} />
        <table className="table">
          <thead><tr><th>User</th><th>Role</th><th>Since</th><th /></tr></thead>
          <tbody>{(q.data?.data ?? []).map((u) => (
            <tr key={u.id}>
              <td>{u.name ?? u.email}<div className="muted small">{u.email}</div></td>
              <td><select aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => setRole.mutate({ id: u.id, role: e.target.value })}>{ROLES.map((r) => <option key={r}>{r}</option>)}</select></td>
              <td className="muted">{formatDate(u.created_at)}</td>
              <td className="num"><button className="small danger" onClick={() => confirm(`Remove ${u.email} from the workspace?`) && remove.mutate(u.id)}>Remove</button></td>
            </tr>
          ))}</tbody>
        </table>
      </Card>
    </>
  );
}
