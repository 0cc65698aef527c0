import { z } from 'zod';
import { DateTime, Duration, IANAZone } from 'luxon';
import { AppError, type ErrorDetail } from '../errors.ts';
import { BUILTIN_SEGMENTS } from '../segments/index.ts';
import { validateWindow } from '../delivery/index.ts';
import { isEmail } from '../contacts/index.ts';

/** What an author writes: recipients, options and timing of a one-off send (K-1 … K-5). */
const id = z.number().int().positive().max(2 ** 53);
const segmentRef = z.union([id, z.enum(Object.keys(BUILTIN_SEGMENTS) as [string, ...string[]])]);
const zone = z.string().max(64).refine((t) => IANAZone.isValidZone(t), 'not an IANA time zone');
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

/** '4h', '90m', '2d', '1w' or ISO 8601 ('PT4H', 'P2D'), in milliseconds; null when unreadable. */
export function durationMs(text: string): number | null {
  const short = /^(\d{1,6})\s*(m|min|h|d|w)$/i.exec(text.trim());
  if (short) return Number(short[1]) * { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[short[2].toLowerCase() as 'm']!;
  const iso = Duration.fromISO(text.trim());
  return iso.isValid && iso.toMillis() > 0 ? iso.toMillis() : null;
}
const duration = z.string().max(40).refine((s) => durationMs(s) !== null && durationMs(s)! > 0, 'a duration such as 30m, 4h, 2d or PT4H');

export const recipientsSchema = z.strictObject({
  lists: z.array(id).max(100).default([]),
  segments: z.array(segmentRef).max(100).default([]),
  exclude_lists: z.array(id).max(100).default([]),
  exclude_segments: z.array(segmentRef).max(100).default([]),
});

const variant = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, 'letters, digits, - and _, up to 20'),
  message_id: id.optional(),
  subject: z.string().trim().min(1).max(998).optional(),
  from: z.strictObject({ name: z.string().max(200), email: z.string().max(254).refine(isEmail, 'not a valid email address'), reply_to: z.string().max(254).refine(isEmail, 'not a valid email address').optional() }).optional(),
});

export const abTestSchema = z.strictObject({
  variants: z.array(variant).min(2).max(5).refine((v) => new Set(v.map((x) => x.id)).size === v.length, 'variant ids must differ'),
  test_percent: z.number().min(1).max(100),
  winner_metric: z.enum(['opens', 'clicks']).default('opens'),
  decide_after: duration,
  auto: z.boolean().default(true),
});

export const scheduleSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('now') }),
  z.strictObject({ type: z.literal('at'), at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'a local date and time, YYYY-MM-DDTHH:MM'), timezone: zone }),
  z.strictObject({ type: z.literal('optimized'), default_hour: z.number().int().min(0).max(23).default(10) }),
]);

const windowSchema = z.strictObject({ timezone: z.union([zone, z.literal('contact')]), days: z.array(z.number().int()).max(7), start: z.string().max(5), end: z.string().max(5) });

export const optionsSchema = z.strictObject({
  pacing: z.strictObject({ per_hour: z.number().int().min(1).max(100_000_000).optional(), spread_over: duration.optional() })
    .refine((p) => p.per_hour !== undefined || p.spread_over !== undefined, 'give per_hour, spread_over or both').optional(),
  deadline: z.string().datetime({ offset: true }).optional(),
  subject_prefix: z.string().trim().min(1).max(50).optional(),
  language: z.string().regex(LANGUAGE, 'a language code such as fr or fr-CA').optional(),
  window: windowSchema.optional(),
});

export const campaignInput = z.strictObject({
  name: z.string().trim().min(1).max(200),
  message_id: id,
  recipients: recipientsSchema.default({ lists: [], segments: [], exclude_lists: [], exclude_segments: [] }),
  duplicates: z.enum(['per_contact', 'per_email']).default('per_contact'),
  control_group_percent: z.number().min(0).max(50).multipleOf(0.01).default(0),
  ab_test: abTestSchema.nullable().default(null),
  schedule: scheduleSchema.default({ type: 'now' }),
  options: optionsSchema.default({}),
});

export type CampaignInput = z.infer<typeof campaignInput>;
export type Recipients = z.infer<typeof recipientsSchema>;
export type AbTest = z.infer<typeof abTestSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type Options = z.infer<typeof optionsSchema>;

/** Checks that span fields: a window that can open, pacing that fits the timing. */
export function crossCheck(c: Pick<CampaignInput, 'schedule' | 'options'>): void {
  const errors: ErrorDetail[] = [];
  const w = c.options.window;
  if (w) errors.push(...validateWindow({ ...w, timezone: w.timezone === 'contact' ? 'UTC' : w.timezone }).map((e) => ({ ...e, path: `options.window.${e.path}` })));
  if (c.schedule.type === 'optimized' && c.options.pacing) errors.push({ path: 'options.pacing', message: 'an optimized send time already spreads the send over the day: no pacing' });
  if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors);
}

/**
 * A local date and time in an IANA zone as an instant (K-4). A time the clocks skip (spring)
 * moves forward past the gap, as luxon does; a time that happens twice (autumn) is its first
 * occurrence, as delivery windows resolve it.
 */
export function localToInstant(local: string, timezone: string): Date {
  const dt = DateTime.fromISO(local, { zone: timezone });
  if (!dt.isValid) throw new AppError('validation', `schedule.at: ${dt.invalidExplanation ?? 'invalid date'}`, [{ path: 'schedule.at', message: 'invalid date' }]);
  const earlier = DateTime.fromMillis(dt.toMillis() - 3 * 3_600_000, { zone: timezone });
  const shift = earlier.offset - dt.offset; // minutes the clocks went back within the last hours
  if (shift > 0) {
    const first = dt.minus({ minutes: shift });
    if (first.toFormat('yyyy-MM-dd HH:mm:ss') === dt.toFormat('yyyy-MM-dd HH:mm:ss')) return first.toJSDate();
  }
  return dt.toJSDate();
}

/** When the fan-out starts: at approval for 'now' and 'optimized', else the scheduled instant. */
export function startTime(schedule: Schedule, approvedAt: Date): Date {
  return schedule.type === 'at' ? localToInstant(schedule.at, schedule.timezone) : approvedAt;
}
