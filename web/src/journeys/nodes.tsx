import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useGet } from '../data.ts';
import { describeTrigger, handles, STEP_TYPES, type Step } from './graph.ts';

function describeStep(s: Step, messages: Map<number, string>): string {
  switch (s.type) {
    case 'email': case 'sms': return s.message_id ? messages.get(s.message_id) ?? `message ${s.message_id}` : 'choose a message';
    case 'wait': return s.delay ? `${s.delay.amount} ${s.delay.unit}` : s.until ? `until ${s.until}` : s.until_field ? `until ${s.until_field.field}` : 'wait';
    case 'split': return `${s.branches?.length ?? 0} branch${s.branches?.length === 1 ? '' : 'es'} + else`;
    case 'random_split': return (s.branches ?? []).map((b) => `${b.percent}%`).join(' / ');
    case 'action': return `${String(s.action).replace(/_/g, ' ')}${s.tag ? ` ${s.tag}` : ''}${s.field ? ` ${s.field}` : ''}${s.list_id ? ` list ${s.list_id}` : ''}`;
    case 'exit': return 'leave the journey';
    default: return '';
  }
}

export function TriggerNode({ data, selected }: NodeProps) {
  const d = data as any;
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const names = new Map((lists.data?.data ?? []).map((l) => [l.id, l.name]));
  return (
    <div className={`jnode trigger${selected ? ' selected' : ''}`} data-testid="node-trigger">
      <div className="kind">Trigger</div>
      <div className="title">{describeTrigger(d.trigger, names)}</div>
      {d.report && <div className="counts"><span>entered <b>{d.report.entered}</b></span><span>in progress <b>{d.report.in_progress}</b></span></div>}
      <Handle type="source" position={Position.Bottom} id="start" />
    </div>
  );
}

export function StepNode({ data, selected }: NodeProps) {
  const d = data as any;
  const s: Step = d.step;
  const r = d.report;
  const hs = handles(s);
  const kind = STEP_TYPES.find(([t]) => t === s.type)?.[1] ?? s.type;
  return (
    <div className={`jnode${selected ? ' selected' : ''}${d.problem ? ' problem' : ''}`} data-testid={`node-${s.id}`}>
      <Handle type="target" position={Position.Top} />
      <div className="kind">{kind} · {s.id}</div>
      <div className="title">{s.name || describeStep(s, d.messages ?? new Map())}</div>
      {r && (
        <div className="counts" data-testid={`counts-${s.id}`}>
          <span>reached <b>{r.reached}</b></span>
          {r.waiting > 0 && <span>waiting <b data-testid={`waiting-${s.id}`}>{r.waiting}</b></span>}
          {(s.type === 'email' || s.type === 'sms') && <span>sent <b data-testid={`sent-${s.id}`}>{r.sent}</b></span>}
          {s.type === 'email' && <span>opened <b>{r.opened}</b></span>}
          {s.type === 'email' && <span>clicked <b>{r.clicked}</b></span>}
        </div>
      )}
      {hs.length > 1 && (
        <div className="branches">
          {hs.map((h) => <span key={h.id}>{h.label}{r?.branches?.[h.id] !== undefined ? `: ${r.branches[h.id]}` : ''}</span>)}
        </div>
      )}
      {hs.map((h, i) => (
        <Handle key={h.id} type="source" position={Position.Bottom} id={h.id} style={{ left: `${((i + 1) / (hs.length + 1)) * 100}%` }} />
      ))}
    </div>
  );
}

export const nodeTypes = { trigger: TriggerNode, step: StepNode };
