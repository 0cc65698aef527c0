import { z } from 'zod';
import { DateTime, Duration } from 'luxon';
import type { Router } from './server.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';

const MAX_ADVANCE_DAYS = 400;

interface Advancer {
  advance(to: Date): Promise<{ ran: number; steps: number }>;
}

/** Exists only with `--clock manual`: time moves when told, running due work on the way. */
export function clockRoutes(ctx: Ctx, app: Advancer) {
  return (r: Router) => {
    r.get('/api/v1/clock', {
      schema: { tags: ['clock'], summary: 'The manual clock (only with --clock manual)', response: { 200: z.object({ now: z.iso.datetime().describe('The current time of the manual clock'), manual: z.literal(true).describe('always true: the route exists only with --clock manual') }) } },
    }, async () => ({ now: ctx.clock.now().toISOString(), manual: true as const }));
    r.post('/api/v1/clock/advance', {
      config: { permission: 'admin' },
      schema: {
        tags: ['clock'],
        summary: 'Move the manual clock forward to `to` or `by` an ISO duration, running all due work in due order: time steps to each due instant and waits there until the work due then has finished (sends handed to the relay and their outcomes recorded); answers the new time, the pieces of work run and the steps taken',
        body: z.strictObject({ to: z.string().max(40).optional(), by: z.string().max(40).optional() }),
        response: {
          200: z.object({
            now: z.iso.datetime().describe('The new time'),
            ran: z.number().describe('Pieces of work run on the way (jobs, journey steps, deliveries, segment refreshes, …)'),
            steps: z.number().describe('Due instants the clock stopped at'),
          }),
        },
      },
    }, async (req) => {
      const now = ctx.clock.now();
      let to: Date;
      if (req.body.to !== undefined && req.body.by === undefined) {
        to = new Date(req.body.to);
        if (Number.isNaN(to.getTime())) throw new AppError('validation', 'to: not an ISO 8601 time', [{ path: 'to', message: 'not an ISO 8601 time' }]);
      } else if (req.body.by !== undefined && req.body.to === undefined) {
        const d = Duration.fromISO(req.body.by);
        if (!d.isValid || d.toMillis() < 0) throw new AppError('validation', 'by: not an ISO 8601 duration such as P1D or PT4H', [{ path: 'by', message: 'not an ISO 8601 duration' }]);
        to = DateTime.fromJSDate(now, { zone: 'utc' }).plus(d).toJSDate();
      } else throw new AppError('validation', 'give either to or by', [{ path: 'body', message: 'exactly one of to, by' }]);
      // one call runs every due piece of work on the way, one at a time: a bounded step (a year and
      // a month covers a yearly trigger) keeps a typo such as P9999Y from running for hours
      if (!(to.getTime() - now.getTime() <= MAX_ADVANCE_DAYS * 86_400_000)) {
        const path = req.body.to !== undefined ? 'to' : 'by';
        throw new AppError('validation', `${path}: at most ${MAX_ADVANCE_DAYS} days ahead in one call (advance again to go further)`, [{ path, message: `more than ${MAX_ADVANCE_DAYS} days ahead` }]);
      }
      if (to.getTime() < now.getTime()) throw new AppError('validation', 'to: the clock never moves backwards', [{ path: 'to', message: `before the current time ${now.toISOString()}` }]);
      const r2 = await app.advance(to);
      return { now: ctx.clock.now().toISOString(), ran: r2.ran, steps: r2.steps };
    });
  };
}
