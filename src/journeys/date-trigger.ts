import { DateTime } from 'luxon';
import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { enqueue, completeJob, type JobHandler } from '../queue/index.ts';
import { activeJourneys, enrollContacts } from './enroll.ts';
import type { Definition, Delay } from './definition.ts';

/** A cart's delay in milliseconds: calendar units read as fixed lengths (a month is 30 days). */
export function cartDelayMs(d: Delay): number {
  return d.amount * { minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000, months: 2_592_000_000 }[d.unit];
}

export const CART_JOB = 'journey.abandoned_cart';
export const DATE_JOB = 'journey.date_trigger';

interface JourneyRow {
  id: number;
  version: number;
  status: string;
  definition: Definition;
}

async function journeyTz(q: Queryable, workspaceId: number, def: Definition): Promise<string> {
  if (def.settings.timezone) return def.settings.timezone;
  const { rows } = await q.query<{ timezone: string }>(sql`select timezone from workspaces where id = ${workspaceId}`);
  return rows[0]?.timezone ?? 'UTC';
}

/** The next run of a date trigger: a fixed instant, or the next time of day in the journey's zone (J-3). */
async function nextRun(q: Queryable, workspaceId: number, def: Definition, after: Date): Promise<Date | null> {
  const t = def.trigger;
  if (t.type === 'date') return new Date(t.at).getTime() >= after.getTime() ? new Date(t.at) : null;
  if (t.type !== 'date_field') return null;
  const zone = await journeyTz(q, workspaceId, def);
  const [h, m] = t.time.split(':').map(Number);
  let at = DateTime.fromJSDate(after, { zone }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (at.toMillis() <= after.getTime()) at = at.plus({ days: 1 }).set({ hour: h, minute: m });
  return at.toJSDate();
}

export async function scheduleDateTrigger(q: Queryable, ctx: Ctx, workspaceId: number, j: JourneyRow, after?: Date) {
  const at = await nextRun(q, workspaceId, j.definition, after ?? ctx.clock.now());
  if (!at) return;
  await enqueue(q, ctx.clock, { workspaceId, kind: DATE_JOB, uniqueKey: `date:${j.id}`, payload: { journeyId: j.id }, runAt: at });
}

/**
 * A date trigger's run: a fixed date enrolls everyone the entry filter admits; a date field
 * enrolls the contacts whose date (plus the offset) is today, every year when yearly (J-3).
 */
const dateJob = (ctx: Ctx): JobHandler => async (job) => {
  const ws = job.workspace_id!;
  return ctx.db.tx(async (tx) => {
    const [j] = (await activeJourneys(tx, [ws])).filter((x) => x.id === job.payload.journeyId);
    const row = j ?? (await tx.query<JourneyRow>(sql`
      select j.id, j.version, j.status, v.definition from journeys j join journey_versions v on v.workspace_id = j.workspace_id and v.journey_id = j.id and v.version = j.version
       where j.workspace_id = ${ws} and j.id = ${job.payload.journeyId}`)).rows[0];
    let enrolled = 0;
    if (j) {
      const t = j.definition.trigger;
      const zone = await journeyTz(tx, ws, j.definition);
      const today = DateTime.fromJSDate(ctx.clock.now(), { zone });
      let ids: number[] = [];
      let once = '';
      if (t.type === 'date') ids = (await tx.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws}`)).rows.map((r) => r.id);
      if (t.type === 'date_field') {
        const target = today.minus({ days: t.offset_days });
        if (t.yearly) once = `y${target.year}`;
        const expr = t.field === 'birthday' ? sql`birthday` : sql`(case when fields->>${t.field} ~ '^\\d{4}-\\d{2}-\\d{2}' then (fields->>${t.field})::date end)`;
        // a 29 February comes round on 28 February in the other years
        const leapDay = target.month === 2 && target.day === 28 && !target.isInLeapYear;
        const { rows } = await tx.query<{ id: number }>(t.yearly
          ? sql`select id from contacts where workspace_id = ${ws} and extract(month from ${expr}) = ${target.month}
                   and (extract(day from ${expr}) = ${target.day} or (${leapDay}::boolean and extract(day from ${expr}) = 29))`
          : sql`select id from contacts where workspace_id = ${ws} and ${expr} = ${target.toISODate()}::date`);
        ids = rows.map((r) => r.id);
      }
      // J-3: a yearly date enters once per year, whatever the re-entry setting says about other entries
      enrolled = await enrollContacts(ctx, tx, ws, j, ids.map((id) => ({ contactId: id, entry: today.toISODate()!, once: once || undefined })));
    }
    await completeJob(tx, ctx.clock, job.id, { enrolled });
    if (row && ['active', 'locked', 'stopped'].includes(row.status)) await scheduleDateTrigger(tx, ctx, ws, row, new Date(ctx.clock.now().getTime() + 1000));
    return { enrolled };
  });
};

/**
 * Abandoned cart (J-4): when the delay after the latest cart event has passed with no purchase
 * since that cart, the contact enters with the cart's data; a newer cart pushes the check back.
 */
const cartJob = (ctx: Ctx): JobHandler => async (job) => {
  const ws = job.workspace_id!;
  const { journeyId, contactId } = job.payload as { journeyId: number; contactId: number };
  return ctx.db.tx(async (tx) => {
    const [j] = (await activeJourneys(tx, [ws])).filter((x) => x.id === journeyId);
    const t = j?.definition.trigger;
    if (!j || t?.type !== 'abandoned_cart') return completeJob(tx, ctx.clock, job.id, { skipped: 'journey not active' });
    const { rows } = await tx.query<{ id: number; occurred_at: Date; data: Record<string, unknown> }>(sql`
      select id, occurred_at, data from events where workspace_id = ${ws} and contact_id = ${contactId} and type = ${t.cart_event}
       order by occurred_at desc, id desc limit 1`);
    const cart = rows[0];
    if (!cart) return completeJob(tx, ctx.clock, job.id, { skipped: 'no cart' });
    const due = cart.occurred_at.getTime() + cartDelayMs(t.delay);
    if (due > ctx.clock.now().getTime()) {
      // a newer cart arrived: check again when its own delay has passed
      await tx.query(sql`update jobs set status = 'queued', run_at = ${new Date(due)}, locked_until = null where id = ${job.id}`);
      return { rescheduled: new Date(due) };
    }
    const bought = await tx.query(sql`
      select 1 from events where workspace_id = ${ws} and contact_id = ${contactId} and type = ${t.purchase_event} and occurred_at >= ${cart.occurred_at} limit 1`);
    const enrolled = bought.rows[0] ? 0 : await enrollContacts(ctx, tx, ws, j, [{ contactId, data: cart.data, entry: `cart${cart.id}` }]);
    await completeJob(tx, ctx.clock, job.id, { enrolled });
    return { enrolled };
  });
};

export function journeyJobHandlers(ctx: Ctx): [string, JobHandler][] {
  return [
    [DATE_JOB, dateJob(ctx)],
    [CART_JOB, cartJob(ctx)],
  ];
}
