import { useEffect, useState } from 'react';
import { patch } from '../api.ts';
import { invalidate, useAction, useGet } from '../data.ts';
import { Loading, PageHeader, Status } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { Builder } from './Builder.tsx';
import { DryRun } from './DryRun.tsx';
import { TRIGGER_ID, type Definition } from './graph.ts';
import { JourneyActions } from './JourneyActions.tsx';
import { JourneyReport } from './JourneyReport.tsx';
import { JourneySettings } from './JourneySettings.tsx';
import { Problems, type Problem, type Target } from './Problems.tsx';
import { Versions } from './Versions.tsx';

const TABS = { graph: 'Builder', settings: 'Settings', versions: 'Versions', report: 'Report', dry: 'Dry run' } as const;
type Tab = keyof typeof TABS;

/** Where a save error (`definition.trigger.list_ids`, `definition.steps[2].message_id`) is fixed. */
function saveTarget(path: string, def: Definition): Target | null {
  const p = path.replace(/\[(\d+)\]/g, '.$1').replace(/^definition\./, '');
  if (p.startsWith('trigger')) return { trigger: true };
  const step = /^steps\.(\d+)/.exec(p);
  if (step) { const s = def.steps[Number(step[1])]; return s ? { step: s.id } : null; }
  const top = p.split('.')[0];
  return ['entry_filter', 'exit_criteria', 'goal', 'settings'].includes(top) ? { settings: top } : null;
}

export function JourneyPage({ id }: { id: number }) {
  const base = `/api/v1/journeys/${id}`;
  const q = useGet<any>(base);
  const report = useGet<any>(`${base}/report`, { refetchInterval: 5_000 });
  const [def, setDef] = useState<Definition | null>(null);
  const [name, setName] = useState('');
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('graph');
  const [focus, setFocus] = useState<string | null>(null);
  useEffect(() => {
    if (!q.data) return;
    setDef(q.data.definition);
    setName(q.data.name);
    setDirty(false);
  }, [q.data]);

  const save = useAction(() => patch(base, { name, definition: def }), [base, '/api/v1/journeys']);
  if (q.isLoading || !def) return q.error ? <ErrorBanner error={q.error} /> : <Loading />;
  const j = q.data;
  const problems: Problem[] = dirty ? [] : j.problems ?? [];
  const change = (d: Definition) => { setDef(d); setDirty(true); };
  const live = j.status === 'active' || j.status === 'locked';
  const resolve = (t: Target) => {
    if ('step' in t) { setSelected(t.step); setTab('graph'); }
    else if ('trigger' in t) { setSelected(TRIGGER_ID); setTab('graph'); }
    else { setFocus(t.settings); setTab('settings'); }
  };

  return (
    <>
      <PageHeader
        title={<><input aria-label="Journey name" className="title-input" value={name} onChange={(e) => { setName(e.target.value); setDirty(true); }} /> <Status value={j.status} /></>}
        sub={`Version ${j.version}${j.activated_at ? ` · active since ${new Date(j.activated_at).toLocaleDateString()}` : ''}${live ? ' · saving a structural change publishes a new version' : ''}${dirty ? ' · unsaved changes' : ''}`}
        actions={<>
          <button className="primary" disabled={!dirty || save.isPending} title={live ? 'A structural change publishes a new version; contacts in flight stay on theirs' : undefined} onClick={() => save.mutate(undefined)}>{save.isPending ? 'Saving…' : 'Save'}</button>
          <JourneyActions j={j} dirty={dirty} />
        </>}
      />
      <ErrorBanner error={save.error} fix={(path) => {
        const t = saveTarget(path, def);
        return t && <button className="link" onClick={() => resolve(t)}>{'step' in t ? `Open step ${t.step}` : 'trigger' in t ? 'Open the trigger' : 'Open the settings'}</button>;
      }} />
      {!dirty && <Problems problems={problems} status={j.status} onResolve={resolve} />}
      {dirty && <div className="banner info">Save to check the journey again.</div>}
      <div className="tabs">
        {(Object.keys(TABS) as Tab[]).map((t) => <button key={t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>{TABS[t]}</button>)}
      </div>
      {tab === 'graph' && <Builder def={def} onChange={change} problems={problems} report={report.data} selected={selected} onSelect={setSelected} />}
      {tab === 'settings' && <JourneySettings def={def} onChange={change} problems={problems} focus={focus} />}
      {tab === 'versions' && <Versions j={j} />}
      {tab === 'report' && <JourneyReport report={report.data} def={def} onRefresh={() => invalidate(`${base}/report`)} />}
      {tab === 'dry' && <DryRun id={id} />}
    </>
  );
}
