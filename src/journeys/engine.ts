import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { dueTime, nextOpening, type DeliveryWindow } from '../delivery/windows/index.ts';
import { stepsById, type Definition, type Step } from './definition.ts';

/** Where an enrollment stands: the step it is at, and until when it waits there. */
export interface EnrollmentState {
  id: number;
  contactId: number;
  step: string | null;
  waitUntil: Date | null;
  started: boolean;
  data: Record<string, unknown>;
}

/**
 * What the engine needs to know about the contact now, evaluated set-wise per batch by the
 * runner. A missing split fact makes `advance` ask for it instead of guessing.
 */
export interface Facts {
  exit?: boolean;
  goal?: boolean;
  /** List-triggered journeys (J-13): is the contact still on one of the trigger lists? */
  onTriggerList?: boolean;
  /** `${stepId}:${branchId}` → does the branch's criteria hold. */
  splits: Map<string, boolean>;
  /** Field values for waits until a contact date field. */
  contact?: Record<string, unknown>;
}

export type Effect =
  | { kind: 'send'; stepId: string; channel: 'email' | 'sms'; messageId: number }
  | { kind: 'action'; stepId: string; step: Extract<Step, { type: 'action' }>; value: unknown }
  | { kind: 'visit'; stepId: string; branchId?: string; outcome: 'done' | 'skipped' };

export type Result =
  | { status: 'active'; state: EnrollmentState; nextRunAt: Date; effects: Effect[] }
  | { status: 'completed'; state: EnrollmentState; effects: Effect[] }
  | { status: 'exited'; reason: string; state: EnrollmentState; effects: Effect[] }
  | { status: 'needs'; facts: string[]; effects: Effect[] };

export interface Context {
  now: Date;
  /** Stopped journeys (J-15): steps falling due are skipped and contacts move on. */
  stopped: boolean;
  listTriggered: boolean;
  timezone: string;
}

const MAX_HOPS = 60;

// A batch advances hundreds of enrollments with one definition object (definitions are read,
// never changed in place): its steps are indexed once, not once per enrollment.
const stepIndex = new WeakMap<Definition, Map<string, Step>>();
function indexed(def: Definition): Map<string, Step> {
  let steps = stepIndex.get(def);
  if (!steps) stepIndex.set(def, (steps = stepsById(def)));
  return steps;
}

/**
 * The engine's core, pure: moves one enrollment as far as it can go at `now`. Sends and
 * actions come back as effects for the runner to apply in the transaction that saves the
 * state; waits and closed delivery windows end the call with the time to come back.
 */
export function advance(e: EnrollmentState, def: Definition, facts: Facts, c: Context): Result {
  const steps = indexed(def);
  const effects: Effect[] = [];
  const state: EnrollmentState = { ...e };
  // J-12, J-13: goal, exit criteria and list membership, checked before the next step
  if (facts.goal) return { status: 'exited', reason: 'goal', state, effects };
  if (facts.exit) return { status: 'exited', reason: 'exit_criteria', state, effects };
  if (c.listTriggered && facts.onTriggerList === false) return { status: 'exited', reason: 'left_list', state, effects };
  if (!state.started) {
    state.started = true;
    state.step = def.start;
  }
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    if (state.step === null) return { status: 'completed', state, effects };
    const step = steps.get(state.step);
    if (!step) return { status: 'exited', reason: 'step_removed', state, effects };
    const r = runStep(step, state, def, facts, c, effects);
    if (r === 'needs') return { status: 'needs', facts: neededFacts(step, facts), effects: [] };
    if (r === 'exit') return { status: 'exited', reason: 'exit_step', state, effects };
    if (r instanceof Date) return { status: 'active', state, nextRunAt: r, effects };
  }
  return { status: 'exited', reason: 'too_many_steps', state, effects };
}

type StepResult = 'moved' | 'needs' | 'exit' | Date;

