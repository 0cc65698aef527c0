import { IANAZone } from 'luxon';
import { AppError } from '../../errors.ts';

/**
 * Wall-clock arithmetic in one IANA zone. A "wall" value is the local date and time encoded as
 * if it were UTC milliseconds, so calendar fields come from the Date UTC getters.
 */
export const MINUTE = 60_000;
export const DAY = 86_400_000;

const zones = new Map<string, IANAZone>();

export function zoneOf(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    if (!zone.isValid) throw new AppError('validation', `timezone: unknown time zone ${name}`, [{ path: 'timezone', message: `unknown time zone ${name}` }]);
    zones.set(name, zone);
  }
  return zone;
}

export function toWall(zone: IANAZone, instant: number): number {
  return instant + zone.offset(instant) * MINUTE;
}

/**
 * The earliest instant whose wall-clock reading is `wall` or later. A repeated time (autumn) is
 * its first occurrence; a skipped time (spring gap) is the end of the gap, e.g. 02:30 on the day
 * Paris jumps from 02:00 to 03:00 resolves to 03:00.
 */
export function fromWall(zone: IANAZone, wall: number): number {
  // Window edges repeat across thousands of deliveries and an offset costs ~8 µs of Intl here.
  const key = `${zone.name}|${wall}`;
  let instant = resolved.get(key);
  if (instant === undefined) {
    if (resolved.size >= 20_000) resolved.clear();
    resolved.set(key, (instant = resolve(zone, wall)));
  }
  return instant;
}
const resolved = new Map<string, number>();

function resolve(zone: IANAZone, wall: number): number {
  // Real zones change offset at most once in a day, so the offsets a day either side bracket it.
  const before = zone.offset(wall - DAY);
  const after = zone.offset(wall + DAY);
  if (before === after) return wall - before * MINUTE; // the usual day: no change near it
  const a = wall - before * MINUTE;
  const b = wall - after * MINUTE;
  const exact = [a, b].filter((t) => toWall(zone, t) === wall);
  if (exact.length) return Math.min(...exact);
  // In a gap: wall readings jump past `wall` at the transition, which lies between the two guesses.
  let lo = Math.min(a, b);
  let hi = Math.max(a, b);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (toWall(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** ISO weekday of a wall value: 1 = Monday … 7 = Sunday. */
export function isoWeekday(wall: number): number {
  return ((new Date(wall).getUTCDay() + 6) % 7) + 1;
}

/** Midnight (wall) of the day holding `wall`. */
export function startOfWallDay(wall: number): number {
  return Math.floor(wall / DAY) * DAY;
}
