import { useState } from 'react';
import { del, post } from '../api.ts';
import { useAction } from '../data.ts';
import { navigate } from '../router.tsx';
import { ErrorBanner, TextArea } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';
import { useCan } from '../ui/permissions.ts';

const CANCELLABLE = ['approved', 'scheduled', 'sending', 'paused', 'awaiting_approval'];

/**
 * Approve / reject with a reason (K-6), pause / resume / cancel (K-7), duplicate, delete: each
 * shown only to a role the API lets do it (P-3): an author sees no Approve, an approver no edits.
 */
export function CampaignActions({ c }: { c: any }) {
  const can = useCan();
  const write = can('write');
  const base = `/api/v1/campaigns/${c.id}`;
  const refresh = [base, '/api/v1/campaigns', '/api/v1/approvals'];
  const act = useAction(({ verb, body }: { verb: string; body?: any }) => post(`${base}/${verb}`, body ?? {}), refresh);
  const copy = useAction(() => post(`${base}/duplicate`, {}), ['/api/v1/campaigns'], (x: any) => navigate(`/campaigns/${x.id}`));
  const remove = useAction(() => del(base), ['/api/v1/campaigns'], () => navigate('/campaigns'));
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const verb = (v: string, body?: any) => act.mutate({ verb: v, body });
  const s = c.status;
  return (
    <div className="stack" style={{ alignItems: 'flex-end' }}>
      <div className="actions">
        {s === 'awaiting_approval' && can('approve') && <>
          <button className="primary" disabled={act.isPending} onClick={() => verb('approve')}>Approve</button>
          <button className="danger" onClick={() => setRejecting(!rejecting)}>Reject…</button>
        </>}
        {s === 'awaiting_approval' && !can('approve') && <span className="muted small">An approver decides: your role cannot approve.</span>}
        {write && <>
        {s === 'sending' && <button onClick={() => verb('pause')}>Pause</button>}
        {s === 'paused' && <button className="primary" onClick={() => verb('resume')}>Resume</button>}
        {CANCELLABLE.includes(s) && <ConfirmButton className="danger" question={s === 'sending' || s === 'paused' ? 'Stop this campaign? Messages not sent yet are cancelled.' : 'Cancel this campaign? Nothing is sent.'} onConfirm={() => verb('cancel')}>Cancel campaign</ConfirmButton>}
        <button onClick={() => copy.mutate(undefined)}>Duplicate</button>
        {(s === 'draft' || s === 'rejected') && <ConfirmButton className="danger" question={'Delete this draft?'} onConfirm={() => remove.mutate(undefined)}>Delete</ConfirmButton>}
        </>}
      </div>
      {rejecting && s === 'awaiting_approval' && (
        <form className="card" style={{ width: 420, marginBottom: 0 }} onSubmit={(e) => { e.preventDefault(); act.mutate({ verb: 'reject', body: { reason } }, { onSuccess: () => setRejecting(false) }); }}>
          <TextArea label="Why is it rejected?" name="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} error={act.error} hint="The author sees this reason on the campaign." />
          <button className="danger">Reject the campaign</button>
        </form>
      )}
      <div style={{ width: '100%' }}><ErrorBanner error={act.error ?? copy.error ?? remove.error} fields={rejecting ? ['reason'] : []} /></div>
    </div>
  );
}
