import { useEffect, useState } from 'react';
import { post, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Card, Loading } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { contactName } from '../contacts/ContactsPage.tsx';
import { SandboxedHtml } from '../ui/SandboxedHtml.tsx';
import { useCan } from '../ui/permissions.ts';

/** The draft being edited (saved or not) rendered as a chosen contact (M-1), on a desktop or phone width, and a test send. */
export function PreviewPane({ id, channel, version, draft }: { id: number; channel: string; version: number; draft?: Record<string, unknown> }) {
  const [contactId, setContactId] = useState<number | undefined>();
  const [search, setSearch] = useState('');
  const contacts = useGet<{ data: any[] }>(`/api/v1/contacts${qs({ q: search, limit: 20 })}`);
  const [preview, setPreview] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [width, setWidth] = useState<'desktop' | 'mobile'>('desktop');
  const draftJson = draft && Object.keys(draft).length ? JSON.stringify(draft) : '';
  useEffect(() => {
    // the draft as it is now (rendered by the server, nothing saved), a moment after typing stops
    const timer = setTimeout(() => {
      post(`/api/v1/messages/${id}/preview`, { ...(contactId ? { contact_id: contactId } : {}), ...(draftJson ? { content: JSON.parse(draftJson) } : {}) })
        .then((p) => { setPreview(p); setError(null); }, setError);
    }, draftJson ? 400 : 0);
    return () => clearTimeout(timer);
  }, [id, version, contactId, draftJson]);

  const canTest = useCan()('write'); // a test send is a send: POST /messages/{id}/test needs write
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
          <div className="wizard-steps" role="group" aria-label="Preview width" style={{ marginBottom: 6 }}>
            <button className={width === 'desktop' ? 'on' : ''} onClick={() => setWidth('desktop')}>Desktop</button>
            <button className={width === 'mobile' ? 'on' : ''} onClick={() => setWidth('mobile')}>Mobile</button>
          </div>
          <div style={{ maxWidth: width === 'mobile' ? 375 : undefined, margin: '0 auto' }} data-testid={`preview-${width}`}>
            <SandboxedHtml html={preview.html} title="Email preview" />
          </div>
          <details><summary className="small muted">Text part</summary><pre className="small" style={{ whiteSpace: 'pre-wrap' }}>{preview.text}</pre></details>
        </> : <div className="banner info" data-testid="preview-sms" style={{ whiteSpace: 'pre-wrap' }}>{preview.text ?? preview.sms ?? JSON.stringify(preview)}</div>}
        <p className="muted small">The preview shows your changes as you make them (not saved yet), in the contact's language when the message has that version. A test sends the saved version.</p>
      </Card>
      {canTest && <Card title="Send a test">
        {test.ok && <div className="banner good">{test.ok}</div>}
        <ErrorBanner error={test.error} fields={['to']} />
        <div className="row">
          <TextField label={channel === 'email' ? 'To (emails, comma separated)' : 'To (phone numbers)'} name="to" value={to} onChange={(e) => setTo(e.target.value)} error={test.error} />
          <div className="field"><button disabled={!to.trim()} onClick={() => void sendTest()}>Send test</button></div>
        </div>
      </Card>}
    </div>
  );
}
