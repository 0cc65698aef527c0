import { useEffect, useState, type FormEvent } from 'react';
import { patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Card, Loading, Stat } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';

const LEVELS: [string, string][] = [['most', 'Most engaged'], ['somewhat', 'Somewhat engaged'], ['least', 'Least engaged'], ['everyone_else', 'Everyone else']];

/** Engagement thresholds (S-3), stored in the workspace settings, and the levels they give now. */
export function Engagement() {
  const q = useGet<any>('/api/v1/engagement');
  const [v, setV] = useState({ window_days: 90, min_emails: 3, most: 50, somewhat: 20 });
  useEffect(() => {
    const s = q.data?.settings;
    if (s) setV({ window_days: s.window_days, min_emails: s.min_emails, most: Math.round(s.most_open_rate * 100), somewhat: Math.round(s.somewhat_open_rate * 100) });
  }, [q.data]);
  const save = useAction((b: any) => patch('/api/v1/workspace', b), ['/api/v1/engagement', '/api/v1/workspace']);
  const recompute = useAction(() => post('/api/v1/engagement/recompute', {}), ['/api/v1/engagement']);
  if (q.isLoading) return <Loading />;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ settings: { engagement: { window_days: v.window_days, min_emails: v.min_emails, most_open_rate: v.most / 100, somewhat_open_rate: v.somewhat / 100 } } });
  };
  const n = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: Number(e.target.value) });
  const levels = q.data?.levels ?? {};
  return (
    <div className="grid two">
      <Card title="Engagement thresholds">
        <form onSubmit={submit}>
          <ErrorBanner error={save.error} fields={['settings']} />
          {save.isSuccess && <div className="banner good">Saved: the next recomputation uses them.</div>}
          <div className="row">
            <TextField label="Window (days)" type="number" min={1} max={3650} value={v.window_days} onChange={n('window_days')} error={save.error} errorPath="settings.engagement.window_days" />
            <TextField label="Fewer emails than this: Everyone else" type="number" min={1} value={v.min_emails} onChange={n('min_emails')} error={save.error} errorPath="settings.engagement.min_emails" />
          </div>
          <div className="row">
            <TextField label="Most engaged: open rate at least (%)" type="number" min={0} max={100} value={v.most} onChange={n('most')} hint="and at least one click" />
            <TextField label="Somewhat engaged: open rate at least (%)" type="number" min={0} max={100} value={v.somewhat} onChange={n('somewhat')} hint="or any click" />
          </div>
          <p className="muted small">Counted over delivered marketing emails in the window, leaving out those sent less than 24 hours ago. Below both: Least engaged.</p>
          <button className="primary" disabled={save.isPending}>Save thresholds</button>
        </form>
      </Card>
      <Card title="Contacts per level" actions={<button className="small" disabled={recompute.isPending} onClick={() => recompute.mutate(undefined)}>Recompute now</button>}>
        <ErrorBanner error={recompute.error} />
        {recompute.isSuccess && <div className="banner info">Recomputation queued: the counts refresh when it is done (it also runs every night).</div>}
        <div className="stats" data-testid="engagement-levels">{LEVELS.map(([k, l]) => <Stat key={k} label={l} value={levels[k] ?? 0} />)}</div>
      </Card>
    </div>
  );
}
