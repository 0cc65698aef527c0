import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';

/**
 * A fixed-window limit per key (an IP) for public endpoints, kept in this process's memory:
 * with several API processes each allows `max` per window, which still caps abuse.
 */
export class RateLimiter {
  private readonly hits = new Map<string, { n: number; until: number }>();
  constructor(private readonly clock: Clock, private readonly max: number, private readonly windowMs: number) {}

  check(key: string): void {
    const now = this.clock.now().getTime();
    const h = this.hits.get(key);
    if (!h || h.until <= now) {
      if (this.hits.size > 50_000) this.hits.clear();
      this.hits.set(key, { n: 1, until: now + this.windowMs });
      return;
    }
    if (++h.n > this.max) throw new AppError('rate_limited', 'too many requests; try again in a minute');
  }
}