function runStep(step: Step, s: EnrollmentState, def: Definition, facts: Facts, c: Context, effects: Effect[]): StepResult {
  const window = def.settings.window as DeliveryWindow | null;
  switch (step.type) {
    case 'email':
    case 'sms': {
      // J-9 with M-4: a message due outside the journey's window waits for the next opening
      if (window && !c.stopped) {
        const open = nextOpening(window, c.now);
        if (open.getTime() > c.now.getTime()) return (s.waitUntil = open);
      }
      s.waitUntil = null;
      if (c.stopped) effects.push({ kind: 'visit', stepId: step.id, outcome: 'skipped' });
      else effects.push({ kind: 'send', stepId: step.id, channel: step.type, messageId: step.message_id }, { kind: 'visit', stepId: step.id, outcome: 'done' });
      s.step = step.next;
      return 'moved';
    }
    case 'wait': {
      if (s.waitUntil === null) {
        const due = waitEnd(step, facts, c, window, s);
        if (due.getTime() > c.now.getTime()) return (s.waitUntil = due);
      } else if (s.waitUntil.getTime() > c.now.getTime()) return s.waitUntil;
      s.waitUntil = null;
      effects.push({ kind: 'visit', stepId: step.id, outcome: 'done' });
      s.step = step.next;
      return 'moved';
    }
    case 'split': {
      for (const b of step.branches) {
        const v = facts.splits.get(`${step.id}:${b.id}`);
        if (v === undefined) return 'needs';
        if (v) {
          effects.push({ kind: 'visit', stepId: step.id, branchId: b.id, outcome: 'done' });
          s.step = b.next;
          return 'moved';
        }
      }
      effects.push({ kind: 'visit', stepId: step.id, branchId: 'else', outcome: 'done' });
      s.step = step.else;
      return 'moved';
    }
    case 'random_split': {
      const b = pickBranch(step.branches, `${s.id}:${step.id}`);
      effects.push({ kind: 'visit', stepId: step.id, branchId: b.id, outcome: 'done' });
      s.step = b.next;
      return 'moved';
    }
    case 'action': {
      if (c.stopped) effects.push({ kind: 'visit', stepId: step.id, outcome: 'skipped' });
      else {
        const value = step.value_from_event ? pathValue(s.data, step.value_from_event) : step.value ?? null;
        effects.push({ kind: 'action', stepId: step.id, step, value }, { kind: 'visit', stepId: step.id, outcome: 'done' });
      }
      s.step = step.next;
      return 'moved';
    }
    case 'exit':
      effects.push({ kind: 'visit', stepId: step.id, outcome: 'done' });
      return 'exit';
  }
}

function neededFacts(step: Step, facts: Facts): string[] {
  if (step.type !== 'split') return [];
  return step.branches.map((b) => `${step.id}:${b.id}`).filter((k) => !facts.splits.has(k));
}

/** When a wait ends (J-9): a delay in the journey's zone, a date, or a contact date field. */
function waitEnd(step: Extract<Step, { type: 'wait' }>, facts: Facts, c: Context, window: DeliveryWindow | null, s: EnrollmentState): Date {
  if (step.delay) return dueTime(c.now, step.delay, window, c.timezone);
  if (step.until) return dueTime(new Date(Math.max(Date.parse(step.until), c.now.getTime())), null, window, c.timezone);
  if (step.until_field) {
    const raw = facts.contact?.[step.until_field.field];
    const day = typeof raw === 'string' ? DateTime.fromISO(raw, { zone: c.timezone }) : null;
    if (!day?.isValid) return c.now; // no such date for this contact: the wait does not hold them
    const [h, m] = step.until_field.time.split(':').map(Number);
    const at = day.plus({ days: step.until_field.offset_days }).set({ hour: h, minute: m, second: 0, millisecond: 0 }).toJSDate();
    void s;
    return dueTime(at.getTime() > c.now.getTime() ? at : c.now, null, window, c.timezone);
  }
  return c.now;
}

/** A stable draw per enrollment and step: the same contact always takes the same branch. */
export function pickBranch<B extends { percent: number }>(branches: B[], seed: string): B {
  const h = createHash('sha1').update(seed).digest().readUInt32BE(0) / 0x1_0000_0000;
  const total = branches.reduce((a, b) => a + b.percent, 0) || 1;
  let acc = 0;
  for (const b of branches) {
    acc += b.percent / total;
    if (h < acc) return b;
  }
  return branches[branches.length - 1];
}

export function pathValue(data: unknown, path: string): unknown {
  let v: any = data;
  for (const k of path.split('.')) {
    if (v === null || v === undefined) return null;
    v = v[k];
  }
  return v ?? null;
}

/** The first time an enrollment runs, and where a paused one resumes. */
export function initialState(id: number, contactId: number, data: Record<string, unknown>): EnrollmentState {
  return { id, contactId, step: null, waitUntil: null, started: false, data };
}
