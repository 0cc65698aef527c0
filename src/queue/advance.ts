import type { ManualClock } from '../clock.ts';
import { drainDue, Turns, type DueSource } from './worker.ts';

const IDLE_WAIT_MS = 20;
const IDLE_TRIES = 100;

/**
 * Moves a manual clock to `to`, running every piece of due work in due order on the way:
 * the clock steps to each due time, so every effect is recorded when it would really happen.
 * Each step runs what is due to quiescence (sends handed over and their outcomes recorded, jobs
 * committed) before time moves again, and the whole advance takes its turn with the worker's
 * rounds (`turns`): no work of this process is in flight when the clock jumps, so no lease or
 * deadline expires merely because simulated time passed while real work ran (issue 17).
 */
export function advanceClock(clock: ManualClock, sources: DueSource[], to: Date, turns = new Turns()): Promise<{ ran: number; steps: number }> {
  return turns.run(() => advanceNow(clock, sources, to));
}

async function advanceNow(clock: ManualClock, sources: DueSource[], to: Date): Promise<{ ran: number; steps: number }> {
  let ran = await drainDue(sources, clock);
  let steps = 0;
  let idle = 0;
  let due = await dueTimes(sources);
  for (;;) {
    const next = Math.min(...due.filter((t): t is number => t !== null));
    if (!Number.isFinite(next) || next > to.getTime()) break;
    if (next > clock.now().getTime()) clock.set(new Date(next));
    steps++;
    // the sources due now run, then all are asked again: what ran may have made work due now
    // (a journey step's delivery, a send's events); only when none is left does time move on
    const now = clock.now().getTime();
    let n = 0;
    for (const [i, s] of sources.entries()) if (due[i] !== null && due[i]! <= now) n += await s.runDue(clock.now());
    ran += n;
    due = await dueTimes(sources);
    if (n === 0) {
      // due, yet nothing ran: its rows are held by a transaction still in flight (a request's,
      // another process's). Wait for it rather than jump over due work; a source that keeps
      // reporting work it cannot run is left after a while instead of spinning.
      if (++idle > IDLE_TRIES) break;
      await new Promise((r) => setTimeout(r, IDLE_WAIT_MS));
      due = await dueTimes(sources);
    } else idle = 0;
  }
  if (to.getTime() > clock.now().getTime()) clock.set(to);
  return { ran, steps };
}

async function dueTimes(sources: DueSource[]): Promise<(number | null)[]> {
  return (await Promise.all(sources.map((s) => s.nextDueAt()))).map((t) => (t === null ? null : t.getTime()));
}
