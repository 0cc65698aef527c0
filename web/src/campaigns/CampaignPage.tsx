import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Loading, PageHeader, Stat, Status } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { CampaignChart } from './CampaignChart.tsx';

const COUNTS: [string, string][] = [['matching', 'Matching'], ['no_address', 'No address'], ['suppressed', 'Suppressed'], ['duplicates_collapsed', 'Duplicates'], ['control_group', 'Control group'], ['recipients', 'Recipients']];

/** One campaign: recipients count, the prepare checklist, approve / reject, pause, cancel, results (K-1 … K-8). */
export function CampaignPage({ id }: { id: number }) {
  const base = `/api/v1/campaigns/${id}`;
  const q = useGet<any>(base, { refetchInterval: 5_000 });
  const started = q.data && !['draft', 'awaiting_approval', 'rejected'].includes(q.data.status);
  const report = useGet<any>(started ? `${base}/report` : null, { refetchInterval: 10_000 });
  const calc = useAction(() => post(`${base}/calculate`, {}));
  const act = useAction(({ verb, body }: { verb: string; body?: any }) => post(`${base}/${verb}`, body ?? {}), [base, '/api/v1/campaigns', '/api/v1/approvals']);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const c = q.data;
  const cl = act.data?.checks ? act.data : act.data?.checklist ?? c.checklist;
  const checks: any[] = Array.isArray(cl) ? cl : cl?.checks ?? [];
  const counts = calc.data ?? cl?.calculation;
  const t = report.data?.totals;
  return (
    <>
      <PageHeader
        title={<>{c.name} <Status value={c.status} /></>}
        sub={<>Message <Link to={`/messages/${c.message_id}`}>#{c.message_id}</Link></>}
        actions={<>
          {(c.status === 'draft' || c.status === 'rejected') && <button onClick={() => calc.mutate(undefined)}>Count recipients</button>}
          {(c.status === 'draft' || c.status === 'rejected') && <button className="primary" onClick={() => act.mutate({ verb: 'prepare' })}>Prepare</button>}
          {c.status === 'awaiting_approval' && <>
            <button className="primary" onClick={() => act.mutate({ verb: 'approve' })}>Approve</button>
            <button className="danger" onClick={() => { const reason = prompt('Why is it rejected?'); if (reason) act.mutate({ verb: 'reject', body: { reason } }); }}>Reject</button>
          </>}
          {c.status === 'sending' && <button onClick={() => act.mutate({ verb: 'pause' })}>Pause</button>}
          {c.status === 'paused' && <button onClick={() => act.mutate({ verb: 'resume' })}>Resume</button>}
          {['approved', 'scheduled', 'sending', 'paused', 'awaiting_approval'].includes(c.status) && <button className="danger" onClick={() => confirm('Cancel this campaign?') && act.mutate({ verb: 'cancel' })}>Cancel</button>}
        </>}
      />
      <ErrorBanner error={act.error ?? calc.error} />
      {counts && (
        <Card title="Recipients">
          <div className="stats" data-testid="recipient-counts">{COUNTS.filter(([k]) => counts[k] !== undefined).map(([k, l]) => <Stat key={k} label={l} value={counts[k]} />)}</div>
        </Card>
      )}
      {checks.length > 0 && (
        <Card title="Checklist">
          <ul className="plain explain" data-testid="checklist">
            {checks.map((i: any, n: number) => (
              <li key={n} className={i.ok ? 'yes' : 'no'}>{i.label}{(i.problems ?? []).map((p: string) => <div key={p} className="muted small">{p}</div>)}</li>
            ))}
          </ul>
        </Card>
      )}
      {t && (
        <Card title="Results">
          <div className="stats">
            {['sent', 'delivered', 'opened', 'clicked', 'unsubscribed', 'bounced', 'suppressed'].filter((k) => t[k] !== undefined).map((k) => <Stat key={k} label={k} value={t[k]} />)}
          </div>
          <CampaignChart report={report.data} />
        </Card>
      )}
    </>
  );
}
