import { useState, type FormEvent } from 'react';
import { del, patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';
import { ROLES } from './ApiKeys.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

export function Users() {
  const q = useGet<{ data: any[] }>('/api/v1/users');
  const pending = useGet<{ data: any[] }>('/api/v1/invitations');
  const [v, setV] = useState({ email: '', role: 'author' });
  const [sent, setSent] = useState<string | null>(null);
  const invite = useAction((b: { email: string; role: string }) => post('/api/v1/invitations', b), ['/api/v1/invitations'], (_r, b) => {
    setSent(b.email);
    setV({ email: '', role: 'author' });
  });
  const revoke = useAction((id: number) => del(`/api/v1/invitations/${id}`), ['/api/v1/invitations']);
  const setRole = useAction(({ id, role }: { id: number; role: string }) => patch(`/api/v1/users/${id}`, { role }), ['/api/v1/users']);
  const remove = useAction((id: number) => del(`/api/v1/users/${id}`), ['/api/v1/users']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ email: v.email, role: v.role });
  };
  return (
    <>
      <Card title="Invite a colleague">
        <form onSubmit={submit}>
          <p className="muted small">They get an email with a link, valid 7 days, and join with their own password once they accept.</p>
          <ErrorBanner error={invite.error} fields={['email', 'role']} />
          {sent && <p role="status">Invitation sent to {sent}.</p>}
          <div className="row">
            <TextField label="Email" name="email" type="email" value={v.email} onChange={(e) => setV({ ...v, email: e.target.value })} error={invite.error} required />
            <SelectField label="Role" name="role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value })} error={invite.error}>
              {ROLES.map((r) => <option key={r}>{r}</option>)}
            </SelectField>
            <div className="field"><button className="primary">Send invitation</button></div>
          </div>
        </form>
        {(pending.data?.data ?? []).length > 0 && (
          <table className="table" aria-label="Pending invitations">
            <thead><tr><th>Invited</th><th>Role</th><th>By</th><th>Expires</th><th /></tr></thead>
            <tbody>{(pending.data?.data ?? []).map((i) => (
              <tr key={i.id}>
                <td>{i.email}</td><td>{i.role}</td><td className="muted">{i.invited_by}</td><td className="muted">{formatDate(i.expires_at)}</td>
                <td className="num"><button className="small" onClick={() => revoke.mutate(i.id)}>Revoke</button></td>
              </tr>
            ))}</tbody>
          </table>
        )}
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
              <td className="num"><ConfirmButton className="small danger" question={`Remove ${u.email} from the workspace?`} onConfirm={() => remove.mutate(u.id)}>Remove</ConfirmButton></td>
            </tr>
          ))}</tbody>
        </table>
      </Card>
    </>
  );
}
