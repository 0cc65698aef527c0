import { z } from 'zod';

/**
 * A journey definition (J-1 … J-19), documented in JOURNEYS.md. Steps form a graph by `next`
 * pointers with stable ids; `null` ends the path. Criteria use the segment language
 * (src/segments), kept as raw JSON here and checked by validate.ts against the workspace.
 */
const id = z.number().int().positive().max(2 ** 53);
const stepId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and -, up to 40');
const next = stepId.nullable().default(null);
const criteria = z.record(z.string(), z.unknown());
export const waitUnits = ['minutes', 'hours', 'days', 'weeks', 'months'] as const;
const delay = z.strictObject({ amount: z.number().int().min(0).max(100_000), unit: z.enum(waitUnits) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

export const windowSchema = z.strictObject({
  timezone: z.string().min(1).max(64),
  days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
  start: hhmm,
  end: z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'HH:MM'),
});

const propertyCondition = z.strictObject({
  property: z.string().min(1).max(100),
  op: z.enum(['eq', 'neq', 'gt', 'lt', 'contains', 'exists']),
  value: z.union([z.string().max(500), z.number(), z.boolean()]).optional(),
});

export const triggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('list_joined'), list_ids: z.array(id).min(1).max(25), criteria: criteria.optional(), enroll_existing: z.boolean().default(false) }),
  z.strictObject({ type: z.literal('property_updated'), field: z.string().min(1).max(63), op: z.enum(['eq', 'neq', 'gt', 'lt', 'contains', 'exists']), value: z.union([z.string().max(500), z.number(), z.boolean()]).optional() }),
  z.strictObject({ type: z.literal('date'), at: z.string().datetime({ offset: true }) }),
  z.strictObject({ type: z.literal('date_field'), field: z.string().min(1).max(63), offset_days: z.number().int().min(-365).max(365).default(0), time: hhmm.default('09:00'), yearly: z.boolean().default(true) }),
  z.strictObject({ type: z.literal('event'), event: z.string().min(1).max(100), properties: z.array(propertyCondition).max(10).default([]) }),
  z.strictObject({ type: z.literal('abandoned_cart'), cart_event: z.string().max(100).default('cart.updated'), purchase_event: z.string().max(100).default('purchase'), delay }),
  z.strictObject({ type: z.literal('segment_entered'), segment_id: id }),
  z.strictObject({ type: z.literal('manual') }),
]);

const base = { id: stepId, name: z.string().max(200).optional() };
export const stepSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('email'), message_id: id, next }),
  z.strictObject({ ...base, type: z.literal('sms'), message_id: id, next }),
  z.strictObject({
    ...base,
    type: z.literal('wait'),
    delay: delay.optional(),
    until: z.string().datetime({ offset: true }).optional(),
    until_field: z.strictObject({ field: z.string().min(1).max(63), offset_days: z.number().int().min(-365).max(365).default(0), time: hhmm.default('09:00') }).optional(),
    next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('split'),
    branches: z.array(z.strictObject({ id: stepId, label: z.string().max(100).optional(), criteria, next })).min(1).max(10),
    else: next,
  }),
  z.strictObject({
    ...base,
    type: z.literal('random_split'),
    branches: z.array(z.strictObject({ id: stepId, label: z.string().max(100).optional(), percent: z.number().min(0).max(100), next })).min(2).max(10),
  }),
  z.strictObject({
    ...base,
    type: z.literal('action'),
    action: z.enum(['add_tag', 'remove_tag', 'add_to_list', 'remove_from_list', 'set_field', 'unsubscribe']),
    tag: z.string().max(100).optional(),
    list_id: id.optional(),
    field: z.string().max(63).optional(),
    value: z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]).optional(),
    /** A path into the triggering event's data, e.g. `total` or `items.0.name` (J-11). */
    value_from_event: z.string().max(200).optional(),
    next,
  }),
  z.strictObject({ ...base, type: z.literal('exit') }),
]);

export const definitionSchema = z.strictObject({
  trigger: triggerSchema,
  entry_filter: criteria.nullable().default(null),
  start: stepId.nullable(),
  steps: z.array(stepSchema).max(50, 'a journey has at most 50 steps'),
  exit_criteria: criteria.nullable().default(null),
  goal: criteria.nullable().default(null),
  settings: z.strictObject({
    timezone: z.string().max(64).optional(),
    language: z.string().max(35).optional(),
    window: windowSchema.nullable().default(null),
    reentry: z.enum(['never', 'after_exit', 'always']).default('never'),
  }).default({ window: null, reentry: 'never' }),
  /**
   * Where the builder drew each node (step id, or `__trigger`), for the UI only: the engine
   * never reads it and moving a node is not a structural change (J-17).
   */
  layout: z.record(stepId, z.strictObject({ x: z.number().min(-1e6).max(1e6), y: z.number().min(-1e6).max(1e6) }))
    .refine((l) => Object.keys(l).length <= 60, 'at most 60 positions').optional(),
});

export type Definition = z.infer<typeof definitionSchema>;
export type Step = z.infer<typeof stepSchema>;
export type Trigger = z.infer<typeof triggerSchema>;
export type Delay = z.infer<typeof delay>;
export type PropertyCondition = z.infer<typeof propertyCondition>;

export function stepsById(def: Definition): Map<string, Step> {
  return new Map(def.steps.map((s) => [s.id, s]));
}

/** Every step a step can lead to, in branch order. */
export function successors(s: Step): (string | null)[] {
  switch (s.type) {
    case 'split':
      return [...s.branches.map((b) => b.next), s.else];
    case 'random_split':
      return s.branches.map((b) => b.next);
    case 'exit':
      return [];
    default:
      return [s.next];
  }
}
