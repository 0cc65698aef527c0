import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextField } from '../ui/form.tsx';

type Change = { channel: 'email' | 'sms'; status: string; proof?: { reason: string; consented_at: string; source: string } };

/** Giving consent back to someone who withdrew it (or whose address failed) takes a proof (issue 16). */
const needsProof = (channel: 'email' | 'sms', from: string) => (channel === 'email' ? from !== 'subscribed' : from === 'opted_out');

const SOURCES = ['paper form', 'in person or at an event', 'phone call', 'email from the contact', 'other'];

function ProofForm({ channel, onSubmit, onCancel, error, busy }: { channel: string; onSubmit: (p: Change['proof']) => void; onCancel: () => void; error: unknown; busy: boolean }) {
  const [reason, setReason] = useState('');
  const [date, setDate] = useState('');
  const [source, setSource] = useState(SOURCES[0]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({ reason, consented_at: date, source });
  };
  return (
    <form className="proof" onSubmit={submit} aria-label={`Proof of ${channel} consent`}>
      <p className="small muted">This contact withdrew consent or their address failed. Say how they gave it again: it is kept in the consent history.</p>
      <TextField label="Reason" name="reason" errorPath="proof.reason" error={error} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} placeholder="Signed up again at the shop" />
      <TextField label="Consent given on" name="consented_at" errorPath="proof.consented_at" error={error} type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
      <SelectField label="Source" name="source" errorPath="proof.source" error={error} value={source} onChange={(e) => setSource(e.target.value)}>
        {SOURCES.map((s) => <option key={s}>{s}</option>)}
      </SelectField>
      <div className="actions">
        <button type="submit" disabled={busy}>{channel === 'email' ? 'Resubscribe' : 'Opt in'}</button>{' '}
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

export function ConsentCard({ c }: { c: { id: number; email_status: string; sms_status: string } }) {
  const base = `/api/v1/contacts/${c.id}`;
  const [asking, setAsking] = useState<'email' | 'sms' | null>(null);
  const set = useAction((b: Change) => post(`${base}/consent`, b), [base], () => setAsking(null));
  const history = useGet<{ data: any[] }>(`${base}/consent-history`);
  const give = (channel: 'email' | 'sms', status: string, from: string) => (needsProof(channel, from) ? setAsking(channel) : set.mutate({ channel, status }));
  return (
    <Card title="Consent">
      {!asking && <ErrorBanner error={set.error} />}
      <dl className="kv">
        <dt>Email</dt>
        <dd>
          <Status value={c.email_status} />{' '}
          {c.email_status === 'subscribed'
            ? <button className="small" onClick={() => set.mutate({ channel: 'email', status: 'unsubscribed' })}>Unsubscribe</button>
            : <button className="small" onClick={() => give('email', 'subscribed', c.email_status)}>Resubscribe…</button>}
        </dd>
        <dt>SMS</dt>
        <dd>
          <Status value={c.sms_status} />{' '}
          {c.sms_status === 'opted_in'
            ? <button className="small" onClick={() => set.mutate({ channel: 'sms', status: 'opted_out' })}>Opt out</button>
            : <button className="small" onClick={() => give('sms', 'opted_in', c.sms_status)}>Opt in{needsProof('sms', c.sms_status) ? '…' : ''}</button>}
        </dd>
      </dl>
      {asking && (
        <ProofForm channel={asking} error={set.error} busy={set.isPending} onCancel={() => setAsking(null)}
          onSubmit={(proof) => set.mutate({ channel: asking, status: asking === 'email' ? 'subscribed' : 'opted_in', proof })} />
      )}
      <h3>History</h3>
      <ul className="plain small" data-testid="consent-history">
        {(history.data?.data ?? []).map((h, i) => (
          <li key={i}>
            <span className="muted">{formatDate(h.occurred_at)}</span> {h.channel}: <b>{h.status.replace(/_/g, ' ')}</b>{' '}
            <span className="muted">by {h.actor ?? h.source}{h.actor ? ` (${h.source.replace(/_/g, ' ')})` : ''}</span>
            {(h.reason || h.proof) && <div className="muted">{h.reason ?? h.proof.reason}{h.proof ? ` · consent given ${h.proof.consented_at} · ${h.proof.source}` : ''}</div>}
          </li>
        ))}
      </ul>
    </Card>
  );
}
