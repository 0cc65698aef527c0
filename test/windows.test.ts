import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { AppError } from '../src/errors.ts';
import { applyWait, dueTime, isExpired, isInWindow, nextOpening, paceSchedule, validateWindow, type DeliveryWindow, type Wait } from '../src/delivery/windows/index.ts';

const d = (iso: string) => new Date(iso);
const win = (timezone: string, days: number[], start: string, end: string): DeliveryWindow => ({ timezone, days, start, end });
const WEEKDAYS = [1, 2, 3, 4, 5];
const paris = win('Europe/Paris', WEEKDAYS, '09:00', '18:00');
const newYork = win('America/New_York', WEEKDAYS, '09:00', '17:00');
const sydney = win('Australia/Sydney', WEEKDAYS, '09:00', '17:00');
const parisSundayNight = win('Europe/Paris', [7], '02:30', '05:00');

describe('nextOpening (M-4)', () => {
  // [case, window, at, expected]; instants written with the local offset in force at that moment.
  const cases: Array<[string, DeliveryWindow, string, string]> = [
    ['inside stays', paris, '2026-01-05T10:00:00+01:00', '2026-01-05T10:00:00+01:00'],
    ['before start waits for the same morning', paris, '2026-01-05T08:59:59+01:00', '2026-01-05T09:00:00+01:00'],
    ['exactly at start is inside', paris, '2026-01-05T09:00:00+01:00', '2026-01-05T09:00:00+01:00'],
    ['one ms before end is inside', paris, '2026-01-05T17:59:59.999+01:00', '2026-01-05T17:59:59.999+01:00'],
    ['exactly at end is outside', paris, '2026-01-05T18:00:00+01:00', '2026-01-06T09:00:00+01:00'],
    ['Friday evening skips the weekend', paris, '2026-01-09T18:30:00+01:00', '2026-01-12T09:00:00+01:00'],
    ['Saturday skips to Monday', paris, '2026-01-10T12:00:00+01:00', '2026-01-12T09:00:00+01:00'],
    ['late Sunday goes to Monday', paris, '2026-01-11T23:59:00+01:00', '2026-01-12T09:00:00+01:00'],
    ['the window follows Paris, not UTC', paris, '2026-01-05T08:30:00Z', '2026-01-05T08:30:00Z'],
    ['weekend across spring-forward: Monday 09:00 CEST', paris, '2026-03-27T19:00:00+01:00', '2026-03-30T09:00:00+02:00'],
    ['weekend across fall-back: Monday 09:00 CET', paris, '2026-10-23T19:00:00+02:00', '2026-10-26T09:00:00+01:00'],
    ['Paris gap: 02:30 does not exist, opens at 03:00', parisSundayNight, '2026-03-28T12:00:00+01:00', '2026-03-29T03:00:00+02:00'],
    ['Paris gap: inside once open', parisSundayNight, '2026-03-29T03:10:00+02:00', '2026-03-29T03:10:00+02:00'],
    ['Paris repeated hour: the first 02:30', parisSundayNight, '2026-10-24T12:00:00+02:00', '2026-10-25T02:30:00+02:00'],
    ['Paris repeated hour: second 02:15 is inside (opened at the first 02:30)', parisSundayNight, '2026-10-25T02:15:00+01:00', '2026-10-25T02:15:00+01:00'],
    ['Paris: a window wholly in the gap is skipped that week', win('Europe/Paris', [7], '02:00', '02:45'), '2026-03-28T12:00:00+01:00', '2026-04-05T02:00:00+02:00'],
    ['New York: end is exclusive, weekend skipped, offset changes', newYork, '2026-03-06T17:00:00-05:00', '2026-03-09T09:00:00-04:00'],
    ['New York gap: 02:15 opens at 03:00 EDT', win('America/New_York', [7], '02:15', '04:00'), '2026-03-07T20:00:00-05:00', '2026-03-08T03:00:00-04:00'],
    ['New York repeated hour: the first 01:30 (EDT)', win('America/New_York', [7], '01:30', '03:00'), '2026-10-31T22:00:00-04:00', '2026-11-01T01:30:00-04:00'],
    ['Sydney: Friday after hours goes to Monday', sydney, '2026-01-09T17:00:00+11:00', '2026-01-12T09:00:00+11:00'],
    ['Sydney repeated hour (April): the first 02:30 (AEDT)', win('Australia/Sydney', [7], '02:30', '04:00'), '2026-04-04T12:00:00+11:00', '2026-04-05T02:30:00+11:00'],
    ['Sydney gap (October): 02:30 opens at 03:00 AEDT', win('Australia/Sydney', [7], '02:30', '04:00'), '2026-10-03T12:00:00+10:00', '2026-10-04T03:00:00+11:00'],
    ['overnight: inside after midnight, on the day after a start day', win('Europe/Paris', [5], '22:00', '06:00'), '2026-01-10T03:00:00+01:00', '2026-01-10T03:00:00+01:00'],
    ['overnight: end is exclusive the next morning', win('Europe/Paris', [5], '22:00', '06:00'), '2026-01-10T06:00:00+01:00', '2026-01-16T22:00:00+01:00'],
    ['overnight: the start day governs, not the day it ends', win('Europe/Paris', [5], '22:00', '06:00'), '2026-01-09T03:00:00+01:00', '2026-01-09T22:00:00+01:00'],
    ['overnight: Sunday night runs into Monday', win('Europe/Paris', [7], '22:00', '06:00'), '2026-01-12T05:59:00+01:00', '2026-01-12T05:59:00+01:00'],
    ['24:00 end: the last minute is inside', win('Europe/Paris', [1], '20:00', '24:00'), '2026-01-05T23:59:59+01:00', '2026-01-05T23:59:59+01:00'],
    ['24:00 end: midnight is outside', win('Europe/Paris', [1], '20:00', '24:00'), '2026-01-06T00:00:00+01:00', '2026-01-12T20:00:00+01:00'],
    ['whole days', win('UTC', [1, 2, 3, 4, 5, 6, 7], '00:00', '24:00'), '2026-07-04T13:37:00Z', '2026-07-04T13:37:00Z'],
  ];
  it.each(cases)('%s', (_, w, at, expected) => {
    expect(nextOpening(w, d(at)).toISOString()).toBe(d(expected).toISOString());
    expect(isInWindow(w, d(at))).toBe(at === expected);
  });

  it('refuses an invalid window with the paths of its errors', () => {
    const err = catchError(() => nextOpening(win('Mars/Olympus', [], '9:00', '18:00'), d('2026-01-05T10:00:00Z')));
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation');
    expect((err as AppError).details.map((e) => e.path)).toEqual(['window.timezone', 'window.days', 'window.start']);
  });

  const zones = ['Europe/Paris', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'UTC'];
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const windowArb = fc
    .record({
      timezone: fc.constantFrom(...zones),
      days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      start: fc.integer({ min: 0, max: 23 * 4 + 3 }).map((q) => q * 15),
      end: fc.integer({ min: 1, max: 96 }).map((q) => q * 15),
    })
    .filter((w) => w.start !== w.end)
    .map((w) => win(w.timezone, w.days, hhmm(w.start), w.end === 1440 ? '24:00' : hhmm(w.end)));
  const instantArb = fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 0, 1) }).map((t) => new Date(t));

  it('property: the result is inside, not before `at`, and opens there (not earlier)', () => {
    fc.assert(
      fc.property(windowArb, instantArb, (w, at) => {
        const r = nextOpening(w, at);
        expect(r.getTime()).toBeGreaterThanOrEqual(at.getTime());
        expect(r.getTime() - at.getTime()).toBeLessThanOrEqual(15 * 86_400_000);
        expect(isInWindow(w, r)).toBe(true);
        if (r > at) expect(isInWindow(w, new Date(r.getTime() - 1))).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('property: away from DST changes, agrees with a plain wall-clock reading by luxon', () => {
    const insideByLuxon = (w: DeliveryWindow, at: Date) => {
      const local = DateTime.fromJSDate(at, { zone: w.timezone });
      const minute = local.hour * 60 + local.minute;
      const [start, end] = [w.start, w.end].map((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3)));
      if (end > start) return w.days.includes(local.weekday) && minute >= start && minute < end;
      return (w.days.includes(local.weekday) && minute >= start) || (w.days.includes(local.minus({ days: 1 }).weekday) && minute < end);
    };
    const quiet = (w: DeliveryWindow, at: Date) => {
      const local = DateTime.fromJSDate(at, { zone: w.timezone });
      return local.minus({ days: 1 }).startOf('day').offset === local.plus({ days: 1 }).endOf('day').offset;
    };
    fc.assert(
      fc.property(windowArb, instantArb, (w, at) => {
        fc.pre(quiet(w, at));
        expect(isInWindow(w, at)).toBe(insideByLuxon(w, at));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('validateWindow', () => {
  const cases: Array<[string, Partial<DeliveryWindow>, string[]]> = [
    ['a valid window', {}, []],
    ['an overnight window', { start: '22:00', end: '06:00' }, []],
    ['a 24:00 end', { end: '24:00' }, []],
    ['an unknown zone', { timezone: 'Europe/Lutece' }, ['timezone']],
    ['an offset is not a zone', { timezone: '+02:00' }, ['timezone']],
    ['no days', { days: [] }, ['days']],
    ['bad and repeated days', { days: [0, 8, 1.5, 2, 2] }, ['days.0', 'days.1', 'days.2', 'days.4']],
    ['a short time', { start: '9:00' }, ['start']],
    ['a 24:00 start', { start: '24:00' }, ['start']],
    ['minutes past 59', { end: '17:60' }, ['end']],
    ['past 24:00', { end: '24:01' }, ['end']],
    ['an empty window', { start: '10:00', end: '10:00' }, ['end']],
  ];
  it.each(cases)('%s', (_, patch, paths) => {
    expect(validateWindow({ ...paris, ...patch }).map((e) => e.path)).toEqual(paths);
  });
});

describe('applyWait (J-9)', () => {
  const cases: Array<[string, string, Wait, string, string]> = [
    ['hours are elapsed time across spring-forward', '2026-03-28T23:00:00+01:00', { amount: 4, unit: 'hours' }, 'Europe/Paris', '2026-03-29T04:00:00+02:00'],
    ['minutes are elapsed time', '2026-10-25T01:50:00+02:00', { amount: 90, unit: 'minutes' }, 'Europe/Paris', '2026-10-25T02:20:00+01:00'],
    ['a day keeps the wall time across spring-forward (23 h)', '2026-03-28T10:00:00+01:00', { amount: 1, unit: 'days' }, 'Europe/Paris', '2026-03-29T10:00:00+02:00'],
    ['a day keeps the wall time across fall-back (25 h)', '2026-10-24T10:00:00+02:00', { amount: 1, unit: 'days' }, 'Europe/Paris', '2026-10-25T10:00:00+01:00'],
    ['the zone decides: the same day in UTC is 24 h', '2026-03-28T10:00:00+01:00', { amount: 1, unit: 'days' }, 'UTC', '2026-03-29T11:00:00+02:00'],
    ['a week in New York across its DST change', '2026-03-05T09:00:00-05:00', { amount: 1, unit: 'weeks' }, 'America/New_York', '2026-03-12T09:00:00-04:00'],
    ['a month clamps to the end of February', '2026-01-31T09:00:00+01:00', { amount: 1, unit: 'months' }, 'Europe/Paris', '2026-02-28T09:00:00+01:00'],
    ['a month clamps to 29 February in a leap year', '2028-01-31T09:00:00+01:00', { amount: 1, unit: 'months' }, 'Europe/Paris', '2028-02-29T09:00:00+01:00'],
    ['a month across DST keeps 09:00', '2026-03-15T09:00:00+01:00', { amount: 1, unit: 'months' }, 'Europe/Paris', '2026-04-15T09:00:00+02:00'],
    ['a month in Sydney across its April change', '2026-03-20T09:00:00+11:00', { amount: 1, unit: 'months' }, 'Australia/Sydney', '2026-04-20T09:00:00+10:00'],
    ['a day landing in the gap opens at its end', '2026-03-28T02:30:00+01:00', { amount: 1, unit: 'days' }, 'Europe/Paris', '2026-03-29T03:00:00+02:00'],
    ['a day landing in the repeated hour takes the first', '2026-10-24T02:30:00+02:00', { amount: 1, unit: 'days' }, 'Europe/Paris', '2026-10-25T02:30:00+02:00'],
    ['zero waits nothing', '2026-01-05T10:00:00Z', { amount: 0, unit: 'days' }, 'Europe/Paris', '2026-01-05T10:00:00Z'],
  ];
  it.each(cases)('%s', (_, at, wait, zone, expected) => {
    expect(applyWait(d(at), wait, zone).toISOString()).toBe(d(expected).toISOString());
  });

  it.each([
    [{ amount: -1, unit: 'hours' }, 'wait.amount'],
    [{ amount: 1.5, unit: 'days' }, 'wait.amount'],
    [{ amount: Number.NaN, unit: 'minutes' }, 'wait.amount'],
    [{ amount: 1, unit: 'years' }, 'wait.unit'],
  ] as Array<[Wait, string]>)('refuses %o', (wait, path) => {
    const err = catchError(() => applyWait(d('2026-01-05T10:00:00Z'), wait, 'UTC')) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.details[0]!.path).toBe(path);
  });
});

describe('dueTime: waits combine with the window (J-9, seed 000)', () => {
  const cases: Array<[string, string, Wait | null, DeliveryWindow | null, string]> = [
    ['a 4-hour wait ending at 21:00 becomes the next morning', '2026-01-05T17:00:00+01:00', { amount: 4, unit: 'hours' }, paris, '2026-01-06T09:00:00+01:00'],
    ['a 4-hour wait from Friday afternoon becomes Monday', '2026-01-09T16:00:00+01:00', { amount: 4, unit: 'hours' }, paris, '2026-01-12T09:00:00+01:00'],
    ['a wait ending inside the window is kept', '2026-01-05T09:30:00+01:00', { amount: 4, unit: 'hours' }, paris, '2026-01-05T13:30:00+01:00'],
    ['3 days from Friday 10:00 is Monday 10:00', '2026-01-09T10:00:00+01:00', { amount: 3, unit: 'days' }, paris, '2026-01-12T10:00:00+01:00'],
    ['2 days from Thursday lands on Saturday, sent Monday', '2026-01-08T10:00:00+01:00', { amount: 2, unit: 'days' }, paris, '2026-01-12T09:00:00+01:00'],
    ['no wait: only the window', '2026-01-10T10:00:00+01:00', null, paris, '2026-01-12T09:00:00+01:00'],
    ['no window: only the wait', '2026-01-10T10:00:00+01:00', { amount: 1, unit: 'weeks' }, null, '2026-01-17T10:00:00+01:00'],
    ['neither: now', '2026-01-10T10:00:00+01:00', null, null, '2026-01-10T10:00:00+01:00'],
  ];
  it.each(cases)('%s', (_, at, wait, window, expected) => {
    expect(dueTime(d(at), wait, window).toISOString()).toBe(d(expected).toISOString());
  });

  it('counts calendar waits in the zone given, the window in its own', () => {
    // Paris moves to summer time that night, New York moved three weeks earlier: a day is 23 h in
    // Paris and 24 h in New York.
    const always = win('Europe/Paris', [1, 2, 3, 4, 5, 6, 7], '00:00', '24:00');
    const at = d('2026-03-28T12:00:00+01:00');
    expect(dueTime(at, { amount: 1, unit: 'days' }, always).toISOString()).toBe(d('2026-03-29T12:00:00+02:00').toISOString());
    expect(dueTime(at, { amount: 1, unit: 'days' }, always, 'America/New_York').toISOString()).toBe(d('2026-03-29T13:00:00+02:00').toISOString());
  });
});

describe('pacing (M-5)', () => {
  const start = d('2026-01-05T09:00:00Z');
  const offsets = (schedule: (i: number) => Date, n: number) => Array.from({ length: n }, (_, i) => schedule(i).getTime() - start.getTime());

  it.each([
    ['unpaced: everything at start', { count: 3 }, [0, 0, 0]],
    ['1,000 per hour: every 3.6 s', { count: 3, perHour: 1000 }, [0, 3600, 7200]],
    ['spread over 2 h: every 30 min', { count: 4, spreadOverMs: 7_200_000 }, [0, 1_800_000, 3_600_000, 5_400_000]],
    ['both, spread slower: the spread wins', { count: 3, perHour: 100, spreadOverMs: 3_600_000 }, [0, 1_200_000, 2_400_000]],
    ['both, cap slower: the cap wins', { count: 1000, perHour: 10, spreadOverMs: 3_600_000 }, [0, 360_000, 720_000]],
    ['a fractional interval floors each send, not a running sum', { count: 4, perHour: 7 }, [0, 514_285, 1_028_571, 1_542_857]],
  ] as Array<[string, { count: number; perHour?: number; spreadOverMs?: number }, number[]]>)('%s', (_, o, expected) => {
    expect(offsets(paceSchedule({ start, ...o }), expected.length)).toEqual(expected);
  });

  it('never puts more than perHour sends in any hour, and never drifts', () => {
    const perHour = 7;
    const at = paceSchedule({ start, count: 1_000_000, perHour });
    for (let i = 0; i < 500; i++) {
      expect(at(i + perHour).getTime() - at(i).getTime()).toBe(3_600_000);
      expect(at(i + 1).getTime()).toBeGreaterThanOrEqual(at(i).getTime());
    }
    expect(at(999_999).getTime() - start.getTime()).toBe(Math.floor((999_999 * 3_600_000) / 7));
  });

  it('finishes a spread send before start + duration', () => {
    const at = paceSchedule({ start, count: 999, spreadOverMs: 3_600_000 });
    expect(at(998).getTime()).toBeLessThan(start.getTime() + 3_600_000);
    expect(at(998).getTime()).toBeGreaterThan(start.getTime() + 3_590_000);
  });

  it('refuses bad input', () => {
    expect(() => paceSchedule({ start, count: -1 })).toThrow(AppError);
    expect(() => paceSchedule({ start, count: 10, perHour: 0 })).toThrow(AppError);
    expect(() => paceSchedule({ start, count: 10, perHour: 2.5 })).toThrow(AppError);
    expect(() => paceSchedule({ start, count: 10, spreadOverMs: -5 })).toThrow(AppError);
    const at = paceSchedule({ start, count: 2, perHour: 10 });
    expect(() => at(2)).toThrow(RangeError);
    expect(() => at(-1)).toThrow(RangeError);
  });

  it.each([
    ['no deadline', '2026-01-05T10:00:00Z', null, false],
    ['before the deadline', '2026-01-05T09:59:59.999Z', '2026-01-05T10:00:00Z', false],
    ['at the deadline', '2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z', true],
    ['after the deadline', '2026-01-05T10:00:00.001Z', '2026-01-05T10:00:00Z', true],
  ] as Array<[string, string, string | null, boolean]>)('isExpired: %s', (_, sendAt, deadline, expired) => {
    expect(isExpired(d(sendAt), deadline ? d(deadline) : null)).toBe(expired);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
