import { useState } from 'react';
import { useGet } from '../data.ts';
import { Card } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ApiError } from '../api.ts';
import { errorText } from '../ui/errorText.ts';

export type Separator = 'auto' | 'comma' | 'semicolon' | 'tab';

export interface Upload {
  upload_id: number;
  row_count: number | null;
  delimiter: Exclude<Separator, 'auto'>;
  columns: string[];
  preview: Record<string, string>[];
  suggested_mapping: Record<string, string>;
}

const STANDARD = ['email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday'];
const NEW_FIELD = '+new';
const FIELD_TYPES = ['text', 'number', 'date', 'boolean'] as const;
const SEPARATORS: [Separator, string][] = [['auto', 'Guess from the header line'], ['comma', 'Comma ,'], ['semicolon', 'Semicolon ; (Excel in French…)'], ['tab', 'Tab']];

/** A column's own value: column names are the file's (a column may be called constructor). */
const own = (o: Record<string, string>, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
/** A field key proposed from a column name: "Member since" → member_since. */
const keyOf = (column: string) => column.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^[^a-z]+|_+$/g, '').slice(0, 63) || 'field';

export function SeparatorSelect({ value, onChange, disabled }: { value: Separator; onChange(s: Separator): void; disabled?: boolean }) {
  return (
    <label className="field">
      <span className="field-label">Separator</span>
      <select aria-label="Separator" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as Separator)}>
        {SEPARATORS.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
      </select>
    </label>
  );
}

interface NewField {
  key: string;
  type: (typeof FIELD_TYPES)[number];
}

export function ImportMapping({ upload, separator, busy, onSeparator, onStart, onBack }: {
  upload: Upload;
  separator: Separator;
  busy?: boolean;
  onSeparator(s: Separator): void;
  onStart(body: any): Promise<void>;
  onBack(): void;
}) {
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const [mapping, setMapping] = useState<Record<string, string>>(() =>
    Object.fromEntries(upload.columns.map((c) => [c, own(upload.suggested_mapping, c) ?? 'ignore'])),
  );
  // columns mapped to a field created with the import (created in its transaction)
  const [created, setCreated] = useState<Map<string, NewField>>(() => new Map());
  const [listIds, setListIds] = useState<number[]>([]);
  const [tags, setTags] = useState('');
  const [updateExisting, setUpdateExisting] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const targets = [...STANDARD, ...(fields.data?.data ?? []).map((f) => `fields.${f.key}`)];
  const newColumns = upload.columns.filter((c) => own(mapping, c) === NEW_FIELD);
  const colError = (c: string) => {
    if (!(error instanceof ApiError)) return undefined;
    const i = newColumns.indexOf(c);
    const d = error.details.find((d) => d.path === `mapping.${c}` || (i >= 0 && d.path.startsWith(`create_fields[${i}]`)));
    return d && errorText(d.message, d.path);
  };

  const choose = (c: string, target: string) => {
    setMapping({ ...mapping, [c]: target });
    if (target === NEW_FIELD && !created.has(c)) setCreated(new Map(created).set(c, { key: keyOf(c), type: 'text' }));
  };
  const editNew = (c: string, patch: Partial<NewField>) => setCreated(new Map(created).set(c, { ...created.get(c)!, ...patch }));

  const start = async () => {
    setStarting(true);
    setError(null);
    try {
      const t = tags.split(',').map((x) => x.trim()).filter(Boolean);
      const createFields = newColumns.map((c) => created.get(c)!);
      const body = Object.fromEntries(upload.columns.map((c) => {
        const target = own(mapping, c) ?? 'ignore';
        return [c, target === NEW_FIELD ? `fields.${created.get(c)!.key}` : target];
      }));
      await onStart({ upload_id: upload.upload_id, mapping: body, create_fields: createFields, list_ids: listIds, tags: t, update_existing: updateExisting });
    } catch (e) {
      setError(e);
      setStarting(false);
    }
  };

  return (
    <>
      <Card title={`Map the columns (${upload.row_count ?? '?'} lines)`}>
        <ErrorBanner error={error} fields={[...upload.columns.map((c) => `mapping.${c}`), ...newColumns.map((_, i) => `create_fields[${i}]`)]} />
        <div className="row">
          <SeparatorSelect value={separator} onChange={onSeparator} disabled={busy || starting} />
          <p className="muted small" data-testid="separator">Read with: <strong>{upload.delimiter}</strong>{separator === 'auto' ? ' (guessed). Wrong columns? Choose the separator: the file is read again.' : ''}</p>
        </div>
        <table className="table" data-testid="mapping">
          <thead><tr><th>Column</th><th>Sample values</th><th>Becomes</th></tr></thead>
          <tbody>
            {upload.columns.map((c) => (
              <tr key={c}>
                <td><strong>{c}</strong></td>
                <td className="muted small">{upload.preview.slice(0, 3).map((r) => own(r, c)).filter(Boolean).join(', ')}</td>
                <td>
                  <select aria-label={`Map ${c}`} value={own(mapping, c) ?? 'ignore'} onChange={(e) => choose(c, e.target.value)}>
                    <option value="ignore">— ignore —</option>
                    {targets.map((t) => <option key={t} value={t}>{t.startsWith('fields.') ? `custom: ${t.slice(7)}` : t.replace('_', ' ')}</option>)}
                    <option value="tags">tags (separated by , or ;)</option>
                    <option value={NEW_FIELD}>+ new custom field…</option>
                  </select>
                  {own(mapping, c) === NEW_FIELD && created.get(c) && (
                    <div className="row small">
                      <input aria-label={`New field key for ${c}`} value={created.get(c)!.key} onChange={(e) => editNew(c, { key: e.target.value })} />
                      <select aria-label={`New field type for ${c}`} value={created.get(c)!.type} onChange={(e) => editNew(c, { type: e.target.value as NewField['type'] })}>
                        {FIELD_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
                      </select>
                    </div>
                  )}
                  {colError(c) && <div className="field-error">{colError(c)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">A column for a field that does not exist yet? Choose “+ new custom field”: it is created when the import starts.</p>
      </Card>
      <Card title="Options">
        <div className="stack">
          {(lists.data?.data ?? []).length === 0 && <span className="muted">No list yet: the contacts will be imported without a list.</span>}
          {(lists.data?.data ?? []).map((l) => (
            <label key={l.id} className="check">
              <input type="checkbox" checked={listIds.includes(l.id)} onChange={(e) => setListIds(e.target.checked ? [...listIds, l.id] : listIds.filter((x) => x !== l.id))} />
              Add to {l.name}
            </label>
          ))}
          <label className="field"><span className="field-label">Tags for every contact (comma separated)</span><input value={tags} onChange={(e) => setTags(e.target.value)} /></label>
          <label className="check"><input type="checkbox" checked={updateExisting} onChange={(e) => setUpdateExisting(e.target.checked)} /> Update contacts that already exist</label>
        </div>
      </Card>
      <div className="actions">
        <button type="button" onClick={onBack}>Back</button>
        <button className="primary" disabled={starting || busy} onClick={() => void start()}>Start import</button>
      </div>
    </>
  );
}
