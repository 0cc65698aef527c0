/** A journey definition (src/journeys/definition.ts) as a graph for @xyflow/react, and edits on it. */
import type { Edge, Node } from '@xyflow/react';

export type Step = { id: string; type: string; name?: string; next?: string | null; else?: string | null; branches?: Branch[]; [k: string]: any };
export type Branch = { id: string; label?: string; next: string | null; criteria?: any; percent?: number };
export type Definition = { trigger: any; start: string | null; steps: Step[]; entry_filter?: any; exit_criteria?: any; goal?: any; settings?: any; layout?: Record<string, { x: number; y: number }> };

export const TRIGGER_ID = '__trigger';
export const STEP_TYPES: [string, string][] = [
  ['email', 'Email'], ['sms', 'SMS'], ['wait', 'Wait'], ['split', 'Split'], ['random_split', 'Random split'], ['action', 'Action'], ['exit', 'Exit'],
];

/** The outgoing handles of a step: one per pointer it holds. */
export function handles(s: Step): { id: string; label?: string; target: string | null }[] {
  switch (s.type) {
    case 'split': return [...(s.branches ?? []).map((b) => ({ id: b.id, label: b.label || b.id, target: b.next })), { id: 'else', label: 'else', target: s.else ?? null }];
    case 'random_split': return (s.branches ?? []).map((b) => ({ id: b.id, label: `${b.label || b.id} ${b.percent ?? 0}%`, target: b.next }));
    case 'exit': return [];
    default: return [{ id: 'next', target: s.next ?? null }];
  }
}

/** Sets the pointer behind a handle (`next`, a branch id, `else`, or the trigger's start). */
export function setPointer(def: Definition, source: string, handle: string | null | undefined, target: string | null): Definition {
  if (source === TRIGGER_ID) return { ...def, start: target };
  return {
    ...def,
    steps: def.steps.map((s) => {
      if (s.id !== source) return s;
      if (s.type === 'split' && handle === 'else') return { ...s, else: target };
      if ((s.type === 'split' || s.type === 'random_split') && handle) return { ...s, branches: s.branches!.map((b) => (b.id === handle ? { ...b, next: target } : b)) };
      return { ...s, next: target };
    }),
  };
}

export function removeStep(def: Definition, id: string): Definition {
  const { [id]: _gone, ...layout } = def.layout ?? {};
  let d: Definition = { ...def, steps: def.steps.filter((s) => s.id !== id), start: def.start === id ? null : def.start, ...(def.layout ? { layout } : {}) };
  for (const s of d.steps) for (const h of handles(s)) if (h.target === id) d = setPointer(d, s.id, h.id, null);
  return d;
}

export function newStep(type: string, taken: Set<string>, ctx: { messageId?: number; smsId?: number }): Step {
  let n = 1;
  while (taken.has(`${type}_${n}`)) n++;
  const id = `${type}_${n}`;
  switch (type) {
    case 'email': return { id, type, message_id: ctx.messageId, next: null };
    case 'sms': return { id, type, message_id: ctx.smsId, next: null };
    case 'wait': return { id, type, delay: { amount: 1, unit: 'days' }, next: null };
    case 'split': return { id, type, branches: [{ id: `${id}_a`, label: 'yes', criteria: { all: [] }, next: null }], else: null };
    case 'random_split': return { id, type, branches: [{ id: `${id}_a`, label: 'A', percent: 50, next: null }, { id: `${id}_b`, label: 'B', percent: 50, next: null }] };
    case 'action': return { id, type, action: 'add_tag', tag: '', next: null };
    default: return { id, type: 'exit' };
  }
}

/**
 * Adds a step after the selected node when it has a free pointer (or inserts it before what
 * follows on a plain step); otherwise it stands alone, as the start when there is none.
 */
