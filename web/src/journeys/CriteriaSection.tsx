import type { ReactNode } from 'react';
import { CriteriaBuilder } from '../segments/CriteriaBuilder.tsx';
import { asRootGroup } from '../segments/criteria.ts';
import { Card } from '../ui/bits.tsx';
import type { Problem } from './Problems.tsx';

interface Props {
  title: string;
  id: string;
  value: any;
  onChange(v: any): void;
  problems: Problem[];
  enable: string;
  children: ReactNode;
}

/** An optional criteria tree of the journey (entry filter, exit criteria, goal), off when null. */
export function CriteriaSection({ title, id, value, onChange, problems, enable, children }: Props) {
  return (
    <Card title={title} className={problems.length ? 'problems' : ''}>
      <div id={`journey-${id}`} />
      <p className="muted small">{children}</p>
      {problems.map((p, i) => <div key={i} className="banner error small">{p.message}{p.resolve ? ` — ${p.resolve}` : ''}</div>)}
      <label className="check" style={{ marginBottom: 8 }}>
        <input type="checkbox" checked={value !== null && value !== undefined} onChange={(e) => onChange(e.target.checked ? { all: [] } : null)} />
        {enable}
      </label>
      {value && <CriteriaBuilder value={asRootGroup(value)} onChange={onChange} />}
    </Card>
  );
}
