import { useEffect, useState } from 'react';
import { del, patch, post } from '../api.ts';
import { invalidate, useAction, useGet } from '../data.ts';
import { navigate } from '../router.tsx';
import { Card, Loading, PageHeader, Status } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { Builder } from './Builder.tsx';
import { DryRun } from './DryRun.tsx';
import { TRIGGER_ID, type Definition } from './graph.ts';
import { JourneyReport } from './JourneyReport.tsx';

type Problem = { step_id: string | null; path: string; message: string; resolve?: string };

function Problems({ problems, onResolve }: { problems: Problem[]; onResolve(id: string): void }) {
  if (problems.length === 0) return <div className="banner good">No problem found: the journey can be activated.</div>;
  return (
    <Card title={`${problems.length} problem${problems.length > 1 ? 's' : ''} to fix before activating`} className="problems">
      <ul className="plain" data-testid="problems">
        {problems.map((p, i) => (
          <li key={i}>
            <strong>{p.step_id ?? (p.path.startsWith('trigger') ? 'trigger' : 'journey')}</strong>: {p.message}
            {p.resolve && <span className="muted"> — {p.resolve}</span>}{' '}
            <button className="link" onClick={() => onResolve(p.step_id ?? TRIGGER_ID)}>resolve</button>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function JourneyPage({ id }: { id: number }) {
  const base = `/api/v1/journeys/${id}`;
  const q = useGet<any>(base);
  const report = useGet<any>(`${base}/report`, { refetchInterval: 5_000 });
  const [def, setDef] = useState<Definition | null>(null);
  const [name, setName] = useState('');
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<'graph' | 'report' | 'dry'>('graph');
  useEffect(() => {
    if (!q.data) return;
    setDef(q.data.definition);
    setName(q.data.name);
    setDirty(false);
  }, [q.data]);

  const refresh = [base, '/api/v1/journeys'];
  const save = useAction(() => patch(base, { name, definition: def }), refresh);
  const act = useAction(({ verb, body }: { verb: string; body?: any }) => post(`${base}/${verb}`, body ?? {}), refresh);
  const remove = useAction(() => del(base), ['/api/v1/journeys'], () => navigate('/journeys'));
  const duplicate = useAction(() => post(`${base}/duplicate`, {}), ['/api/v1/journeys'], (j: any) => navigate(`/journeys/${j.id}`));

  if (q.isLoading || !def) return q.error ? <ErrorBanner error={q.error} /> : <Loading />;
  const j = q.data;
  const problems: Problem[] = j.problems ?? [];
  const change = (d: Definition) => { setDef(d); setDirty(true); };
  const live = j.status === 'active' || j.status === 'locked';
  const error = save.error ?? act.error ?? remove.error ?? duplicate.error;

  return (
    <>
      <PageHeader
        title={<><input aria-label="Journey name" className="title-input" value={name} onChange={(e) => { setName(e.target.value); setDirty(true); }} /> <Status value={j.status} /></>}
        sub={`Version ${j.version}${j.activated_at ? ` · active since ${new Date(j.activated_at).toLocaleDateString()}` : ''}${dirty ? ' · unsaved changes' : ''}`}
        actions={<>
          <button className="primary" disabled={!dirty || save.isPending} onClick={() => save.mutate(undefined)}>{save.isPending ? 'Saving…' : 'Save'}</button>
          {(j.status === 'draft' || j.status === 'stopped') && <button disabled={dirty} title={dirty ? 'Save first' : ''} onClick={() => act.mutate({ verb: 'activate' })}>Activate</button>}
          {j.status === 'active' && <button onClick={() => act.mutate({ verb: 'lock' })}>Lock</button>}
          {live && <button onClick={() => confirm('Stop this journey? Contacts in it stop advancing.') && act.mutate({ verb: 'stop' })}>Stop</button>}
          {j.status !== 'archived' && <button onClick={() => confirm(live ? 'Archive this active journey? It is stopped first.' : 'Archive this journey?') && act.mutate({ verb: 'archive', body: { confirm: true } })}>Archive</button>}
          <button onClick={() => duplicate.mutate(undefined)}>Duplicate</button>
          {(j.status === 'draft' || j.status === 'archived') && <button className="danger" onClick={() => confirm('Delete this journey?') && remove.mutate(undefined)}>Delete</button>}
        </>}
      />
      <ErrorBanner error={error} />
      <div className="tabs">
        <button className={tab === 'graph' ? 'active' : ''} onClick={() => setTab('graph')}>Builder</button>
        <button className={tab === 'report' ? 'active' : ''} onClick={() => setTab('report')}>Report</button>
        <button className={tab === 'dry' ? 'active' : ''} onClick={() => setTab('dry')}>Dry run</button>
      </div>
      {tab === 'graph' && <>
        <Problems problems={dirty ? [] : problems} onResolve={(sid) => setSelected(sid)} />
        {dirty && <div className="banner info">Save to check the journey again.</div>}
        <Builder def={def} onChange={change} problems={dirty ? [] : problems} report={report.data} selected={selected} onSelect={setSelected} />
      </>}
      {tab === 'report' && <JourneyReport report={report.data} def={def} onRefresh={() => invalidate(`${base}/report`)} />}
      {tab === 'dry' && <DryRun id={id} />}
    </>
  );
}
