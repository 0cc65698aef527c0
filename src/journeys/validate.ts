import { sql, type Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { validateCriteria } from '../segments/index.ts';
import { loadFieldDefs, STANDARD_FIELDS } from '../contacts/index.ts';
import { validateWindow } from '../delivery/windows/index.ts';
import { IANAZone } from 'luxon';
import { definitionSchema, stepsById, successors, type Definition, type Step } from './definition.ts';

/** One problem in a journey, with the step it is about and how to fix it (J-16). */
export interface Problem {
  step_id: string | null;
  path: string;
  message: string;
  resolve: string;
}

/** Parses a definition; a malformed document is a 400 naming the path. */
export function parseDefinition(raw: unknown): Definition {
  const r = definitionSchema.safeParse(raw);
  if (!r.success) {
    const details = r.error.issues.map((i) => ({ path: ['definition', ...i.path].join('.'), message: i.message }));
    throw new AppError('validation', `${details[0].path}: ${details[0].message}`, details);
  }
  return r.data;
}

/** The graph's own problems: dangling links, unreachable steps, cycles, empty branches. */
export function structuralProblems(def: Definition): Problem[] {
  const out: Problem[] = [];
  const steps = stepsById(def);
  const seen = new Set<string>();
  def.steps.forEach((s, i) => {
    if (seen.has(s.id)) out.push({ step_id: s.id, path: `steps[${i}].id`, message: `two steps have the id ${s.id}`, resolve: 'give each step its own id' });
    seen.add(s.id);
  });
  if (def.steps.length === 0) out.push({ step_id: null, path: 'steps', message: 'the journey has no step', resolve: 'add a first step' });
  if (def.start !== null && !steps.has(def.start)) out.push({ step_id: null, path: 'start', message: `no step ${def.start}`, resolve: 'point start at an existing step' });
  def.steps.forEach((s, i) => {
    successors(s).forEach((n) => {
      if (n !== null && !steps.has(n)) out.push({ step_id: s.id, path: `steps[${i}]`, message: `leads to a missing step ${n}`, resolve: 'link it to an existing step or end the path' });
    });
    if (s.type === 'split') s.branches.forEach((b, j) => {
      if (b.next === null) out.push({ step_id: s.id, path: `steps[${i}].branches[${j}].next`, message: `branch ${b.label ?? b.id} is empty`, resolve: 'add a step to the branch or remove the branch' });
    });
    if (s.type === 'random_split') {
      const total = s.branches.reduce((a, b) => a + b.percent, 0);
      if (Math.abs(total - 100) > 0.001) out.push({ step_id: s.id, path: `steps[${i}].branches`, message: `percentages add up to ${total}`, resolve: 'make them add up to 100' });
    }
    if (s.type === 'wait') {
      const kinds = [s.delay, s.until, s.until_field].filter((x) => x !== undefined).length;
      if (kinds !== 1) out.push({ step_id: s.id, path: `steps[${i}]`, message: 'a wait needs exactly one of delay, until, until_field', resolve: 'choose how long to wait' });
    }
  });
  // reachability and cycles by depth-first search from the start
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      out.push({ step_id: id, path: 'steps', message: `step ${id} is part of a loop`, resolve: 'remove the link that leads back' });
      return;
    }
    state.set(id, 'open');
    const s = steps.get(id);
    if (s) for (const n of successors(s)) if (n !== null) visit(n);
    state.set(id, 'done');
  };
  if (def.start && steps.has(def.start)) visit(def.start);
  def.steps.forEach((s, i) => {
    if (!state.has(s.id)) out.push({ step_id: s.id, path: `steps[${i}]`, message: `step ${s.name ?? s.id} cannot be reached`, resolve: 'link it from another step or delete it' });
  });
  return out;
}

