import { z } from 'zod';
import { AppError, type ErrorDetail } from '../errors.ts';
import type { FieldType } from '../contacts/index.ts';

/**
 * The criteria tree (S-1), documented in CRITERIA.md. Groups are `{ all: [...] }` or
 * `{ any: [...] }`; leaves are conditions told apart by `type`. Parsing is structural and
 * type-aware (custom field types are an input); list ids are checked against the database
 * by validateCriteria.
 */
export const MAX_DEPTH = 6;
export const MAX_CONDITIONS = 100;

export const ENGAGEMENT_LEVELS = ['most', 'somewhat', 'least', 'everyone_else'] as const;
export type EngagementLevel = (typeof ENGAGEMENT_LEVELS)[number];
export const EMAIL_STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;
export const SMS_STATUSES = ['none', 'opted_in', 'opted_out'] as const;

/** Standard contact fields and their types; custom field keys never reuse these names. */
export const STANDARD_FIELD_TYPES: Record<string, FieldType> = {
  email: 'text',
  phone: 'text',
  first_name: 'text',
  last_name: 'text',
  language: 'text',
  timezone: 'text',
  birthday: 'date',
  created_at: 'date',
};

export const TEXT_OPS = ['is', 'is_not', 'contains', 'starts_with', 'is_empty', 'is_not_empty'] as const;
export const NUMBER_OPS = ['eq', 'neq', 'lt', 'gt', 'between', 'is_empty', 'is_not_empty'] as const;
export const DATE_OPS = [...NUMBER_OPS, 'before_days_ago', 'after_days_ago', 'within_last_days', 'anniversary_today'] as const;
export const BOOLEAN_OPS = ['is', 'is_not', 'is_empty', 'is_not_empty'] as const;
const OPS_BY_TYPE: Record<FieldType, readonly string[]> = { text: TEXT_OPS, number: NUMBER_OPS, date: DATE_OPS, boolean: BOOLEAN_OPS };
const FIELD_OPS = [...new Set([...TEXT_OPS, ...DATE_OPS, ...BOOLEAN_OPS])] as [string, ...string[]];
export type FieldOp = (typeof TEXT_OPS)[number] | (typeof DATE_OPS)[number];

const id = z.number().int().positive().max(2 ** 53);
const days = z.number().int().min(0).max(36_500);
const scalar = z.union([z.string().max(1000), z.number(), z.boolean()]);
const isoDate = z.iso.date('expected a date (YYYY-MM-DD)');

const withinDays = days.meta({ description: 'only the last N days' });

const listCondition = z
  .strictObject({ type: z.literal('list'), op: z.enum(['in', 'not_in']), list_ids: z.array(id).min(1).max(100) })
  .meta({ description: 'On at least one of the lists (in), or on none (not_in).' });
const fieldCondition = z.strictObject({
  type: z.literal('field'),
  field: z.string().min(1).max(63).meta({ description: `a standard field (${Object.keys(STANDARD_FIELD_TYPES).join(', ')}) or a custom field key` }),
  op: z.enum(FIELD_OPS).meta({ description: "which apply depends on the field's type (text, number, date, boolean: see CRITERIA.md)" }),
  value: scalar.optional().meta({ description: 'text, number, boolean or YYYY-MM-DD date, as the field; not for is_empty, is_not_empty, anniversary_today and the *_days ops' }),
  to: scalar.optional().meta({ description: 'the upper bound of between (inclusive)' }),
  days: days.optional().meta({ description: 'whole days, for before_days_ago, after_days_ago and within_last_days' }),
}).meta({ description: "A contact field compared with a value; dates are local dates in the workspace's time zone." });
const tagCondition = z
  .strictObject({ type: z.literal('tag'), op: z.enum(['has', 'has_not']), tag: z.string().trim().min(1).max(100) })
  .meta({ description: 'Has the tag (exact), or not.' });
