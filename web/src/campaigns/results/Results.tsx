import { useState } from 'react';
import { qs } from '../../api.ts';
import { useGet } from '../../data.ts';
import { Card, Loading, Stat, count } from '../../ui/bits.tsx';
import { ErrorBanner } from '../../ui/form.tsx';
import { AbPanel } from './AbPanel.tsx';
import { BreakdownChart } from './BreakdownChart.tsx';
import { CampaignChart } from './CampaignChart.tsx';
import { Holdout } from './Holdout.tsx';
import { SendProgress } from './SendProgress.tsx';

const TOTALS: [string, string][] = [
  ['sent', 'Sent'], ['delivered', 'Delivered'], ['bounced', 'Bounced'], ['opened', 'Opened'], ['opened_total', 'Opens'], ['clicked', 'Clicked'], ['clicked_total', 'Clicks'],
  ['unsubscribed', 'Unsubscribed'], ['complained', 'Complained'], ['expired', 'Expired'], ['suppressed', 'Suppressed'], ['queued', 'Queued'],
];
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

/** Results (K-8, K-3): totals, rates, over time, per variant, per language, per link, hold-out. */
export function Results({ c }: { c: any }) {
  const [hold, setHold] = useState({ event: 'purchase', days: 14 });
  const q = useGet<any>(`/api/v1/campaigns/${c.id}/report${qs(hold)}`, { refetchInterval: 10_000 });
  if (q.isLoading) return <Loading what="Loading the results" />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const r = q.data;
  const t = r.totals;
  const variants = Object.keys(r.variants ?? {}).length > 0;
  const languages = Object.keys(r.languages ?? {}).length > 1 || Object.keys(r.languages ?? {}).some((k) => k !== 'default');
  return (
    <>
      <Card title="Results">
        <SendProgress c={c} t={t} />
        <div className="stats" data-testid="campaign-totals">{TOTALS.filter(([k]) => t[k] !== undefined && (t[k] > 0 || ['sent', 'delivered', 'opened', 'clicked'].includes(k))).map(([k, l]) => <Stat key={k} label={l} value={t[k]} />)}</div>
        <p className="muted small">
          Open rate {pct(r.rates.open_rate)} · click rate {pct(r.rates.click_rate)} · click-to-open {pct(r.rates.click_to_open_rate)} · bounce rate {pct(r.rates.bounce_rate)}
          {t.control_group > 0 && <> · control group {count(t.control_group)}</>}{t.duplicates_collapsed > 0 && <> · duplicates collapsed {count(t.duplicates_collapsed)}</>}
        </p>
        <h3>Over time</h3>
        <CampaignChart report={r} />
      </Card>
      {(variants || c.ab_test) && (
        <Card title="Per variant">
          <AbPanel c={c} state={r.ab_test} />
          <BreakdownChart groups={r.variants} label="Variant" testId="variant-chart" />
        </Card>
      )}
      {languages && <Card title="Per language version"><BreakdownChart groups={r.languages} label="Language" testId="language-chart" /></Card>}
      {r.links.length > 0 && (
        <Card title="Clicks per link">
          <table className="table"><thead><tr><th>Link</th><th className="num">Clicks</th><th className="num">Contacts</th></tr></thead>
            <tbody>{r.links.map((l: any) => <tr key={l.url}><td style={{ wordBreak: 'break-all' }}>{l.url}</td><td className="num">{count(l.clicks)}</td><td className="num">{count(l.contacts)}</td></tr>)}</tbody>
          </table>
        </Card>
      )}
      {c.control_group_percent > 0 && <Holdout h={r.holdout} event={hold.event} days={hold.days} onChange={(event, days) => setHold({ event, days })} />}
    </>
  );
}
