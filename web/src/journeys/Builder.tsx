import { useState } from 'react';
import { Background, Controls, ReactFlow, type Connection, type Edge, type Node, type NodeChange } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useGet } from '../data.ts';
import { useMessageLabels } from '../ui/messageLabel.ts';
import { addStep, newStep, removeStep, setPointer, STEP_TYPES, toFlow, TRIGGER_ID, type Definition } from './graph.ts';
import { nodeTypes } from './nodes.tsx';
import { StepPanel } from './StepPanel.tsx';
import { TriggerPanel } from './TriggerPanel.tsx';

/** Pan and zoom only. */
/** Until the messages load: one empty list, so the labels are not recomputed on every render. */
const NO_MESSAGES: { id: number; name: string }[] = [];
const READ_ONLY = { nodesDraggable: false, nodesConnectable: false, elementsSelectable: false, edgesFocusable: false, nodesFocusable: false, deleteKeyCode: null } as const;

interface Props {
  def: Definition;
  onChange(d: Definition): void;
  problems: { step_id: string | null; path: string; message: string; resolve?: string }[];
  report: any;
  selected: string | null;
  onSelect(id: string | null): void;
  /** An older version, shown as published: nothing moves, connects, deletes or edits. */
  readOnly?: boolean;
}

/** The journey graph: trigger and steps as nodes, pointers as edges; the side panel edits the selection. */
export function Builder({ def, onChange, problems, report, selected, onSelect, readOnly = false }: Props) {
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  // positions while dragging; saved ones come from the definition's layout
  const [dragged, setDragged] = useState(new Map<string, { x: number; y: number }>());
  const positions = new Map([...Object.entries(def.layout ?? {}), ...dragged]);
  const msgNames = useMessageLabels(messages.data?.data ?? NO_MESSAGES);
  const problemIds = new Set(problems.map((p) => p.step_id).filter((x): x is string => !!x));
  const { nodes, edges } = toFlow(def, {
    selected,
    problems: problemIds,
    positions,
    data: (id) => ({ messages: msgNames, report: id === TRIGGER_ID ? (report ? { entered: report.entered, in_progress: report.in_progress } : undefined) : report?.steps?.[id] ?? (report ? { reached: 0, sent: 0, opened: 0, clicked: 0, branches: {} } : undefined) }),
  });

  const onNodesChange = (changes: NodeChange[]) => {
    let next = dragged;
    for (const c of changes) {
      if (c.type === 'position' && c.position) { next = new Map(next); next.set(c.id, c.position); }
      if (c.type === 'remove' && c.id !== TRIGGER_ID) { onChange(removeStep(def, c.id)); if (selected === c.id) onSelect(null); }
    }
    if (next !== dragged) setDragged(next);
  };
  // a finished drag is an edit of the definition's layout (saved with the journey, ignored by the engine)
  const onNodeDragStop = (_: unknown, __: Node, moved: Node[]) => {
    const layout = { ...(def.layout ?? {}) };
    for (const n of moved) layout[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
    onChange({ ...def, layout });
  };
  const onConnect = (c: Connection) => c.source && c.target && c.target !== TRIGGER_ID && onChange(setPointer(def, c.source, c.sourceHandle, c.target));
  const onEdgesDelete = (es: Edge[]) => {
    let d = def;
    for (const e of es) d = setPointer(d, e.source, e.sourceHandle, null);
    onChange(d);
  };
  const add = (type: string) => {
    const msgs = messages.data?.data ?? [];
    const step = newStep(type, new Set(def.steps.map((s) => s.id)), { messageId: msgs.find((m) => m.channel === 'email')?.id, smsId: msgs.find((m) => m.channel === 'sms')?.id });
    onChange(addStep(def, step, selected));
    onSelect(step.id);
  };
  const step = def.steps.find((s) => s.id === selected);

  return (
    <div className={readOnly ? 'builder read-only' : 'builder'}>
      <div>
        {!readOnly && <div className="actions" style={{ marginBottom: 8 }}>
          <span className="muted small">Add after the selection:</span>
          {STEP_TYPES.map(([t, label]) => <button key={t} className="small" onClick={() => add(t)} disabled={def.steps.length >= 50}>+ {label}</button>)}
        </div>}
        <div className="canvas" data-testid={readOnly ? 'journey-canvas-read-only' : 'journey-canvas'}>
          <ReactFlow
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            {...(readOnly ? READ_ONLY : {
              onNodesChange,
              onNodeDragStop,
              onConnect,
              onEdgesDelete,
              onNodeClick: (_: unknown, n: Node) => onSelect(n.id),
              onPaneClick: () => onSelect(null),
            })}
            fitView
            fitViewOptions={{ maxZoom: 1.1, padding: 0.2 }}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={18} />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        {readOnly ? <p className="muted small">Read-only: this is the version as it was published. Pan and zoom to look around.</p> : <p className="muted small">Drag a node to place it (its position is saved with the journey); drag from a node's bottom handle to another node to connect; select an edge or a step and press Backspace to delete it.</p>}
      </div>
      {!readOnly && <div>
        {selected === TRIGGER_ID ? (
          <TriggerPanel trigger={def.trigger} onChange={(trigger) => onChange({ ...def, trigger })} />
        ) : step ? (
          <StepPanel
            step={step}
            problems={problems.filter((p) => p.step_id === step.id)}
            onChange={(s) => onChange({ ...def, steps: def.steps.map((x) => (x.id === step.id ? s : x)) })}
            onDelete={() => { onChange(removeStep(def, step.id)); onSelect(null); }}
          />
        ) : (
          <div className="card"><h2>Nothing selected</h2><p className="muted">Select the trigger or a step to edit it, or add a step with the buttons above.</p></div>
        )}
      </div>}
    </div>
  );
}
