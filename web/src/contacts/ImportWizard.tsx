import { useState } from 'react';
import { api, post } from '../api.ts';
import { invalidate } from '../data.ts';
import { navigate } from '../router.tsx';
import { Card, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ImportMapping, SeparatorSelect, type Separator, type Upload } from './ImportMapping.tsx';
import { ImportProgress } from './ImportProgress.tsx';

const STEPS = ['1. Upload', '2. Map columns', '3. Import'];

/** CSV import (C-2): upload → column mapping → progress and the per-line error report. */
export function ImportWizard({ importId }: { importId?: number }) {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [separator, setSeparator] = useState<Separator>('auto');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const step = importId ? 2 : upload ? 1 : 0;

  // the same file again with another separator: a new upload (an upload is read once, streaming)
  const send = async (f: File, sep: Separator) => {
    setBusy(true);
    setError(null);
    setFile(f);
    setSeparator(sep);
    try {
      const q = new URLSearchParams({ delimiter: sep, filename: f.name.slice(0, 255) });
      setUpload(await api<Upload>('POST', `/api/v1/imports/upload?${q}`, f, { contentType: 'text/csv' }));
    } catch (e) {
      setError(e);
      setUpload(null);
    } finally {
      setBusy(false);
    }
  };

  const start = async (body: any) => {
    const r = await post<{ id: number }>('/api/v1/imports', body);
    await invalidate('/api/v1/imports');
    await invalidate('/api/v1/fields');
    navigate(`/imports/${r.id}`, true);
  };

  return (
    <>
      <PageHeader title="Import contacts" sub="From a CSV file with a header line; one contact per line." />
      <div className="steps-bar">{STEPS.map((s, i) => <span key={s} className={i === step ? 'on' : ''}>{s}</span>)}</div>
      {step === 0 && (
        <Card title="Choose a CSV file">
          <ErrorBanner error={error} fields={['delimiter', 'querystring.delimiter']} />
          <p className="muted">The first line names the columns. Up to 200 MB; the import runs in the background.</p>
          <div className="row">
            <SeparatorSelect value={separator} onChange={setSeparator} disabled={busy} />
          </div>
          <input type="file" accept=".csv,.tsv,.txt,text/csv" aria-label="CSV file" disabled={busy} onChange={(e) => e.target.files?.[0] && void send(e.target.files[0], separator)} />
          {busy && <p className="muted">Uploading…</p>}
        </Card>
      )}
      {step === 1 && upload && (
        <ImportMapping
          key={upload.upload_id}
          upload={upload}
          separator={separator}
          busy={busy}
          onSeparator={(sep) => file && void send(file, sep)}
          onStart={start}
          onBack={() => setUpload(null)}
        />
      )}
      {step === 2 && importId && <ImportProgress id={importId} />}
    </>
  );
}
