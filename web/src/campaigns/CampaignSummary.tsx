import { useGet } from '../data.ts';
import { Card } from '../ui/bits.tsx';

function when(s: any): string {
  if (s.type === 'at') return `at ${s.at.replace('T', ' ')} (${s.timezone})`;
  if (s.type === 'optimized') return `at each contact's best hour (default ${s.default_hour}:00)`;
  return 'now, on approval';
}

/** What the campaign sends, to whom and when, for statuses where it cannot be edited. */
export function CampaignSummary({ c }: { c: any }) {
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const segments = useGet<{ data: any[] }>('/api/v1/segments');
  const ln = new Map((lists.data?.data ?? []).map((l) => [l.id, l.name]));
  const sn = new Map((segments.data?.data ?? []).map((s) => [s.id, s.name]));
  const names = (ids: any[], m: Map<any, string>) => ids.map((i) => m.get(i) ?? `#${i}`).join(', ') || '—';
  const r = c.recipients;
  const o = c.options ?? {};
  return (
    <Card title="Settings">
      <dl className="kv" data-testid="campaign-summary">
        <dt>Lists</dt><dd>{names(r.lists, ln)}</dd>
        <dt>Segments</dt><dd>{names(r.segments, sn)}</dd>
        {(r.exclude_lists.length > 0 || r.exclude_segments.length > 0) && <><dt>Except</dt><dd>{names([...r.exclude_lists.map((x: number) => ln.get(x) ?? `#${x}`), ...r.exclude_segments.map((x: any) => sn.get(x) ?? `#${x}`)], new Map())}</dd></>}
        <dt>Duplicates</dt><dd>{c.duplicates === 'per_email' ? 'one message per email address' : 'one message per contact'}</dd>
        <dt>Control group</dt><dd>{c.control_group_percent ? `${c.control_group_percent} %` : 'none'}</dd>
        <dt>A/B test</dt><dd>{c.ab_test ? `${c.ab_test.variants.map((v: any) => v.id).join(' / ')} on ${c.ab_test.test_percent} %, by ${c.ab_test.winner_metric}, ${c.ab_test.auto ? `automatic after ${c.ab_test.decide_after}` : 'picked by hand'}` : 'none'}</dd>
        <dt>When</dt><dd>{when(c.schedule)}</dd>
        {o.pacing && <><dt>Pacing</dt><dd>{[o.pacing.per_hour && `${o.pacing.per_hour} per hour`, o.pacing.spread_over && `over ${o.pacing.spread_over}`].filter(Boolean).join(', ')}</dd></>}
        {o.deadline && <><dt>Deadline</dt><dd>{new Date(o.deadline).toLocaleString()}</dd></>}
        {o.subject_prefix && <><dt>Subject prefix</dt><dd>{o.subject_prefix}</dd></>}
        {o.language && <><dt>Language</dt><dd>{o.language} for everyone</dd></>}
        {o.window && <><dt>Window</dt><dd>days {o.window.days.join(',')} {o.window.start}–{o.window.end} ({o.window.timezone})</dd></>}
      </dl>
    </Card>
  );
}