export function addStep(def: Definition, step: Step, after: string | null): Definition {
  let d: Definition = { ...def, steps: [...def.steps, step] };
  if (after === TRIGGER_ID) {
    if (step.type !== 'exit' && handles(step)[0]?.id === 'next') step.next = def.start;
    return { ...d, start: step.id };
  }
  const prev = after ? d.steps.find((s) => s.id === after) : undefined;
  if (prev) {
    const free = handles(prev).find((h) => h.target === null);
    if (free) return setPointer(d, prev.id, free.id, step.id);
    if (handles(prev).length === 1 && handles(step)[0]?.id === 'next') {
      step.next = prev.next ?? null;
      return setPointer(d, prev.id, 'next', step.id);
    }
  }
  if (!d.start) d = { ...d, start: step.id };
  return d;
}

/** Layered layout: depth from the trigger along pointers; unreachable steps go in a last row. */
export function layout(def: Definition): Map<string, { x: number; y: number }> {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const depth = new Map<string, number>([[TRIGGER_ID, 0]]);
  const queue: string[] = [];
  if (def.start && byId.has(def.start)) { depth.set(def.start, 1); queue.push(def.start); }
  while (queue.length) {
    const id = queue.shift()!;
    for (const h of handles(byId.get(id)!)) {
      if (h.target && byId.has(h.target) && !depth.has(h.target)) { depth.set(h.target, depth.get(id)! + 1); queue.push(h.target); }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const s of def.steps) if (!depth.has(s.id)) depth.set(s.id, maxDepth + 1);
  const rows = new Map<number, string[]>();
  for (const [id, d] of depth) rows.set(d, [...(rows.get(d) ?? []), id]);
  const pos = new Map<string, { x: number; y: number }>();
  for (const [d, ids] of rows) ids.forEach((id, i) => pos.set(id, { x: (i - (ids.length - 1) / 2) * 250, y: d * 140 }));
  return pos;
}

export function toFlow(def: Definition, opts: { selected: string | null; problems: Set<string>; positions: Map<string, { x: number; y: number }>; data: (id: string) => Record<string, unknown> }): { nodes: Node[]; edges: Edge[] } {
  const auto = layout(def);
  const at = (id: string) => opts.positions.get(id) ?? auto.get(id) ?? { x: 0, y: 0 };
  const nodes: Node[] = [
    { id: TRIGGER_ID, type: 'trigger', position: at(TRIGGER_ID), data: { trigger: def.trigger, ...opts.data(TRIGGER_ID) }, selected: opts.selected === TRIGGER_ID, deletable: false },
    ...def.steps.map((s) => ({ id: s.id, type: 'step', position: at(s.id), data: { step: s, problem: opts.problems.has(s.id), ...opts.data(s.id) }, selected: opts.selected === s.id })),
  ];
  const ids = new Set(def.steps.map((s) => s.id));
  const edges: Edge[] = [];
  if (def.start && ids.has(def.start)) edges.push({ id: `${TRIGGER_ID}->${def.start}`, source: TRIGGER_ID, sourceHandle: 'start', target: def.start });
  for (const s of def.steps) {
    for (const h of handles(s)) {
      if (h.target && ids.has(h.target)) edges.push({ id: `${s.id}:${h.id}->${h.target}`, source: s.id, sourceHandle: h.id, target: h.target, label: h.label, labelStyle: { fontSize: 11 } });
    }
  }
  return { nodes, edges };
}

export function describeTrigger(t: any, listNames = new Map<number, string>()): string {
  switch (t?.type) {
    case 'list_joined': return `Joins ${(t.list_ids ?? []).map((id: number) => listNames.get(id) ?? `list ${id}`).join(', ') || 'a list (choose)'}`;
    case 'event': return `Event “${t.event ?? ''}”`;
    case 'property_updated': return `Field ${t.field ?? '?'} changes`;
    case 'date': return `On ${t.at ?? '?'}`;
    case 'date_field': return `Date field ${t.field ?? '?'}`;
    case 'abandoned_cart': return 'Abandoned cart';
    case 'segment_entered': return `Enters segment ${t.segment_id ?? '?'}`;
    case 'manual': return 'Manual enrollment';
    default: return 'Choose a trigger';
  }
}
