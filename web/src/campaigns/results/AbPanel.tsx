import { post } from '../../api.ts';
import { useAction } from '../../data.ts';
import { Badge, formatDate } from '../../ui/bits.tsx';
import { ErrorBanner } from '../../ui/form.tsx';
import { ConfirmButton } from '../../ui/Confirm.tsx';

const PHASES: Record<string, string> = { test: 'testing', waiting: 'waiting for your pick', decided: 'decided' };

/** Where the A/B test stands: rates per variant, the winner, or buttons to pick it by hand. */
export function AbPanel({ c, state }: { c: any; state: any }) {
  const base = `/api/v1/campaigns/${c.id}`;
  const pick = useAction((variant: string) => post(`${base}/ab/winner`, { variant }), [base]);
  if (!c.ab_test) return null;
  const canPick = state && state.phase !== 'decided' && ['sending', 'paused'].includes(c.status);
  const rates: any[] = state?.rates ?? [];
  return (
    <div data-testid="ab-panel" style={{ marginBottom: 12 }}>
      <p>
        A/B test on {c.ab_test.test_percent} % by {c.ab_test.winner_metric === 'clicks' ? 'click' : 'open'} rate:{' '}
        <Badge tone={state?.phase === 'decided' ? 'good' : 'info'}>{state ? PHASES[state.phase] ?? state.phase : 'not started'}</Badge>
        {state?.decide_at && state.phase === 'test' && <span className="muted small"> decision {c.ab_test.auto ? '' : 'rates '}at {formatDate(state.decide_at)}</span>}
        {state?.winner && <> — winner <b data-testid="ab-winner">{state.winner}</b> <span className="muted small">({state.by === 'manual' ? 'picked by hand' : 'automatic'})</span></>}
      </p>
      {rates.length > 0 && (
        <ul className="plain small">
          {rates.map((r) => <li key={r.variant}><b>{r.variant}</b>: {r.engaged} of {r.sent} ({(r.rate * 100).toFixed(1)} %)</li>)}
        </ul>
      )}
      {canPick && (
        <div className="actions" style={{ marginTop: 8 }}>
          <span className="muted small">Send the rest of the audience:</span>
          {c.ab_test.variants.map((v: any) => <ConfirmButton key={v.id} className="small" disabled={pick.isPending} question={`Send variant ${v.id} to the rest?`} onConfirm={() => pick.mutate(v.id)}>Variant {v.id} wins</ConfirmButton>)}
        </div>
      )}
      <ErrorBanner error={pick.error} />
    </div>
  );
}
