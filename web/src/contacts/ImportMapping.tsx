import { useState } from 'react';
import { useGet } from '../data.ts';
import { Card } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ApiError } from '../api.ts';

export interface Upload {
  upload_id: number;
  row_count: number | null;
  columns: string[];
  preview: Record<string, string>[];
  suggested_mapping: Record<string, string>;
}

const STANDARD = ['email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday'];

export function ImportMapping({ upload, onStart, onBack }: { upload: Upload; onStart(body: any): Promise<void>; onBack(): void }) {
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const [mapping, setMapping] = useState<Record<string, string>>(() => ({ ...Object.fromEntries(upload.columns.map((c) => [c, 'ignore'])), ...upload.suggested_mapping }));
  const [listIds, setListIds] = useState<number[]>([]);
  const [tags, setTags] = useState('');
  const [updateExisting, setUpdateExisting] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const targets = [...STANDARD, ...(fields.data?.data ?? []).map((f) => `fields.${f.key}`)];
  const colError = (c: string) => (error instanceof ApiError ? error.details.find((d) => d.path === `mapping.${c}`)?.message : undefined);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const t = tags.split(',').map((x) => x.trim()).filter(Boolean);
      await onStart({ upload_id: upload.upload_id, mapping, list_ids: listIds, tags: t, update_existing: updateExisting });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <>
      <Card title={`Map the columns (${upload.row_count ?? '?'} lines)`}>
        <ErrorBanner error={error} fields={upload.columns.map((c) => `mapping.${c}`)} />
        <table className="table" data-testid="mapping">
          <thead><tr><th>Column</th><th>Sample values</th><th>Becomes</th></tr></thead>
          <tbody>
            {upload.columns.map((c) => (
              <tr key={c}>
                <td><strong>{c}</strong></td>
                <td className="muted small">{upload.preview.slice(0, 3).map((r) => r[c]).filter(Boolean).join(', ')}</td>
                <td>
                  <select aria-label={`Map ${c}`} value={mapping[c] ?? 'ignore'} onChange={(e) => setMapping({ ...mapping, [c]: e.target.value })}>
                    <option value="ignore">— ignore —</option>
                    {targets.map((t) => <option key={t} value={t}>{t.startsWith('fields.') ? `custom: ${t.slice(7)}` : t.replace('_', ' ')}</option>)}
                  </select>
                  {colError(c) && <div className="field-error">{colError(c)}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">A column for a field that does not exist yet? Create it under Custom fields, then come back.</p>
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
          <label className="field"><span className="field-label">Tags (comma separated)</span><input value={tags} onChange={(e) => setTags(e.target.value)} /></label>
          <label className="check"><input type="checkbox" checked={updateExisting} onChange={(e) => setUpdateExisting(e.target.checked)} /> Update contacts that already exist</label>
        </div>
      </Card>
      <div className="actions">
        <button type="button" onClick={onBack}>Back</button>
        <button className="primary" disabled={busy} onClick={() => void start()}>Start import</button>
      </div>
    </>
  );
}
