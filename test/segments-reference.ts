import { DateTime } from 'luxon';
import type { Condition, Criteria } from '../src/segments/index.ts';

/**
 * A small in-memory evaluator of the criteria semantics documented in CRITERIA.md, written
 * independently of the SQL compiler: the oracle test checks that both agree.
 */
export interface RefContact {
  id: number;
  email: string;
  first_name: string | null;
  birthday: string | null;
  created_at: Date;
  fields: Record<string, unknown>;
  email_status: string;
  sms_status: string;
  lists: number[];
  tags: string[];
  engagement: { level: string; previous_level: string | null } | null;
}

export interface RefEvent {
  contact_id: number;
  type: string;
  data: any;
  occurred_at: Date;
}

export interface RefWorld {
  contacts: RefContact[];
  events: RefEvent[];
  now: Date;
  timezone: string;
  fieldTypes: Record<string, 'text' | 'number' | 'date' | 'boolean'>;
}

const DAY = 86_400_000;
const lower = (s: string) => s.toLowerCase();
const localDate = (d: Date, tz: string) => DateTime.fromJSDate(d, { zone: tz }).toISODate()!;

/** PostgreSQL's numeric reading of a JSON value, as compile-events.ts `numeric` does it. */
export function jsonNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?[0-9]+([.][0-9]+)?$/.test(v)) return Number(v);
  return null;
}
/** The `->>` / `#>>` text of a JSON value (scalars only in these tests). */
const jsonText = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));

function cmp(v: number | string | null, c: { op: string; value?: unknown; to?: unknown; days?: number }, w: RefWorld): boolean {
  const today = DateTime.fromJSDate(w.now, { zone: w.timezone }).startOf('day');
  const back = (n: number) => today.minus({ days: n }).toISODate()!;
  const val = c.value as number | string;
  switch (c.op) {
    case 'eq':
      return v !== null && v === val;
    case 'neq':
      return !(v !== null && v === val);
    case 'lt':
      return v !== null && v < val;
    case 'gt':
      return v !== null && v > val;
    case 'between':
      return v !== null && v >= val && v <= (c.to as number | string);
    case 'is_empty':
      return v === null;
    case 'is_not_empty':
      return v !== null;
    case 'before_days_ago':
      return v !== null && v < back(c.days!);
    case 'after_days_ago':
      return v !== null && v > back(c.days!);
    case 'within_last_days':
      return v !== null && v >= back(c.days!) && v <= back(0);
    case 'anniversary_today': {
      if (v === null) return false;
      const md = today.toFormat('MM-dd');
      const days = md === '02-28' && !today.isInLeapYear ? [md, '02-29'] : [md];
      return days.includes((v as string).slice(5));
    }
  }
  throw new Error(`op ${c.op}`);
}

function fieldOf(c: RefContact, field: string, w: RefWorld): unknown {
  if (field === 'created_at') return localDate(c.created_at, w.timezone);
  if (field in c && field !== 'fields') return (c as any)[field];
  const v = c.fields[field];
  const type = w.fieldTypes[field];
  if (v === undefined || v === null) return null;
  if (type === 'number') return typeof v === 'number' ? v : null;
  if (type === 'boolean') return typeof v === 'boolean' ? v : null;
  return v;
}

function field(c: RefContact, cond: Extract<Condition, { type: 'field' }>, w: RefWorld): boolean {
  const type = cond.field === 'created_at' || cond.field === 'birthday' ? 'date' : ['email', 'first_name'].includes(cond.field) ? 'text' : w.fieldTypes[cond.field];
  const v = fieldOf(c, cond.field, w) as any;
  if (type === 'text') {
    const s = v as string | null;
    const val = lower(String(cond.value ?? ''));
    switch (cond.op) {
      case 'is':
        return s !== null && lower(s) === val;
      case 'is_not':
        return !(s !== null && lower(s) === val);
      case 'contains':
        return s !== null && lower(s).includes(val);
      case 'starts_with':
        return s !== null && lower(s).startsWith(val);
      case 'is_empty':
        return s === null || s === '';
      case 'is_not_empty':
        return !(s === null || s === '');
    }
  }
  if (type === 'boolean') {
    if (cond.op === 'is_empty') return v === null;
    if (cond.op === 'is_not_empty') return v !== null;
    return cond.op === 'is' ? v === cond.value : v !== cond.value;
  }
  return cmp(v, cond, w);
}

const inWindow = (e: RefEvent, w: RefWorld, days?: number) => e.occurred_at <= w.now && (days === undefined || e.occurred_at.getTime() >= w.now.getTime() - days * DAY);

function activity(c: RefContact, a: Extract<Condition, { type: 'email_activity' }>, w: RefWorld): boolean {
  const mine = w.events.filter((e) => e.contact_id === c.id);
  // a campaign, message or journey has one channel: `channel` only filters unscoped activity
  const named = a.campaign_id !== undefined || a.message_id !== undefined || a.journey_id !== undefined;
  const scoped = (e: RefEvent) =>
    (named || e.data.channel === a.channel) &&
    (a.campaign_id === undefined || (e.data.campaign_id !== undefined && String(e.data.campaign_id) === String(a.campaign_id))) &&
    (a.message_id === undefined || String(e.data.message_id) === String(a.message_id)) &&
    (a.journey_id === undefined || (e.data.journey_id !== undefined && String(e.data.journey_id) === String(a.journey_id))) &&
    (a.step_id === undefined || e.data.step_id === a.step_id);
  const positive = a.op.replace(/^not_/, '');
  let found: boolean;
  if (positive === 'received')
    found = mine.some(
      (s) => s.type === 'message.sent' && scoped(s) && inWindow(s, w, a.within_days) &&
        !mine.some((b) => b.type === 'message.bounced' && String(b.data.delivery_id) === String(s.data.delivery_id) && b.occurred_at <= w.now),
    );
  else {
    const types = positive === 'opened' ? ['message.opened', 'message.clicked'] : ['message.clicked'];
    found = mine.some((e) => types.includes(e.type) && scoped(e) && inWindow(e, w, a.within_days) && (a.url === undefined || e.data.url === a.url));
  }
  return a.op.startsWith('not_') ? !found : found;
}

