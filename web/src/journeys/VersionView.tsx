import { Card, formatDate } from '../ui/bits.tsx';
import { Builder } from './Builder.tsx';
import { describeTrigger } from './graph.ts';

const none = () => {};

/** An older version drawn as its graph, read-only (J-17): what contacts still on it go through. */
export function VersionView({ v, current, onClose }: { v: any; current: number; onClose(): void }) {
  const def = v.definition;
  const s = def.settings ?? {};
  return (
    <Card
      title={`Version ${v.version} (read-only)`}
      actions={<button className="small" onClick={onClose}>Close</button>}
    >
      <div data-testid="version-view">
        <p className="muted small">
          Published {formatDate(v.created_at)} · {def.steps.length} step{def.steps.length === 1 ? '' : 's'} · {describeTrigger(def.trigger)}
          {s.reentry ? ` · re-entry: ${String(s.reentry).replace(/_/g, ' ')}` : ''}
          {def.exit_criteria ? ' · with exit criteria' : ''}
          {v.version !== current ? ` · the journey is now on version ${current}` : ''}
        </p>
        <Builder key={v.version} def={def} onChange={none} problems={[]} report={null} selected={null} onSelect={none} readOnly />
      </div>
    </Card>
  );
}
