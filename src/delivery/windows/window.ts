import { AppError, type ErrorDetail } from '../../errors.ts';
import { DAY, MINUTE, fromWall, isoWeekday, startOfWallDay, toWall, zoneOf } from './zone-time.ts';

/**
 * Days and hours a message may go out, in one zone (M-4). `end` is exclusive and may be '24:00'.
 * When `end` is earlier than `start` the window runs overnight (22:00–06:00): it belongs to the
 * day it starts, so days [5] with 22:00–06:00 is Friday 22:00 to Saturday 06:00.
 */
export interface DeliveryWindow {
  timezone: string;
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: number[];
  start: string;
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Every problem with a window, each with the path of the field at fault. */
export function validateWindow(w: DeliveryWindow): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  if (typeof w?.timezone !== 'string' || !validZone(w.timezone)) errors.push({ path: 'timezone', message: 'expected an IANA time zone such as Europe/Paris' });
  if (!Array.isArray(w?.days) || w.days.length === 0) errors.push({ path: 'days', message: 'expected at least one day (1 = Monday … 7 = Sunday)' });
  else
    w.days.forEach((d, i) => {
      if (!Number.isInteger(d) || d < 1 || d > 7) errors.push({ path: `days.${i}`, message: 'expected 1 (Monday) to 7 (Sunday)' });
      else if (w.days.indexOf(d) !== i) errors.push({ path: `days.${i}`, message: 'repeated day' });
    });
  const start = minutes(w?.start, false);
  const end = minutes(w?.end, true);
  if (start === null) errors.push({ path: 'start', message: 'expected HH:MM, 00:00 to 23:59' });
  if (end === null) errors.push({ path: 'end', message: 'expected HH:MM, 00:00 to 24:00' });
  if (start !== null && end !== null && start === end)
    errors.push({ path: 'end', message: 'must differ from start (00:00 to 24:00 is the whole day)' });
  return errors;
}

/** `at` itself when inside the window, else the next instant the window opens. */
export function nextOpening(w: DeliveryWindow, at: Date): Date {
  const win = parse(w);
  const zone = zoneOf(w.timezone);
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('nextOpening: invalid date');
  const today = startOfWallDay(toWall(zone, t));
  // Yesterday first: an overnight window opened then may still be open. Two weeks ahead always
  // find an opening, even when DST swallows a whole short window one week.
  for (let d = -1; d <= 14; d++) {
    const day = today + d * DAY;
    if (!win.days.has(isoWeekday(day))) continue;
    const open = fromWall(zone, day + win.start * MINUTE);
    const close = fromWall(zone, day + (win.end <= win.start ? DAY : 0) + win.end * MINUTE);
    if (close > t && open < close) return new Date(Math.max(open, t));
  }
  throw new Error('unreachable: a valid window opens within two weeks');
}

export function isInWindow(w: DeliveryWindow, at: Date): boolean {
  return nextOpening(w, at).getTime() === at.getTime();
}

function parse(w: DeliveryWindow): { days: Set<number>; start: number; end: number } {
  const errors = validateWindow(w);
  if (errors.length) throw new AppError('validation', `window.${errors[0]!.path}: ${errors[0]!.message}`, errors.map((e) => ({ ...e, path: `window.${e.path}` })));
  return { days: new Set(w.days), start: minutes(w.start, false)!, end: minutes(w.end, true)! };
}

function minutes(hhmm: unknown, allow24: boolean): number | null {
  if (typeof hhmm !== 'string') return null;
  if (hhmm === '24:00') return allow24 ? 24 * 60 : null;
  const m = HHMM.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

function validZone(name: string): boolean {
  try {
    zoneOf(name);
    return true;
  } catch {
    return false;
  }
}
