import type { Condition, ConditionOf, EngagementLevel } from './schema.ts';

/** Human names for the built-in levels (S-2). */
export const LEVEL_NAMES: Record<EngagementLevel, string> = {
  most: 'Most engaged',
  somewhat: 'Somewhat engaged',
  least: 'Least engaged',
  everyone_else: 'Everyone else',
};

const OPS: Record<string, string> = {
  is: 'is',
  is_not: 'is not',
  contains: 'contains',
  starts_with: 'starts with',
  is_empty: 'is empty',
  is_not_empty: 'is not empty',
  eq: 'is',
  neq: 'is not',
  lt: 'is less than',
  gt: 'is greater than',
  between: 'is between',
  before_days_ago: 'is before',
  after_days_ago: 'is after',
  within_last_days: 'is within the last',
  anniversary_today: 'has its anniversary today',
};

const quote = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));
const label = (field: string) => field.replace(/_/g, ' ');
const since = (days?: number) => (days === undefined ? '' : ` in the last ${days} day${days === 1 ? '' : 's'}`);

function comparison(subject: string, c: { op: string; value?: unknown; to?: unknown; days?: number }, unit = ''): string {
  const op = OPS[c.op] ?? c.op;
  switch (c.op) {
    case 'is_empty':
    case 'is_not_empty':
    case 'anniversary_today':
      return `${subject} ${op}`;
    case 'between':
      return `${subject} ${op} ${quote(c.value)}${unit} and ${quote(c.to)}${unit}`;
    case 'before_days_ago':
    case 'after_days_ago':
      return `${subject} ${op} ${c.days} days ago`;
    case 'within_last_days':
      return `${subject} ${op} ${c.days} days`;
    default:
      return `${subject} ${op} ${quote(c.value)}${unit}`;
  }
}

function activityScope(c: ConditionOf<'email_activity'>): string {
  const what = c.channel === 'sms' ? 'SMS' : 'email';
  if (c.campaign_id !== undefined) return `campaign ${c.campaign_id}`;
  if (c.message_id !== undefined) return `message ${c.message_id}`;
  if (c.journey_id !== undefined) return c.step_id !== undefined ? `step "${c.step_id}" of journey ${c.journey_id}` : `an ${what} of journey ${c.journey_id}`;
  return `any ${what}`;
}

const VERBS: Record<string, [string, string]> = {
  received: ['received', 'did not receive'],
  opened: ['opened', 'did not open'],
  clicked: ['clicked', 'did not click'],
};

/** A short sentence for one condition: "is on list Newsletter", "opened campaign 3 in the last 30 days". */
export function describeCondition(c: Condition, listNames: Map<number, string>): string {
  switch (c.type) {
    case 'list': {
      const names = c.list_ids.map((id) => listNames.get(id) ?? `#${id}`);
      if (names.length === 1) return `${c.op === 'in' ? 'is' : 'is not'} on list ${names[0]}`;
      return `${c.op === 'in' ? 'is on one of the lists' : 'is on none of the lists'} ${names.join(', ')}`;
    }
    case 'tag':
      return `${c.op === 'has' ? 'has' : 'does not have'} tag "${c.tag}"`;
    case 'consent':
      return `${c.channel === 'email' ? 'email' : 'SMS'} status ${c.op === 'is' ? 'is' : 'is not'} ${c.status.replace(/_/g, ' ')}`;
    case 'engagement':
      return `${c.which} engagement level ${c.op === 'is' ? 'is' : 'is not'} ${LEVEL_NAMES[c.level]}`;
    case 'field':
      return comparison(label(c.field), c);
    case 'email_activity': {
      const [yes, no] = VERBS[c.op.replace(/^not_/, '')];
      const url = c.url !== undefined ? ` (link ${c.url})` : '';
      return `${c.op.startsWith('not_') ? no : yes} ${activityScope(c)}${url}${since(c.within_days)}`;
    }
    case 'purchase': {
      const p = c.product;
      const what = !p ? '' : p.product_id !== undefined ? ` product ${quote(p.product_id)}` : p.sku !== undefined ? ` SKU "${p.sku}"` : ` a product named like "${p.name_contains}"`;
      return `${c.op === 'has_purchased' ? 'has purchased' : 'has not purchased'}${what}${since(c.within_days)}`;
    }
    case 'total_spent':
      return comparison(`total spent${since(c.within_days)}`, c);
    case 'order_count':
      return comparison(`number of orders${since(c.within_days)}`, c);
    case 'last_order_date':
      return comparison('last order date', c);
    case 'event': {
      const props = (c.where ?? []).map((w) => `${w.property} ${OPS[w.op] ?? w.op} ${quote(w.value)}`);
      const times = c.min_count && c.min_count > 1 ? ` at least ${c.min_count} times` : '';
      const wh = props.length ? ` with ${props.join(' and ')}` : '';
      return `${c.op === 'did' ? 'did' : 'did not do'} event "${c.event}"${wh}${times}${since(c.within_days)}`;
    }
  }
}

/** "…: yes" / "…: no", with the contact's own value when the condition has one. */
export function explainSentence(text: string, result: boolean, actual?: { value: unknown }): string {
  const value = actual === undefined ? '' : ` (value: ${actual.value === null || actual.value === '' ? 'empty' : quote(actual.value)})`;
  return `${text}: ${result ? 'yes' : 'no'}${value}`;
}
