import { DateTime } from 'luxon';
import { AppError } from '../../errors.ts';
import { MINUTE, fromWall, toWall, zoneOf } from './zone-time.ts';
import { nextOpening, type DeliveryWindow } from './window.ts';

export type WaitUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'months';
export interface Wait {
  amount: number;
  unit: WaitUnit;
}

const UNITS: readonly WaitUnit[] = ['minutes', 'hours', 'days', 'weeks', 'months'];

/**
 * Minutes and hours are elapsed time. Days, weeks and months are calendar steps in `zone`: the
 * same wall-clock time on the target day whatever DST did in between; months clamp to the month's
 * end (31 January + 1 month = 28 or 29 February). A target time DST skips or repeats resolves as a
 * window opening does (end of the gap; first occurrence).
 */
export function applyWait(at: Date, wait: Wait, zone: string): Date {
  checkWait(wait);
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('applyWait: invalid date');
  if (wait.unit === 'minutes') return new Date(t + wait.amount * MINUTE);
  if (wait.unit === 'hours') return new Date(t + wait.amount * 60 * MINUTE);
  // a journey batch asks the same question for every row it advances: remember recent answers
  const key = `${t}|${wait.amount}|${wait.unit}|${zone}`;
  const known = calendarWaits.get(key);
  if (known !== undefined) return new Date(known);
  const z = zoneOf(zone);
  // Calendar steps on the wall clock, which luxon's UTC zone treats as plain dates.
  const wall = DateTime.fromMillis(toWall(z, t), { zone: 'utc' }).plus({ [wait.unit]: wait.amount });
  const end = fromWall(z, wall.toMillis());
  if (calendarWaits.size >= 10_000) calendarWaits.clear();
  calendarWaits.set(key, end);
  return new Date(end);
}

const calendarWaits = new Map<string, number>();

/**
 * When a step falls due: after the wait, at the window's next opening (J-9: a 4-hour wait ending
 * at 21:00 with a 09:00–18:00 window is due at 09:00 the next allowed day). Calendar waits count in
 * `zone`, by default the window's.
 */
export function dueTime(at: Date, wait?: Wait | null, window?: DeliveryWindow | null, zone?: string): Date {
  const waited = wait ? applyWait(at, wait, zone ?? window?.timezone ?? 'UTC') : at;
  return window ? nextOpening(window, waited) : waited;
}

function checkWait(wait: Wait): void {
  const calendar = wait.unit === 'days' || wait.unit === 'weeks' || wait.unit === 'months';
  if (!UNITS.includes(wait.unit)) throw new AppError('validation', `wait.unit: expected one of ${UNITS.join(', ')}`, [{ path: 'wait.unit', message: `expected one of ${UNITS.join(', ')}` }]);
  if (!Number.isFinite(wait.amount) || wait.amount < 0 || (calendar && !Number.isInteger(wait.amount))) {
    const message = calendar ? 'expected a whole number of 0 or more' : 'expected a number of 0 or more';
    throw new AppError('validation', `wait.amount: ${message}`, [{ path: 'wait.amount', message }]);
  }
}