const consentCondition = z.strictObject({
  type: z.literal('consent'),
  channel: z.enum(['email', 'sms']),
  op: z.enum(['is', 'is_not']),
  status: z.enum([...EMAIL_STATUSES, ...SMS_STATUSES]).meta({ description: `email: ${EMAIL_STATUSES.join(', ')}; sms: ${SMS_STATUSES.join(', ')}` }),
}).meta({ description: 'The consent status on a channel (C-4).' });
const engagementCondition = z.strictObject({
  type: z.literal('engagement'),
  which: z.enum(['current', 'previous']).default('current').meta({ description: 'the current level, or the one before its latest change' }),
  op: z.enum(['is', 'is_not']),
  level: z.enum(ENGAGEMENT_LEVELS),
}).meta({ description: 'The engagement level (S-2, S-3); a contact never scored is everyone_else.' });
const activityCondition = z.strictObject({
  type: z.literal('email_activity'),
  op: z.enum(['received', 'not_received', 'opened', 'not_opened', 'clicked', 'not_clicked']),
  channel: z.enum(['email', 'sms']).default('email').meta({ description: 'the channel of activity that names no campaign, message or journey' }),
  campaign_id: id.optional().meta({ description: 'at most one of campaign_id, message_id, journey_id; none: any message' }),
  message_id: id.optional(),
  journey_id: id.optional(),
  step_id: z.string().min(1).max(100).optional().meta({ description: 'a step of journey_id (J-10)' }),
  url: z.string().min(1).max(2000).optional().meta({ description: 'that exact link (clicked, not_clicked)' }),
  within_days: withinDays.optional(),
}).meta({ description: 'Received (sent, not bounced), opened (a click counts) or clicked a message (S-1, J-10).' });
const product = z.strictObject({
  product_id: z.union([z.string().min(1).max(200), z.number()]).optional(),
  sku: z.string().min(1).max(200).optional(),
  name_contains: z.string().min(1).max(200).optional(),
}).meta({ description: 'exactly one of product_id, sku, name_contains' });
const purchaseCondition = z.strictObject({
  type: z.literal('purchase'),
  op: z.enum(['has_purchased', 'has_not_purchased']),
  product: product.optional(),
  within_days: withinDays.optional(),
}).meta({ description: 'Has (not) ordered, or ordered a product (purchase events).' });
const amountOps = z.enum(['eq', 'neq', 'lt', 'gt', 'between']);
const totalSpentCondition = z
  .strictObject({ type: z.literal('total_spent'), op: amountOps, value: z.number(), to: z.number().optional(), within_days: withinDays.optional() })
  .meta({ description: 'The sum of order totals (0 without orders); to: the upper bound of between.' });
const orderCountCondition = z.strictObject({
  type: z.literal('order_count'),
  op: amountOps,
  value: z.number().int().min(0),
  to: z.number().int().min(0).optional(),
  within_days: withinDays.optional(),
}).meta({ description: 'The number of orders; to: the upper bound of between.' });
const lastOrderCondition = z.strictObject({
  type: z.literal('last_order_date'),
  op: z.enum(['eq', 'neq', 'lt', 'gt', 'between', 'is_empty', 'is_not_empty', 'before_days_ago', 'after_days_ago', 'within_last_days']),
  value: isoDate.optional(),
  to: isoDate.optional(),
  days: days.optional(),
}).meta({ description: 'The local date of the last order (empty without orders); the date field ops but anniversary_today.' });
const propertyCondition = z.strictObject({
  property: z.string().min(1).max(200).regex(/^[^.]+(\.[^.]+)*$/, 'a property name, or a dotted path (a.b)'),
  op: z.enum(['eq', 'neq', 'gt', 'lt', 'contains']),
  value: scalar,
}).meta({ description: "A property of the event's data: gt and lt need a number, contains ignores case." });
const eventCondition = z.strictObject({
  type: z.literal('event'),
  op: z.enum(['did', 'did_not']),
  event: z.string().min(1).max(100),
  where: z.array(propertyCondition).max(10).optional().meta({ description: 'all must hold for the same event' }),
  within_days: withinDays.optional(),
  min_count: z.number().int().min(1).max(1000).optional().meta({ description: 'at least this many times (default 1)' }),
}).meta({ description: 'Did (not) do a custom event (POST /api/v1/events).' });

