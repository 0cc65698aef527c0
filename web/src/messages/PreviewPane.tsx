import { useEffect, useState } from 'react';
import { post, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Card, Loading } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { contactName } from '../contacts/ContactsPage.tsx';
import { SandboxedHtml } from '../ui/SandboxedHtml.tsx';

/** The saved version rendered as a chosen contact (M-1), and a test send. */
export function PreviewPane({ id, channel, version }: { id: number; channel: string; version: number }) {
  const [contactId, setContactId] = useState<number | undefined>();
  const [search, setSearch] = useState('');
  const contacts = useGet<{ data: any[] }>(`/api/v1/contacts${qs({ q: search, limit: 20 })}`);
  const [preview, setPreview] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setError(null);
    post(`/api/v1/messages/${id}/preview`, contactId ? { contact_id: contactId } : {}).then(setPreview, setError);
  }, [id, version, contactId]);

  const [to, setTo] = useState('');
  const [test, setTest] = useState<{ ok?: string; error?: unknown }>({});
  const sendTest = async () => {
    setTest({});
    try {
      const list = to.split(/[,\s]+/).filter(Boolean);
      await post(`/api/v1/messages/${id}/test`, { to: list, ...(contactId ? { contact_id: contactId } : {}) });
      setTest({ ok: `Test sent to ${list.join(', ')}. With the embedded transport it appears in the Outbox.` });
    } catch (e) {
      setTest({ error: e });
    }
  };

  return (
    <div>
      <Card title="Preview">
        <div className="row">
          <label className="field"><span className="field-label">Find a contact</span><input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="email or name" /></label>
          <label className="field"><span className="field-label">Preview as</span>
            <select aria-label="Preview as" value={contactId ?? ''} onChange={(e) => setContactId(e.target.value ? Number(e.target.value) : undefined)}>
              <option value="">Sample data</option>
              {(contacts.data?.data ?? []).map((c) => <option key={c.id} value={c.id}>{contactName(c)}</option>)}
            </select>
          </label>
        </div>
        <ErrorBanner error={error} />
        {!preview ? <Loading /> : channel === 'email' ? <>
          <dl className="kv small" style={{ marginBottom: 8 }}>
            <dt>From</dt><dd>{preview.from ?? '—'}</dd>
            <dt>Subject</dt><dd data-testid="preview-subject">{preview.subject}</dd>
            <dt>Version</dt><dd data-testid="preview-language">{preview.language ?? 'default'}</dd>
          </dl>
          <SandboxedHtml html={preview.html} title="Email preview" />
          <details><summary className="small muted">Text part</summary><pre className="small" style={{ whiteSpace: 'pre-wrap' }}>{preview.text}</pre></details>
        </> : <div className="banner info" data-testid="preview-sms" style={{ whiteSpace: 'pre-wrap' }}>{preview.text ?? preview.sms ?? JSON.stringify(preview)}</div>}
        <p className="muted small">The preview shows the saved version, in the contact's language when the message has that version: save to see your changes.</p>
      </Card>
      <Card title="Send a test">
        {test.ok && <div className="banner good">{test.ok}</div>}
        <ErrorBanner error={test.error} fields={['to']} />
        <div className="row">
          <TextField label={channel === 'email' ? 'To (emails, comma separated)' : 'To (phone numbers)'} name="to" value={to} onChange={(e) => setTo(e.target.value)} error={test.error} />
          <div className="field"><button disabled={!to.trim()} onClick={() => void sendTest()}>Send test</button></div>
        </div>
      </Card>
    </div>
  );
}