/** Everything activation checks (J-16): structure, then every reference against the workspace. */
export async function journeyProblems(q: Queryable, workspaceId: number, def: Definition): Promise<Problem[]> {
  const out = structuralProblems(def);
  const check = async (raw: unknown, path: string, stepId: string | null) => {
    try {
      await validateCriteria(q, workspaceId, raw, path);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      for (const d of err.details) out.push({ step_id: stepId, path: d.path, message: d.message, resolve: 'fix or remove this condition' });
    }
  };
  if (def.entry_filter) await check(def.entry_filter, 'entry_filter', null);
  if (def.exit_criteria) await check(def.exit_criteria, 'exit_criteria', null);
  if (def.goal) await check(def.goal, 'goal', null);
  if (def.trigger.type === 'list_joined' && def.trigger.criteria) await check(def.trigger.criteria, 'trigger.criteria', null);
  const tz = def.settings.timezone;
  if (tz && !IANAZone.isValidZone(tz)) out.push({ step_id: null, path: 'settings.timezone', message: 'not an IANA time zone', resolve: 'pick a time zone such as Europe/Paris' });
  if (def.settings.window) for (const e of validateWindow(def.settings.window)) out.push({ step_id: null, path: `settings.window.${e.path}`, message: e.message, resolve: 'fix the delivery window' });
  await triggerProblems(q, workspaceId, def, out);
  const messages = await refs(q, sql`select id, channel from messages where workspace_id = ${workspaceId}`);
  const lists = new Set((await refs(q, sql`select id from lists where workspace_id = ${workspaceId}`)).keys());
  const fields = await loadFieldDefs(q, workspaceId);
  for (const [i, s] of def.steps.entries()) {
    const path = `steps[${i}]`;
    if (s.type === 'email' || s.type === 'sms') {
      if (messages.get(s.message_id) !== s.type) out.push({ step_id: s.id, path: `${path}.message_id`, message: `no ${s.type} message ${s.message_id}: the step has no content`, resolve: `choose or create an ${s.type} message for this step` });
      if (s.type === 'sms' && !smsConsentOnPath(def, s.id)) out.push({ step_id: s.id, path, message: 'SMS step without an SMS consent condition before it', resolve: 'require SMS consent (opted in) in the entry filter or a split before this step' });
    }
    if (s.type === 'split') for (const [j, b] of s.branches.entries()) await check(b.criteria, `${path}.branches[${j}].criteria`, s.id);
    if (s.type === 'action') actionProblems(s, path, lists, fields, out);
    if (s.type === 'wait' && s.until_field) {
      const f = s.until_field.field;
      if (f !== 'birthday' && fields.get(f)?.type !== 'date') out.push({ step_id: s.id, path: `${path}.until_field.field`, message: `${f} is not a date field: the wait could never end`, resolve: 'wait until birthday or a custom date field' });
    }
    if (s.type === 'wait' && s.until && Date.parse(s.until) < 0) out.push({ step_id: s.id, path: `${path}.until`, message: 'the date is not valid', resolve: 'pick a date' });
  }
  return out;
}

async function refs(q: Queryable, query: ReturnType<typeof sql>) {
  const { rows } = await q.query<{ id: number; channel?: string }>(query);
  return new Map(rows.map((r) => [r.id, r.channel]));
}

