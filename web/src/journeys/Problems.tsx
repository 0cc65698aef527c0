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

/** What an empty problem list means in each state: an active journey is not waiting to be activated. */
const OK: Record<string, string> = {
  draft: 'No problem found: the journey can be activated.',
  stopped: 'No problem found: the journey can be reactivated.',
  active: 'The journey is running: contacts who meet the trigger enter it. No problem found.',
  locked: 'The journey is locked: no new contact enters; those in it finish. No problem found.',
  archived: 'The journey is archived: nobody enters it. Duplicate it to run it again.',
};

/** Activation problems (J-16), each with a link to the place that fixes it. */
export function Problems({ problems, status, onResolve }: { problems: Problem[]; status: string; onResolve(t: Target): void }) {
  const live = status === 'active' || status === 'locked';
  if (problems.length === 0) return <div className="banner good">{OK[status] ?? 'No problem found: the journey can be activated.'}</div>;
  return (
    <Card title={`${problems.length} problem${problems.length > 1 ? 's' : ''} to fix${live ? ' (saved changes are checked before they publish)' : status === 'stopped' ? ' before reactivating' : ' before activating'}`} className="problems">
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