const CONDITIONS = {
  list: listCondition,
  field: fieldCondition,
  tag: tagCondition,
  consent: consentCondition,
  engagement: engagementCondition,
  email_activity: activityCondition,
  purchase: purchaseCondition,
  total_spent: totalSpentCondition,
  order_count: orderCountCondition,
  last_order_date: lastOrderCondition,
  event: eventCondition,
} as const;
export const CONDITION_TYPES = Object.keys(CONDITIONS) as (keyof typeof CONDITIONS)[];

/** One zod schema for the whole tree, for other modules' documents (journey definitions). */
export const conditionSchema = z.discriminatedUnion('type', [
  listCondition,
  fieldCondition,
  tagCondition,
  consentCondition,
  engagementCondition,
  activityCondition,
  purchaseCondition,
  totalSpentCondition,
  orderCountCondition,
  lastOrderCondition,
  eventCondition,
]);
export type Condition = { [K in keyof typeof CONDITIONS]: z.output<(typeof CONDITIONS)[K]> }[keyof typeof CONDITIONS];
export type ConditionOf<T extends Condition['type']> = Extract<Condition, { type: T }>;
export type Group = { all: Criteria[] } | { any: Criteria[] };
export type Criteria = Group | Condition;
export const criteriaSchema: z.ZodType<Criteria> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(criteriaSchema).meta({ description: 'every child matches (an empty all matches everyone)' }) }),
    z.strictObject({ any: z.array(criteriaSchema).meta({ description: 'at least one child matches (an empty any matches no one)' }) }),
    conditionSchema,
  ]),
) as z.ZodType<Criteria>;

// components of the OpenAPI document (issue 18); the same instances, so the tree refers to itself
z.globalRegistry.add(conditionSchema, { id: 'SegmentCondition', description: 'One condition of a criteria tree, told apart by type (CRITERIA.md).' });
z.globalRegistry.add(criteriaSchema, {
  id: 'Criteria',
  description: `A criteria tree (S-1, CRITERIA.md): a group ({"all": [...]} or {"any": [...]}) of conditions and groups, or one condition. Groups nest at most ${MAX_DEPTH} deep, with at most ${MAX_CONDITIONS} conditions; a 400 names the node at fault (criteria.all[2].value).`,
});

export const isGroup = (n: Criteria): n is Group => 'all' in n || 'any' in n;
export const childrenOf = (g: Group): Criteria[] => ('all' in g ? g.all : g.any);

/** `['all', 2, 'value']` → `.all[2].value` */
const formatPath = (p: readonly PropertyKey[]) => p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a criteria tree, collecting every error with the path of the node it concerns
 * (`criteria.all[2].any[0].value`). `fields` maps custom field keys to their types.
 */
export function parseCriteria(raw: unknown, fields: Map<string, FieldType>, path = 'criteria'): Criteria {
  const errors: ErrorDetail[] = [];
  let conditions = 0;
  const walk = (node: unknown, at: string, depth: number): Criteria => {
    if (!isObject(node)) {
      errors.push({ path: at, message: 'expected a group ({"all": [...]} or {"any": [...]}) or a condition' });
      return { all: [] };
    }
    if ('all' in node || 'any' in node) {
      const key = 'all' in node ? 'all' : 'any';
      for (const k of Object.keys(node)) if (k !== key) errors.push({ path: `${at}.${k}`, message: k === 'any' ? 'a group has either all or any, not both' : 'unknown field' });
      const items = node[key];
      if (depth > MAX_DEPTH) errors.push({ path: at, message: `groups nest at most ${MAX_DEPTH} deep` });
      else if (!Array.isArray(items)) errors.push({ path: `${at}.${key}`, message: 'expected an array of conditions and groups' });
      else return { [key]: items.map((n, i) => walk(n, `${at}.${key}[${i}]`, depth + 1)) } as Group;
      return { all: [] };
    }
    conditions++;
    const schema = CONDITIONS[node.type as keyof typeof CONDITIONS];
    if (!schema) {
      errors.push({ path: `${at}.type`, message: `expected one of ${CONDITION_TYPES.join(', ')}` });
      return { all: [] };
    }
    const r = schema.safeParse(node);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        if (keys.length) keys.forEach((k) => errors.push({ path: `${at}${formatPath(issue.path)}.${k}`, message: 'unknown field' }));
        else errors.push({ path: `${at}${formatPath(issue.path)}`, message: issue.message });
      }
      return { all: [] };
    }
    checkCondition(r.data as Condition, fields, at, errors);
    return r.data as Condition;
  };
  const tree = walk(raw, path, 1);
  if (conditions > MAX_CONDITIONS) errors.push({ path, message: `at most ${MAX_CONDITIONS} conditions (found ${conditions})` });
  if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors.slice(0, 100));
  return tree;
}

