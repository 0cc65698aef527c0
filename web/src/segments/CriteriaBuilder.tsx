import { ApiError } from '../api.ts';
import { useGet } from '../data.ts';
import { AddMenu } from './AddMenu.tsx';
import { ConditionEditor } from './ConditionEditor.tsx';
import { apiPath, children, CONDITION_TYPES, defaultCondition, groupKind, isGroup, updateAt, withChildren, type Group, type Node } from './criteria.ts';

interface Props {
  value: Group;
  onChange(g: Group): void;
  error?: unknown;
  readOnly?: boolean;
  /** Say what each incomplete condition lacks (after the user tried to save). */
  showMissing?: boolean;
}

/** A visual editor for a criteria tree: AND/OR groups, nested, with conditions inside. */
export function CriteriaBuilder({ value, onChange, error, readOnly, showMissing }: Props) {
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const listIds = (lists.data?.data ?? []).map((l) => l.id);
  const details = error instanceof ApiError ? error.details : [];
  const errorsAt = (p: string) => details.filter((d) => d.path === p || (d.path.startsWith(p + '.') && !/\.(all|any)\[/.test(d.path.slice(p.length))));

  const renderGroup = (g: Group, path: number[], depth: number) => {
    const kind = groupKind(g);
    const kids = children(g);
    const set = (next: Node | null) => onChange(updateAt(value, path, next));
    const add = (n: Node) => set(withChildren(kind, [...kids, n]));
    return (
      <div className="group" data-testid={`group-${path.join('-') || 'root'}`}>
        <div className="group-head">
          <select aria-label="Match" value={kind} disabled={readOnly} onChange={(e) => set(withChildren(e.target.value as 'all' | 'any', kids))}>
            <option value="all">All of (AND)</option>
            <option value="any">Any of (OR)</option>
          </select>
          <span className="muted small">{kids.length === 0 ? (kind === 'all' ? 'no condition: matches everyone' : 'no condition: matches no one') : ''}</span>
          {path.length > 0 && !readOnly && <button className="small danger" onClick={() => set(null)}>Remove group</button>}
        </div>
        {kids.map((k, i) =>
          isGroup(k) ? (
            <div key={i}>{renderGroup(k, [...path, i], depth + 1)}</div>
          ) : (
            <ConditionEditor
              key={i}
              value={k}
              readOnly={readOnly}
              showMissing={showMissing}
              errors={errorsAt(apiPath(value, [...path, i]))}
              onChange={(c) => onChange(updateAt(value, [...path, i], c))}
              onRemove={() => onChange(updateAt(value, [...path, i], null))}
            />
          ),
        )}
        {!readOnly && (
          <div className="actions" style={{ marginTop: 6 }}>
            <AddMenu items={CONDITION_TYPES} onChoose={(t) => add(defaultCondition(t, { listIds }))} />
            {depth < 5 && <button className="small" onClick={() => add(kind === 'all' ? { any: [] } : { all: [] })}>+ Add {kind === 'all' ? 'OR' : 'AND'} group</button>}
          </div>
        )}
      </div>
    );
  };

  return renderGroup(value, [], 0);
}
