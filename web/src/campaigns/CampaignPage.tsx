import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Loading, PageHeader, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { AuditLog } from './AuditLog.tsx';
import { CampaignActions } from './CampaignActions.tsx';
import { CampaignSummary } from './CampaignSummary.tsx';
import { Checklist } from './Checklist.tsx';
import { Results } from './results/Results.tsx';
import { CampaignWizard } from './wizard/CampaignWizard.tsx';
import { useCan } from '../ui/permissions.ts';

const EDITABLE = ['draft', 'rejected', 'awaiting_approval'];
const NOT_STARTED = ['draft', 'awaiting_approval', 'rejected', 'approved', 'scheduled'];

/** One campaign: the wizard while editable, the checklist, approval, lifecycle, then results (K-1 … K-8). */
export function CampaignPage({ id }: { id: number }) {
  const base = `/api/v1/campaigns/${id}`;
  const q = useGet<any>(base, { refetchInterval: 5_000 });
  const write = useCan()('write');
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const c = q.data;
  const sub = c.status === 'scheduled' && c.start_at ? `Starts ${formatDate(c.start_at)}` : c.started_at ? `Started ${formatDate(c.started_at)}${c.finished_at ? ` · finished ${formatDate(c.finished_at)}` : ''}` : null;
  return (
    <>
      <PageHeader
        title={<>{c.name} <Status value={c.status} /></>}
        sub={<>Message <Link to={`/messages/${c.message_id}`}>#{c.message_id}</Link>{sub && ` · ${sub}`}</>}
        actions={<CampaignActions c={c} />}
      />
      {c.status === 'awaiting_approval' && <div className="banner info">{write ? 'Waiting for approval. Editing the campaign sends it back to draft.' : 'Waiting for approval.'}</div>}
      {c.status === 'rejected' && <div className="banner warn">Rejected: see the reason in the history below, edit, then prepare again.</div>}
      <Checklist checklist={EDITABLE.includes(c.status) ? c.checklist : null} />
      {!write && EDITABLE.includes(c.status) && <p className="muted small">Your role does not edit campaigns: the settings are shown as they are.</p>}
      {EDITABLE.includes(c.status) && write ? <CampaignWizard key={c.id} c={c} /> : <CampaignSummary c={c} />}
      {!NOT_STARTED.includes(c.status) && <Results c={c} />}
      <AuditLog id={id} />
    </>
  );
}
