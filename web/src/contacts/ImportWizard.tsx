import { useState } from 'react';
import { api, post } from '../api.ts';
import { invalidate } from '../data.ts';
import { navigate } from '../router.tsx';
import { Card, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ImportMapping, type Upload } from './ImportMapping.tsx';
import { ImportProgress } from './ImportProgress.tsx';

const STEPS = ['1. Upload', '2. Map columns', '3. Import'];

/** CSV import (C-2): upload → column mapping → progress and the per-line error report. */
export function ImportWizard({ importId }: { importId?: number }) {
  const [upload, setUpload] = useState<Upload | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const step = importId ? 2 : upload ? 1 : 0;

  const send = async (file: File) => {
    setBusy(true);
    setError(null);
    try {
      setUpload(await api<Upload>('POST', '/api/v1/imports/upload', file, { contentType: 'text/csv' }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const start = async (body: any) => {
    const r = await post<{ id: number }>('/api/v1/imports', body);
    await invalidate('/api/v1/imports');
    navigate(`/imports/${r.id}`, true);
  };

  return (
    <>
      <PageHeader title="Import contacts" sub="From a CSV file with a header line; one contact per line." />
      <div className="steps-bar">{STEPS.map((s, i) => <span key={s} className={i === step ? 'on' : ''}>{s}</span>)}</div>
      {step === 0 && (
        <Card title="Choose a CSV file">
          <ErrorBanner error={error} />
          <p className="muted">The first line names the columns. Up to 200 MB; the import runs in the background.</p>
          <input type="file" accept=".csv,text/csv" aria-label="CSV file" disabled={busy} onChange={(e) => e.target.files?.[0] && void send(e.target.files[0])} />
          {busy && <p className="muted">Uploading…</p>}
        </Card>
      )}
      {step === 1 && upload && <ImportMapping upload={upload} onStart={start} onBack={() => setUpload(null)} />}
      {step === 2 && importId && <ImportProgress id={importId} />}
    </>
  );
}
