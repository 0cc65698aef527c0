import { useEffect, useState, type FormEvent } from 'react';
import { patch } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { useSession } from '../session.tsx';
import { Card, Loading } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';

export function WorkspaceSettings() {
  const { refresh } = useSession();
  const q = useGet<any>('/api/v1/workspace');
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const [v, setV] = useState({ name: '', timezone: '', unique_key: 'email', other: false, country: '' });
  useEffect(() => {
    if (q.data) setV({ name: q.data.name, timezone: q.data.timezone, unique_key: q.data.unique_key, other: q.data.settings?.approval_requires_other_user === true, country: q.data.settings?.contacts?.default_country ?? '' });
  }, [q.data]);
  const save = useAction((b: any) => patch('/api/v1/workspace', b), ['/api/v1/workspace'], () => void refresh());
  if (q.isLoading) return <Loading />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ name: v.name, timezone: v.timezone, ...(v.unique_key !== q.data.unique_key ? { unique_key: v.unique_key } : {}), settings: { approval_requires_other_user: v.other, contacts: { default_country: v.country.trim().toUpperCase() || null } } });
  };
  return (
    <Card title="Workspace">
      <form onSubmit={submit} style={{ maxWidth: 520 }}>
        <ErrorBanner error={save.error} fields={['name', 'timezone', 'unique_key', 'settings.contacts.default_country']} />
        {save.isSuccess && <div className="banner good">Saved.</div>}
        <TextField label="Name" name="name" value={v.name} onChange={(e) => setV({ ...v, name: e.target.value })} error={save.error} />
        <TextField label="Time zone" name="timezone" value={v.timezone} onChange={(e) => setV({ ...v, timezone: e.target.value })} error={save.error} hint="An IANA zone such as Europe/Paris or America/Montreal" />
        <TextField label="Country of phone numbers without a country code" name="default_country" value={v.country} maxLength={2} onChange={(e) => setV({ ...v, country: e.target.value })} error={save.error} errorPath="settings.contacts.default_country" hint="ISO code such as FR: 06 12 34 56 78 is then read as +33612345678 (imports and API); empty: such numbers are refused" />
        <SelectField label="Unique key of a contact" name="unique_key" value={v.unique_key} onChange={(e) => setV({ ...v, unique_key: e.target.value })} error={save.error}>
          <option value="email">email</option>
          {(fields.data?.data ?? []).map((f) => <option key={f.key} value={f.key}>{f.key}</option>)}
        </SelectField>
        <label className="check" style={{ marginBottom: 12 }}>
          <input type="checkbox" checked={v.other} onChange={(e) => setV({ ...v, other: e.target.checked })} />
          A campaign must be approved by a user who did not write it (nor its message) and did not prepare it
        </label>
        <button className="primary" disabled={save.isPending}>Save</button>
      </form>
    </Card>
  );
}
