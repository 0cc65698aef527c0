import { describe, expect, it } from 'vitest';
import { advance, initialState, pickBranch, type Facts } from '../src/journeys/engine.ts';
import { definitionSchema, type Definition } from '../src/journeys/definition.ts';

const T = (iso: string) => new Date(iso);
const def = (d: Partial<Definition> & { steps: any[] }): Definition =>
  definitionSchema.parse({ trigger: { type: 'manual' }, start: d.steps[0]?.id ?? null, ...d });
const facts = (f: Partial<Facts> = {}): Facts => ({ splits: new Map(), ...f });
const ctx = (now: string, extra = {}) => ({ now: T(now), stopped: false, listTriggered: false, timezone: 'Europe/Paris', ...extra });

const welcome = def({
  steps: [
    { id: 'e1', type: 'email', message_id: 1, next: 'w1' },
    { id: 'w1', type: 'wait', delay: { amount: 3, unit: 'days' }, next: 'e2' },
    { id: 'e2', type: 'email', message_id: 2, next: null },
  ],
});

describe('advance: the pure journey engine (J-8 … J-15)', () => {
  // table-driven: each row is a situation and what must come out
  const rows: { name: string; d: Definition; state?: any; f?: Partial<Facts>; c: ReturnType<typeof ctx>; expect: any }[] = [
    {
      name: 'first step sends immediately, then waits 3 days (seed 001)',
      d: welcome, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'active', step: 'w1', next: '2026-03-05T08:00:00.000Z', sends: ['e1'] },
    },
    {
      name: 'a wait that has elapsed moves on and sends the next email, then completes',
      d: welcome, state: { step: 'w1', waitUntil: T('2026-03-05T08:00:00Z'), started: true }, c: ctx('2026-03-05T08:00:00Z'),
      expect: { status: 'completed', sends: ['e2'] },
    },
    {
      name: 'a stopped journey skips the due email and moves on (J-15)',
      d: welcome, state: { step: 'w1', waitUntil: T('2026-03-05T08:00:00Z'), started: true }, c: ctx('2026-03-06T00:00:00Z', { stopped: true }),
      expect: { status: 'completed', sends: [], skipped: ['e2'] },
    },
    {
      name: 'the goal ends the journey before the next step (J-12)',
      d: welcome, state: { step: 'w1', waitUntil: T('2026-03-05T08:00:00Z'), started: true }, f: { goal: true }, c: ctx('2026-03-05T09:00:00Z'),
      expect: { status: 'exited', reason: 'goal', sends: [] },
    },
    {
      name: 'auto-exit criteria end the journey (J-12)',
      d: welcome, f: { exit: true }, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'exited', reason: 'exit_criteria', sends: [] },
    },
    {
      name: 'a contact who left every trigger list leaves the journey (J-13, seed 000)',
      d: welcome, f: { onTriggerList: false }, c: ctx('2026-03-02T08:00:00Z', { listTriggered: true }),
      expect: { status: 'exited', reason: 'left_list', sends: [] },
    },
    {
      name: 'a 4-hour wait ending after the window closes becomes the next morning (J-9)',
      d: def({
        steps: [{ id: 'w', type: 'wait', delay: { amount: 4, unit: 'hours' }, next: 'e' }, { id: 'e', type: 'email', message_id: 1, next: null }],
        settings: { window: { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }, reentry: 'never' },
      }),
      c: ctx('2026-03-02T15:00:00Z'), // 16:00 Paris, Monday: +4 h = 20:00, closed
      expect: { status: 'active', step: 'w', next: '2026-03-03T08:00:00.000Z', sends: [] },
    },
    {
      name: 'an email due outside the window waits for the opening (M-4)',
      d: def({ steps: [{ id: 'e', type: 'email', message_id: 1, next: null }], settings: { window: { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }, reentry: 'never' } }),
      c: ctx('2026-03-07T10:00:00Z'), // Saturday
      expect: { status: 'active', step: 'e', next: '2026-03-09T08:00:00.000Z', sends: [] },
    },
    {
      name: 'a split asks for its facts instead of guessing (set-wise evaluation)',
      d: def({ steps: [{ id: 's', type: 'split', branches: [{ id: 'opened', criteria: { type: 'tag', op: 'has', tag: 'x' }, next: 'e' }], else: null }, { id: 'e', type: 'email', message_id: 1, next: null }] }),
      c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'needs', facts: ['s:opened'] },
    },
    {
      name: 'a split takes the first branch whose criteria hold (J-10)',
      d: def({ steps: [{ id: 's', type: 'split', branches: [{ id: 'a', criteria: {}, next: 'e' }], else: null }, { id: 'e', type: 'email', message_id: 7, next: null }] }),
      f: { splits: new Map([['s:a', true]]) }, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'completed', sends: ['e'], branches: ['s:a'] },
    },
    {
      name: 'no branch holds: the else path',
      d: def({ steps: [{ id: 's', type: 'split', branches: [{ id: 'a', criteria: {}, next: 'e' }], else: 'x' }, { id: 'e', type: 'email', message_id: 7, next: null }, { id: 'x', type: 'exit' }] }),
      f: { splits: new Map([['s:a', false]]) }, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'exited', reason: 'exit_step', sends: [], branches: ['s:else'] },
    },
    {
      name: 'an action takes its value from the triggering event (J-11, seed 002)',
      d: def({ steps: [{ id: 'a', type: 'action', action: 'set_field', field: 'last_order_total', value_from_event: 'total', next: null }] }),
      state: { data: { total: 84.5 } }, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'completed', actions: [['set_field', 84.5]] },
    },
    {
      name: 'wait until a contact date field, e.g. 3 days before a birthday at 09:00 in the journey zone',
      d: def({ steps: [{ id: 'w', type: 'wait', until_field: { field: 'renewal', offset_days: -3, time: '09:00' }, next: 'e' }, { id: 'e', type: 'email', message_id: 1, next: null }] }),
      f: { contact: { renewal: '2026-07-20' } }, c: ctx('2026-03-02T08:00:00Z'),
      expect: { status: 'active', step: 'w', next: '2026-07-17T07:00:00.000Z', sends: [] },
    },
  ];

  it.each(rows)('$name', (row) => {
    const state = { ...initialState(1, 10, {}), ...row.state };
    const r = advance(state, row.d, facts(row.f), row.c);
    expect(r.status).toBe(row.expect.status);
    if (r.status === 'needs') return expect(r.facts).toEqual(row.expect.facts);
    const sends = r.effects.filter((e) => e.kind === 'send').map((e: any) => e.stepId);
    if (row.expect.sends) expect(sends).toEqual(row.expect.sends);
    if (row.expect.skipped) expect(r.effects.filter((e: any) => e.kind === 'visit' && e.outcome === 'skipped').map((e: any) => e.stepId)).toEqual(row.expect.skipped);
    if (row.expect.branches) expect(r.effects.filter((e: any) => e.branchId).map((e: any) => `${e.stepId}:${e.branchId}`)).toEqual(row.expect.branches);
    if (row.expect.actions) expect(r.effects.filter((e) => e.kind === 'action').map((e: any) => [e.step.action, e.value])).toEqual(row.expect.actions);
    if (r.status === 'exited') expect(r.reason).toBe(row.expect.reason);
    if (r.status === 'active') {
      expect(r.state.step).toBe(row.expect.step);
      expect(r.nextRunAt.toISOString()).toBe(row.expect.next);
    }
  });

  it('random split: stable per enrollment and close to the percentages', () => {
    const branches = [{ id: 'a', percent: 30 }, { id: 'b', percent: 70 }];
    expect(pickBranch(branches, '5:s').id).toBe(pickBranch(branches, '5:s').id);
    const n = 10_000;
    let a = 0;
    for (let i = 0; i < n; i++) if (pickBranch(branches, `${i}:s`).id === 'a') a++;
    expect(a / n).toBeGreaterThan(0.28);
    expect(a / n).toBeLessThan(0.32);
  });

  it('never sends a step twice when called again after the state it returned (J-20)', () => {
    const r1 = advance(initialState(1, 10, {}), welcome, facts(), ctx('2026-03-02T08:00:00Z'));
    if (r1.status !== 'active') throw new Error('expected active');
    const r2 = advance(r1.state, welcome, facts(), ctx('2026-03-03T08:00:00Z'));
    expect(r2.status).toBe('active');
    expect(r2.effects).toEqual([]);
  });
});
