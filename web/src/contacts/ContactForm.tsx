import { useEffect, useState, type FormEvent } from 'react';
import { patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { navigate } from '../router.tsx';
import { Card, Loading, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';

const STANDARD = [
  ['email', 'Email', 'email'], ['phone', 'Phone', 'tel'], ['first_name', 'First name', 'text'], ['last_name', 'Last name', 'text'],
  ['language', 'Language', 'text'], ['timezone', 'Time zone', 'text'], ['birthday', 'Birthday', 'date'],
] as const;

type Values = Record<string, string>;

/** Create a contact, or edit one (`id`): standard and custom fields, lists and tags to add. */
export function ContactFormPage({ id }: { id?: number }) {
  const existing = useGet<any>(id ? `/api/v1/contacts/${id}` : null);
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const [v, setV] = useState<Values>({});
  const [custom, setCustom] = useState<Values>({});
  const [listIds, setListIds] = useState<number[]>([]);
  const [tags, setTags] = useState('');

  useEffect(() => {
    const c = existing.data;
    if (!c) return;
    setV(Object.fromEntries(STANDARD.map(([k]) => [k, c[k] ?? ''])));
    setCustom(Object.fromEntries(Object.entries(c.fields ?? {}).map(([k, x]) => [k, x === null ? '' : String(x)])));
  }, [existing.data]);

  const save = useAction(
    (body: any) => (id ? patch(`/api/v1/contacts/${id}`, body) : post('/api/v1/contacts', body)),
    ['/api/v1/contacts', '/api/v1/lists', '/api/v1/tags'],
    (c: any) => navigate(`/contacts/${c.id}`),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: any = {};
    for (const [k] of STANDARD) if (v[k] !== undefined) body[k] = v[k] === '' ? null : v[k];
    const defs = fields.data?.data ?? [];
    const f: Record<string, unknown> = {};
    for (const d of defs) {
      const raw = custom[d.key];
      if (raw === undefined) continue;
      f[d.key] = raw === '' ? null : d.type === 'number' && !Number.isNaN(Number(raw)) ? Number(raw) : d.type === 'boolean' ? raw === 'true' : raw;
    }
    if (Object.keys(f).length) body.fields = f;
    if (listIds.length) body.list_ids = listIds;
    const t = tags.split(',').map((x) => x.trim()).filter(Boolean);
    if (t.length) body.tags = t;
    save.mutate(body);
  };

  if (id && existing.isLoading) return <Loading />;
  const set = (k: string) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  const names = [...STANDARD.map(([k]) => k), 'fields', 'list_ids', 'tags'];
  return (
    <>
      <PageHeader title={id ? 'Edit contact' : 'New contact'} />
      <form onSubmit={submit}>
        <ErrorBanner error={save.error} fields={names} />
        <div className="grid two">
          <Card title="Standard fields">
            {STANDARD.map(([k, label, type]) => (
              <TextField key={k} label={label} name={k} type={type} value={v[k] ?? ''} onChange={set(k)} error={save.error} />
            ))}
          </Card>
          <div>
            <Card title="Custom fields">
              {(fields.data?.data ?? []).length === 0 && <p className="muted">No custom field yet: define them under Custom fields.</p>}
              {(fields.data?.data ?? []).map((d) =>
                d.type === 'boolean' ? (
                  <label key={d.key} className="field"><span className="field-label">{d.label ?? d.key}</span>
                    <select value={custom[d.key] ?? ''} onChange={(e) => setCustom({ ...custom, [d.key]: e.target.value })}>
                      <option value="">—</option><option value="true">yes</option><option value="false">no</option>
                    </select>
                  </label>
                ) : (
                  <TextField key={d.key} label={d.label ?? d.key} name={`fields.${d.key}`} errorPath={`fields.${d.key}`} type={d.type === 'number' ? 'number' : d.type === 'date' ? 'date' : 'text'}
                    value={custom[d.key] ?? ''} onChange={(e) => setCustom({ ...custom, [d.key]: e.target.value })} error={save.error} />
                ),
              )}
            </Card>
            <Card title={id ? 'Add to lists and tags' : 'Lists and tags'}>
              {(lists.data?.data ?? []).map((l) => (
                <label key={l.id} className="check">
                  <input type="checkbox" checked={listIds.includes(l.id)} onChange={(e) => setListIds(e.target.checked ? [...listIds, l.id] : listIds.filter((x) => x !== l.id))} />
                  {l.name}
                </label>
              ))}
              <TextField label="Tags (comma separated)" name="tags" value={tags} onChange={(e) => setTags(e.target.value)} error={save.error} />
            </Card>
          </div>
        </div>
        <div className="actions">
          <button className="primary" disabled={save.isPending}>{id ? 'Save' : 'Create contact'}</button>
          <button type="button" onClick={() => history.back()}>Cancel</button>
        </div>
      </form>
    </>
  );
}
