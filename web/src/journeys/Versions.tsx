import { useState } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Badge, Card, Loading, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { VersionView } from './VersionView.tsx';

/** Every version with its counts (J-17); contacts of an older version can be moved by a step mapping. */
export function Versions({ j }: { j: any }) {
  const base = `/api/v1/journeys/${j.id}`;
  const q = useGet<{ data: any[] }>(`${base}/versions`);
  const [from, setFrom] = useState<any>(null);
  const [viewing, setViewing] = useState<number | null>(null);
  if (q.isLoading) return <Loading />;
  const rows = q.data?.data ?? [];
  return (
    <>
      <Card title="Versions">
        <p className="muted small">
          {j.status === 'draft' ? 'A draft is edited in place.' : 'This journey is live: saving a structural change (steps, links, waits, trigger, settings) publishes a new version. Contacts already in it stay on their version unless you move them.'}
        </p>
        <table className="table" data-testid="versions">
          <thead><tr><th>Version</th><th>Published</th><th className="num">Steps</th><th className="num">Entered</th><th className="num">In progress</th><th /></tr></thead>
          <tbody>{rows.map((v) => (
            <tr key={v.version}>
              <td>v{v.version} {v.version === j.version && <Badge tone="good">current</Badge>}</td>
              <td className="muted">{formatDate(v.created_at)}</td>
              <td className="num">{v.definition.steps.length}</td>
              <td className="num">{v.entered}</td>
              <td className="num">{v.in_progress}</td>
              <td className="num">
                {v.version !== j.version && <button className="small" aria-label={`View v${v.version}`} disabled={viewing === v.version} onClick={() => setViewing(v.version)}>View graph</button>}{' '}
                {v.version !== j.version && v.in_progress > 0 && <button className="small" onClick={() => setFrom(v)}>Move contacts…</button>}
              </td>
            </tr>
          ))}</tbody>
        </table>
      </Card>
      {viewing !== null && rows.some((v) => v.version === viewing) && <VersionView v={rows.find((v) => v.version === viewing)} current={j.version} onClose={() => setViewing(null)} />}
      {from && <Migrate key={from.version} j={j} from={from} onDone={() => setFrom(null)} />}
    </>
  );
}

function Migrate({ j, from, onDone }: { j: any; from: any; onDone(): void }) {
  const current = new Set(j.definition.steps.map((s: any) => s.id));
  const [mapping, setMapping] = useState<Record<string, string>>(() => Object.fromEntries(from.definition.steps.filter((s: any) => current.has(s.id)).map((s: any) => [s.id, s.id])));
  const move = useAction(() => post(`/api/v1/journeys/${j.id}/migrate`, { from_version: from.version, mapping }), [`/api/v1/journeys/${j.id}`]);
  return (
    <Card title={`Move contacts from v${from.version} to v${j.version}`} actions={<button className="small" onClick={onDone}>Close</button>}>
      <p className="muted small">For each step of v{from.version}, where its waiting contacts continue in v{j.version}. Unmapped steps keep their contacts on v{from.version}.</p>
      <ErrorBanner error={move.error} />
      {move.data && <div className="banner good">{move.data.moved} contact{move.data.moved === 1 ? '' : 's'} moved.</div>}
      <table className="table"><tbody>{from.definition.steps.map((s: any) => (
        <tr key={s.id}><td><code>{s.id}</code> {s.type}</td><td>→</td><td>
          <select aria-label={`Map ${s.id}`} value={mapping[s.id] ?? ''} onChange={(e) => setMapping((m) => { const n = { ...m }; if (e.target.value) n[s.id] = e.target.value; else delete n[s.id]; return n; })}>
            <option value="">stay on v{from.version}</option>
            {j.definition.steps.map((t: any) => <option key={t.id} value={t.id}>{t.id} ({t.type})</option>)}
          </select>
        </td></tr>
      ))}</tbody></table>
      <button className="primary" disabled={Object.keys(mapping).length === 0 || move.isPending} onClick={() => move.mutate(undefined)}>Move the contacts</button>
    </Card>
  );
}