async function triggerProblems(q: Queryable, workspaceId: number, def: Definition, out: Problem[]) {
  const t = def.trigger;
  if (t.type === 'list_joined') {
    const { rows } = await q.query<{ id: number }>(sql`select id from lists where workspace_id = ${workspaceId} and id = any(${t.list_ids}::bigint[])`);
    const found = new Set(rows.map((r) => r.id));
    t.list_ids.forEach((id, i) => !found.has(id) && out.push({ step_id: null, path: `trigger.list_ids[${i}]`, message: `no list ${id}`, resolve: 'choose an existing list' }));
  }
  if (t.type === 'segment_entered') {
    const { rows } = await q.query(sql`select 1 from segments where workspace_id = ${workspaceId} and id = ${t.segment_id}`);
    if (!rows[0]) out.push({ step_id: null, path: 'trigger.segment_id', message: `no segment ${t.segment_id}`, resolve: 'choose a saved segment' });
  }
  if (t.type === 'date_field' || t.type === 'property_updated') {
    const fields = await loadFieldDefs(q, workspaceId);
    const known = (STANDARD_FIELDS as readonly string[]).includes(t.field) || fields.has(t.field);
    if (!known) out.push({ step_id: null, path: 'trigger.field', message: `no field ${t.field}`, resolve: 'choose a standard or custom field' });
    else if (t.type === 'date_field' && t.field !== 'birthday' && fields.get(t.field)?.type !== 'date') out.push({ step_id: null, path: 'trigger.field', message: `${t.field} is not a date field`, resolve: 'choose birthday or a custom date field' });
  }
  // J-3: a yearly date re-enters every year, unless the contact is still in last year's entry
  if (t.type === 'date_field' && t.yearly) {
    const days = longestWaitDays(def);
    if (days >= 365) out.push({ step_id: null, path: 'trigger.yearly', message: `a path waits ${Math.round(days)} days: contacts still in the journey a year later cannot enter again`, resolve: 'keep the waits of every path under a year, or turn yearly off' });
  }
}

const UNIT_DAYS = { minutes: 1 / 1440, hours: 1 / 24, days: 1, weeks: 7, months: 365.25 / 12 };

/** The longest total of fixed delays along a path from the start (waits until a date are not counted). */
function longestWaitDays(def: Definition): number {
  const steps = stepsById(def);
  const memo = new Map<string, number>();
  const from = (id: string | null): number => {
    if (id === null || !steps.has(id) || memo.has(id)) return memo.get(id ?? '') ?? 0;
    memo.set(id, 0); // a loop (reported elsewhere) adds nothing
    const s = steps.get(id)!;
    const own = s.type === 'wait' && s.delay ? s.delay.amount * UNIT_DAYS[s.delay.unit] : 0;
    const total = own + Math.max(0, ...successors(s).map(from));
    memo.set(id, total);
    return total;
  };
  return from(def.start);
}

function actionProblems(s: Extract<Step, { type: 'action' }>, path: string, lists: Set<number>, fields: Map<string, unknown>, out: Problem[]) {
  const need = (ok: boolean, at: string, message: string, resolve: string) => !ok && out.push({ step_id: s.id, path: `${path}.${at}`, message, resolve });
  if (s.action === 'add_tag' || s.action === 'remove_tag') need(!!s.tag?.trim(), 'tag', 'no tag given', 'name the tag');
  if (s.action === 'add_to_list' || s.action === 'remove_from_list') need(s.list_id !== undefined && lists.has(s.list_id), 'list_id', `no list ${s.list_id ?? ''}`.trim(), 'choose an existing list');
  if (s.action === 'set_field') {
    need(!!s.field && ((STANDARD_FIELDS as readonly string[]).includes(s.field) || fields.has(s.field)), 'field', `no field ${s.field ?? ''}`.trim(), 'choose a standard or custom field');
    need(s.value !== undefined || s.value_from_event !== undefined, 'value', 'no value given', 'give a value or a path in the event data');
  }
}

/** True when every path to the step passes an SMS consent condition, or the entry filter has one. */
function smsConsentOnPath(def: Definition, target: string): boolean {
  const mentions = (c: unknown) => /"type":"consent"[^}]*"channel":"sms"|"channel":"sms"[^}]*"type":"consent"/.test(JSON.stringify(c ?? null));
  if (mentions(def.entry_filter)) return true;
  const steps = stepsById(def);
  // search for a path from the start to the target that crosses no SMS consent branch
  const free = (id: string | null, seen: Set<string>): boolean => {
    if (id === null || seen.has(id)) return false;
    if (id === target) return true;
    const s = steps.get(id);
    if (!s) return false;
    seen.add(id);
    if (s.type === 'split') return s.branches.some((b) => !mentions(b.criteria) && free(b.next, seen)) || free(s.else, seen);
    return successors(s).some((n) => free(n, seen));
  };
  return !free(def.start, new Set());
}
