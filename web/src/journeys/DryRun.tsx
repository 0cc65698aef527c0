import { useState } from 'react';
import { post, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Card, Empty, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { contactName } from '../contacts/ContactsPage.tsx';

/** Simulates the journey for a contact or a sample, changing nothing (J-20). */
export function DryRun({ id }: { id: number }) {
  const contacts = useGet<{ data: any[] }>(`/api/v1/contacts${qs({ limit: 50 })}`);
  const [contactId, setContactId] = useState('');
  const [result, setResult] = useState<any[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setError(null);
    try {
      const r = await post<{ data: any[] }>(`/api/v1/journeys/${id}/dry-run`, contactId ? { contact_id: Number(contactId) } : { sample: 5 });
      setResult(r.data);
    } catch (e) {
      setError(e);
    }
  };
  const names = new Map((contacts.data?.data ?? []).map((c) => [c.id, contactName(c)]));
  return (
    <Card title="Dry run">
      <p className="muted">What would happen to a contact entering now: every step, send time and branch. Nothing is sent or changed.</p>
      <div className="row">
        <select aria-label="Dry-run contact" value={contactId} onChange={(e) => setContactId(e.target.value)}>
          <option value="">A sample of 5 contacts</option>
          {(contacts.data?.data ?? []).map((c) => <option key={c.id} value={c.id}>{contactName(c)}</option>)}
        </select>
        <button className="primary" onClick={() => void run()}>Run</button>
      </div>
      <ErrorBanner error={error} />
      {result && result.length === 0 && <Empty title="No contact to simulate">Add contacts first.</Empty>}
      {result?.map((r) => (
        <div key={r.contact_id} style={{ marginTop: 14 }} data-testid="dry-run-result">
          <h3>{names.get(r.contact_id) ?? `Contact ${r.contact_id}`}</h3>
          <ul className="timeline">
            {r.timeline.map((t: any, i: number) => (
              <li key={i}><span className="muted small">{formatDate(t.at)}</span> {t.step_id && <code>{t.step_id}</code>} {t.what}{t.why && <span className="muted"> — {t.why}</span>}</li>
            ))}
          </ul>
        </div>
      ))}
    </Card>
  );
}
