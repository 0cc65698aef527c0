import { Card, formatDate, Stat } from '../ui/bits.tsx';

const COUNTS: [string, string][] = [['matching', 'Matching'], ['no_address', 'No address'], ['suppressed', 'Suppressed'], ['duplicates_collapsed', 'Duplicates'], ['control_group', 'Control group'], ['recipients', 'Recipients']];

/** The result of "Prepare" (K-6): each check with its problems, and the recipient count. */
export function Checklist({ checklist }: { checklist: any }) {
  if (!checklist?.checks) return null;
  const calc = checklist.calculation;
  return (
    <Card title={checklist.ok ? 'Checklist: ready for approval' : 'Checklist: fix these, then prepare again'} actions={<span className="muted small">checked {formatDate(checklist.checked_at)}</span>}>
      <ul className="plain explain" data-testid="checklist">
        {checklist.checks.map((i: any) => (
          <li key={i.key} className={i.ok ? 'yes' : 'no'}>{i.label}{(i.problems ?? []).map((p: string) => <div key={p} className="muted small">{p}</div>)}</li>
        ))}
      </ul>
      {calc && <div className="stats" style={{ marginTop: 12 }}>{COUNTS.filter(([k]) => calc[k] !== undefined).map(([k, l]) => <Stat key={k} label={l} value={calc[k]} />)}</div>}
    </Card>
  );
}