/** The type of a field named in a condition: standard first, then custom. */
export function fieldType(field: string, fields: Map<string, FieldType>): FieldType | undefined {
  // own keys only: a custom field may be called constructor
  return Object.hasOwn(STANDARD_FIELD_TYPES, field) ? STANDARD_FIELD_TYPES[field] : fields.get(field);
}

/** Checks what the zod shapes cannot: operators against field types, required values, ranges. */
function checkCondition(c: Condition, fields: Map<string, FieldType>, at: string, errors: ErrorDetail[]) {
  const err = (p: string, message: string) => errors.push({ path: `${at}.${p}`, message });
  switch (c.type) {
    case 'field': {
      const type = fieldType(c.field, fields);
      if (!type) return err('field', 'no such field (a standard field or a custom field key)');
      if (!OPS_BY_TYPE[type].includes(c.op)) return err('op', `${c.op} does not apply to a ${type} field (use ${OPS_BY_TYPE[type].join(', ')})`);
      checkOperands(type, c.op, c, err);
      return;
    }
    case 'consent': {
      const allowed: readonly string[] = c.channel === 'email' ? EMAIL_STATUSES : SMS_STATUSES;
      if (!allowed.includes(c.status)) err('status', `an ${c.channel} status is one of ${allowed.join(', ')}`);
      return;
    }
    case 'email_activity': {
      const scopes = [c.campaign_id, c.message_id, c.journey_id].filter((x) => x !== undefined).length;
      if (scopes > 1) err('campaign_id', 'name at most one of campaign_id, message_id, journey_id');
      if (c.step_id !== undefined && c.journey_id === undefined) err('step_id', 'step_id needs journey_id');
      if (c.url !== undefined && !c.op.endsWith('clicked')) err('url', 'url only applies to clicked and not_clicked');
      return;
    }
    case 'purchase':
      if (c.product && Object.keys(c.product).length !== 1) err('product', 'name exactly one of product_id, sku, name_contains');
      return;
    case 'total_spent':
    case 'order_count':
      checkOperands('number', c.op, c, err);
      return;
    case 'last_order_date':
      checkOperands('date', c.op, c, err);
      return;
    case 'event':
      c.where?.forEach((w, i) => {
        if ((w.op === 'gt' || w.op === 'lt') && typeof w.value !== 'number') err(`where[${i}].value`, `${w.op} compares numbers: expected a number`);
        if (w.op === 'contains' && (typeof w.value !== 'string' || w.value === '')) err(`where[${i}].value`, 'contains expects non-empty text');
      });
      return;
  }
}

type Operands = { value?: unknown; to?: unknown; days?: number };

function checkOperands(type: FieldType, op: string, c: Operands, err: (p: string, m: string) => void) {
  if (op === 'is_empty' || op === 'is_not_empty' || op === 'anniversary_today') return;
  if (op === 'before_days_ago' || op === 'after_days_ago' || op === 'within_last_days') {
    if (c.days === undefined) err('days', `${op} needs days`);
    return;
  }
  const ok = (v: unknown) =>
    type === 'text' ? typeof v === 'string' : type === 'number' ? typeof v === 'number' && Number.isFinite(v) : type === 'boolean' ? typeof v === 'boolean' : typeof v === 'string' && isoDate.safeParse(v).success;
  const expected = type === 'date' ? 'a date (YYYY-MM-DD)' : type === 'text' ? 'text' : `a ${type}`;
  if (!ok(c.value)) return err('value', `${op} needs a value: ${expected}`);
  if ((op === 'contains' || op === 'starts_with') && c.value === '') return err('value', `${op} needs non-empty text`);
  if (op !== 'between') return;
  if (!ok(c.to)) return err('to', `between needs to: ${expected}`);
  if ((c.to as number | string) < (c.value as number | string)) err('to', 'to must not be below value');
}
