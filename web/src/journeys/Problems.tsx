import { Card } from '../ui/bits.tsx';

export type Problem = { step_id: string | null; path: string; message: string; resolve?: string };

/** Where a problem is fixed: a step, the trigger, or the journey's settings tab. */
export type Target = { step: string } | { trigger: true } | { settings: string };

export function targetOf(p: Problem): Target {
  if (p.step_id) return { step: p.step_id };
  if (p.path.startsWith('trigger')) return { trigger: true };
  if (p.path === 'start' || p.path.startsWith('steps')) return { trigger: true };
  return { settings: p.path.split(/[.[]/)[0] };
}

const PLACES: Record<string, string> = { entry_filter: 'entry filter', exit_criteria: 'exit criteria', goal: 'goal', settings: 'settings' };

function where(p: Problem): string {
  const t = targetOf(p);
  if ('step' in t) return `step ${t.step}`;
  if ('trigger' in t) return p.path.startsWith('trigger') ? 'trigger' : 'graph';
  return PLACES[t.settings] ?? t.settings;
}

/** Activation problems (J-16), each with a link to the place that fixes it. */
export function Problems({ problems, onResolve }: { problems: Problem[]; onResolve(t: Target): void }) {
  if (problems.length === 0) return <div className="banner good">No problem found: the journey can be activated.</div>;
  return (
    <Card title={`${problems.length} problem${problems.length > 1 ? 's' : ''} to fix before activating`} className="problems">
      <ul className="plain" data-testid="problems">
        {problems.map((p, i) => (
          <li key={i}>
            <strong>{where(p)}</strong>: {p.message}
            {p.resolve && <span className="muted"> — {p.resolve}</span>}{' '}
            <button className="link" onClick={() => onResolve(targetOf(p))}>resolve</button>
          </li>
        ))}
      </ul>
    </Card>
  );
}
