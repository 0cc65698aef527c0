import type { ManualClock } from '../clock.ts';
import { drainDue, type DueSource } from './worker.ts';

/**
 * Moves a manual clock to `to`, running every piece of due work in due order on the way:
 * the clock steps to each due time, so every effect is recorded when it would really happen.
 */
export async function advanceClock(clock: ManualClock, sources: DueSource[], to: Date): Promise<{ ran: number; steps: number }> {
  let ran = await drainDue(sources, clock);
  let steps = 0;
  for (;;) {
    const times = await Promise.all(sources.map((s) => s.nextDueAt()));
    const next = Math.min(...times.filter((t): t is Date => t !== null).map((t) => t.getTime()));
    if (!Number.isFinite(next) || next > to.getTime()) break;
    if (next > clock.now().getTime()) clock.set(new Date(next));
    steps++;
    const n = await drainDue(sources, clock);
    ran += n;
    // something reports due work but runs nothing: leave instead of spinning
    if (n === 0 && next <= clock.now().getTime()) break;
  }
  if (to.getTime() > clock.now().getTime()) clock.set(to);
  return { ran, steps };
}
