import { AppError } from '../../errors.ts';

const HOUR = 3_600_000;

export interface PaceOptions {
  start: Date;
  count: number;
  /** At most this many messages in any hour. */
  perHour?: number | null;
  /** Spread the whole send over this long: the last message leaves before start + spreadOverMs. */
  spreadOverMs?: number | null;
}

/**
 * When message i of a paced send leaves (M-5): start + floor(i × interval), computed from the
 * exact fraction so nothing drifts over a million messages, and message i + perHour is exactly one
 * hour after message i. With both limits the slower interval wins: the hourly cap protects the
 * sender's reputation, and the deadline (isExpired) drops whatever no longer fits.
 */
export function paceSchedule(o: PaceOptions): (index: number) => Date {
  const fail = (path: string, message: string) => new AppError('validation', `${path}: ${message}`, [{ path, message }]);
  if (!Number.isInteger(o.count) || o.count < 0) throw fail('count', 'expected a whole number of 0 or more');
  if (o.perHour != null && (!Number.isInteger(o.perHour) || o.perHour < 1)) throw fail('perHour', 'expected a whole number of 1 or more');
  if (o.spreadOverMs != null && (!Number.isFinite(o.spreadOverMs) || o.spreadOverMs < 0)) throw fail('spreadOverMs', 'expected a duration of 0 or more');
  // interval = num / den milliseconds; 0 / 1 when unpaced (everything at start).
  let num = 0;
  let den = 1;
  if (o.perHour != null) [num, den] = [HOUR, o.perHour];
  if (o.spreadOverMs && o.count > 0 && o.spreadOverMs * den > num * o.count) [num, den] = [o.spreadOverMs, o.count];
  const start = o.start.getTime();
  return (index) => {
    if (!Number.isInteger(index) || index < 0 || index >= o.count) throw new RangeError(`index ${index} outside 0…${o.count - 1}`);
    return new Date(start + Math.floor((index * num) / den));
  };
}

/** A message due at or after its deadline is dropped and counted as expired (M-5). */
export function isExpired(sendAt: Date, deadline?: Date | null): boolean {
  return deadline != null && sendAt.getTime() >= deadline.getTime();
}
