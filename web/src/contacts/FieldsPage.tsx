import { useState, type FormEvent } from 'react';
import { del, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Empty, Loading, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

export function FieldsPage() {
  const q = useGet<{ data: any[] }>('/api/v1/fields');
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [type, setType] = useState('text');
  const create = useAction((b: any) => post('/api/v1/fields', b), ['/api/v1/fields'], () => { setKey(''); setLabel(''); });
  const remove = useAction((k: string) => del(`/api/v1/fields/${encodeURIComponent(k)}`), ['/api/v1/fields']);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ key, type, ...(label ? { label } : {}) });
  };
  const rows = q.data?.data ?? [];
  return (
    <>
      <PageHeader title="Custom fields" sub="Fields beyond email, phone and names: used in segments, templates ({{ contact.key }}) and imports." />
      <Card title="New field">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error} fields={['key', 'label', 'type']} />
          <div className="row">
            <TextField label="Key" name="key" placeholder="plan" value={key} onChange={(e) => setKey(e.target.value)} error={create.error} hint="lower-case letters, digits and _" />
            <TextField label="Label" name="label" placeholder="Plan" value={label} onChange={(e) => setLabel(e.target.value)} error={create.error} />
            <SelectField label="Type" name="type" value={type} onChange={(e) => setType(e.target.value)} error={create.error}>
              <option value="text">text</option><option value="number">number</option><option value="date">date</option><option value="boolean">boolean</option>
            </SelectField>
            <div className="field"><button className="primary">Add field</button></div>
          </div>
        </form>
      </Card>
      <Card>
        <ErrorBanner error={remove.error} />
        {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="No custom field yet">Add one above, or create them while mapping columns of a CSV import.</Empty> : (
          <table className="table">
            <thead><tr><th>Key</th><th>Label</th><th>Type</th><th /></tr></thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.key}>
                  <td><code>{f.key}</code></td><td>{f.label}</td><td>{f.type}</td>
                  <td className="num"><ConfirmButton className="small danger" question={`Delete the field ${f.key} and its values?`} onConfirm={() => remove.mutate(f.key)}>Delete</ConfirmButton></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