function purchases(c: RefContact, w: RefWorld, days?: number) {
  return w.events.filter((e) => e.contact_id === c.id && e.type === 'purchase' && inWindow(e, w, days));
}

function itemMatches(item: unknown, p: { product_id?: string | number; sku?: string; name_contains?: string }): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const i = item as Record<string, unknown>;
  if (p.product_id !== undefined) return jsonText(i.product_id) === String(p.product_id);
  if (p.sku !== undefined) return jsonText(i.sku) === p.sku;
  const name = jsonText(i.name);
  return name !== null && lower(name).includes(lower(p.name_contains!));
}

function property(data: any, wh: { property: string; op: string; value: unknown }): boolean {
  let v: unknown = data;
  for (const k of wh.property.split('.')) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as any)[k] : undefined;
  const text = jsonText(v);
  const eq = typeof wh.value === 'number' ? jsonNumber(v) === wh.value : typeof wh.value === 'boolean' ? v === wh.value : text === wh.value;
  switch (wh.op) {
    case 'eq':
      return eq;
    case 'neq':
      return !eq;
    case 'gt':
      return jsonNumber(v) !== null && jsonNumber(v)! > (wh.value as number);
    case 'lt':
      return jsonNumber(v) !== null && jsonNumber(v)! < (wh.value as number);
    default:
      return text !== null && lower(text).includes(lower(String(wh.value)));
  }
}

export function refCondition(c: RefContact, cond: Condition, w: RefWorld): boolean {
  switch (cond.type) {
    case 'list':
      return cond.op === 'in' === c.lists.some((l) => cond.list_ids.includes(l));
    case 'tag':
      return cond.op === 'has' === c.tags.includes(cond.tag);
    case 'consent':
      return cond.op === 'is' === ((cond.channel === 'email' ? c.email_status : c.sms_status) === cond.status);
    case 'engagement': {
      const v = cond.which === 'current' ? (c.engagement?.level ?? 'everyone_else') : (c.engagement?.previous_level ?? null);
      return cond.op === 'is' === (v === cond.level);
    }
    case 'field':
      return field(c, cond, w);
    case 'email_activity':
      return activity(c, cond, w);
    case 'purchase': {
      const found = purchases(c, w, cond.within_days).some((e) => !cond.product || (Array.isArray(e.data.items) && e.data.items.some((i: unknown) => itemMatches(i, cond.product!))));
      return cond.op === 'has_purchased' === found;
    }
    case 'total_spent':
      return cmp(purchases(c, w, cond.within_days).reduce((a, e) => a + (jsonNumber(e.data.total) ?? 0), 0), cond, w);
    case 'order_count':
      return cmp(purchases(c, w, cond.within_days).length, cond, w);
    case 'last_order_date': {
      const all = purchases(c, w);
      const last = all.length ? new Date(Math.max(...all.map((e) => e.occurred_at.getTime()))) : null;
      return cmp(last ? localDate(last, w.timezone) : null, cond, w);
    }
    case 'event': {
      const n = w.events.filter((e) => e.contact_id === c.id && e.type === cond.event && inWindow(e, w, cond.within_days) && (cond.where ?? []).every((wh) => property(e.data, wh))).length;
      return cond.op === 'did' === n >= (cond.min_count ?? 1);
    }
  }
}

export function refEvaluate(c: RefContact, node: Criteria, w: RefWorld): boolean {
  if ('all' in node) return node.all.every((n) => refEvaluate(c, n, w));
  if ('any' in node) return node.any.some((n) => refEvaluate(c, n, w));
  return refCondition(c, node, w);
}

/** S-3 by the book: per contact, over its delivered marketing emails in the window. */
export function refLevel(contactId: number, events: RefEvent[], now: Date, s = { window_days: 90, min_emails: 3, most: 0.5, somewhat: 0.2 }): string {
  const start = now.getTime() - s.window_days * DAY;
  const mine = events.filter((e) => e.contact_id === contactId && e.occurred_at.getTime() >= start && e.occurred_at <= now);
  const deliveries = new Map<string, RefEvent[]>();
  for (const e of mine) deliveries.set(String(e.data.delivery_id), [...(deliveries.get(String(e.data.delivery_id)) ?? []), e]);
  let received = 0;
  let opened = 0;
  let clicked = 0;
  for (const evs of deliveries.values()) {
    const counted = evs.some((e) => e.type === 'message.sent' && e.occurred_at.getTime() < now.getTime() - DAY && e.data.channel === 'email' && e.data.transactional !== true);
    if (!counted || evs.some((e) => e.type === 'message.bounced')) continue;
    received++;
    if (evs.some((e) => e.type === 'message.opened' || e.type === 'message.clicked')) opened++;
    if (evs.some((e) => e.type === 'message.clicked')) clicked++;
  }
  // integer arithmetic: no float rounding at the thresholds
  const atLeast = (rate: number) => opened * 100 >= Math.round(rate * 100) * received;
  if (received < s.min_emails) return 'everyone_else';
  if (atLeast(s.most) && clicked > 0) return 'most';
  if (atLeast(s.somewhat) || clicked > 0) return 'somewhat';
  return 'least';
}
