import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { createMessage } from '../messages/index.ts';
import { createField, loadFieldDefs, type FieldType } from '../contacts/index.ts';
import { createJourney } from './store.ts';

type Msg = { name: string; subject: string; body: string };
interface Template {
  title: string;
  description: string;
  messages: Msg[];
  /** The definition, with message ids filled in by position; `needs` names the inputs. */
  build(ids: number[], input: { list_id?: number }): unknown;
  needs?: 'list_id';
  /** Custom fields the steps write, created with the journey when the workspace lacks them. */
  fields?: { key: string; label: string; type: FieldType }[];
}

const email = (n: number, next: string | null, id: string) => ({ id, type: 'email', message_id: n, next });
const wait = (amount: number, unit: string, next: string | null, id: string) => ({ id, type: 'wait', delay: { amount, unit }, next });
const weekdays = { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };

/** Ready-made journeys (J-22): each creates its draft messages and a draft journey to edit. */
export const TEMPLATES: Record<string, Template> = {
  welcome_series: {
    title: 'Welcome series',
    description: 'Three emails over a week to people who join a list.',
    needs: 'list_id',
    messages: [
      { name: 'Welcome 1: hello', subject: 'Welcome, {{ contact.first_name | default: "friend" }}!', body: '<p>Thanks for joining us.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
      { name: 'Welcome 2: what we do', subject: 'What to expect from us', body: '<p>Here is what we do best.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
      { name: 'Welcome 3: an offer', subject: 'A little something for you', body: '<p>Enjoy 10% off your first order.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
    ],
    build: ([a, b, c], { list_id }) => ({
      trigger: { type: 'list_joined', list_ids: [list_id], enroll_existing: false },
      start: 'e1',
      steps: [email(a, 'w1', 'e1'), wait(3, 'days', 'e2', 'w1'), email(b, 'w2', 'e2'), wait(4, 'days', 'e3', 'w2'), email(c, null, 'e3')],
      settings: { window: weekdays, reentry: 'never' },
    }),
  },
  abandoned_cart: {
    title: 'Abandoned cart',
    description: 'A reminder 4 hours after a cart is left without a purchase; the purchase ends it.',
    messages: [
      { name: 'Cart reminder', subject: 'You left something behind', body: '<p>Your cart is waiting: <a href="{{ event.recovery_url | default: workspace.url }}">finish your order</a>.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
      { name: 'Cart last call', subject: 'Last call for your cart', body: '<p>Your cart will not wait forever.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
    ],
    build: ([a, b]) => ({
      trigger: { type: 'abandoned_cart', cart_event: 'cart.updated', purchase_event: 'purchase', delay: { amount: 4, unit: 'hours' } },
      start: 'e1',
      steps: [email(a, 'w1', 'e1'), wait(1, 'days', 'e2', 'w1'), email(b, null, 'e2')],
      goal: { type: 'event', op: 'did', event: 'purchase', within_days: 2 },
      settings: { window: null, reentry: 'after_exit' },
    }),
  },
  birthday: {
    title: 'Birthday',
    description: 'A birthday email every year at 09:00.',
    messages: [{ name: 'Happy birthday', subject: 'Happy birthday, {{ contact.first_name | default: "friend" }}!', body: '<p>All the best from all of us.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' }],
    build: ([a]) => ({ trigger: { type: 'date_field', field: 'birthday', offset_days: 0, time: '09:00', yearly: true }, start: 'e1', steps: [email(a, null, 'e1')], settings: { window: null, reentry: 'after_exit' } }),
  },
  re_engagement: {
    title: 'Re-engagement of least engaged contacts',
    description: 'Least engaged contacts get a "we miss you"; those who still do not open are tagged.',
    messages: [{ name: 'We miss you', subject: 'We miss you', body: '<p>Still interested? <a href="https://example.com">Tell us</a>.</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' }],
    build: ([a]) => ({
      trigger: { type: 'manual' },
      entry_filter: { type: 'engagement', op: 'is', level: 'least' },
      start: 'e1',
      steps: [
        email(a, 'w1', 'e1'),
        wait(7, 'days', 's1', 'w1'),
        { id: 's1', type: 'split', branches: [{ id: 'opened', label: 'Opened', criteria: { type: 'email_activity', op: 'opened', message_id: a, within_days: 8 }, next: 't1' }], else: 't2' },
        { id: 't1', type: 'action', action: 'remove_tag', tag: 'dormant', next: null },
        { id: 't2', type: 'action', action: 'add_tag', tag: 'dormant', next: null },
      ],
      settings: { window: weekdays, reentry: 'after_exit' },
    }),
  },
  post_purchase: {
    title: 'Post-purchase',
    description: 'A thank-you after each purchase, then a review request a week later.',
    fields: [{ key: 'last_order_total', label: 'Last order total', type: 'number' }],
    messages: [
      { name: 'Thank you for your order', subject: 'Thank you for your order', body: '<p>We are preparing order {{ event.order_id }} ({{ event.total }} {{ event.currency }}).</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
      { name: 'How was it?', subject: 'How was your order?', body: '<p><a href="https://example.com/review">Leave a review</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' },
    ],
    build: ([a, b]) => ({
      trigger: { type: 'event', event: 'purchase', properties: [] },
      start: 'a1',
      steps: [
        { id: 'a1', type: 'action', action: 'set_field', field: 'last_order_total', value_from_event: 'total', next: 'e1' },
        email(a, 'w1', 'e1'), wait(7, 'days', 'e2', 'w1'), email(b, null, 'e2'),
      ],
      settings: { window: weekdays, reentry: 'after_exit' },
    }),
  },
};

export function listTemplates() {
  return Object.entries(TEMPLATES).map(([key, t]) => ({ key, title: t.title, description: t.description, needs: t.needs ?? null }));
}

export async function createFromTemplate(ctx: Ctx, workspaceId: number, key: string, input: { list_id?: number; name?: string }) {
  // own keys only: `__proto__` or `constructor` must not resolve to Object.prototype's members
  const t = Object.hasOwn(TEMPLATES, key) ? TEMPLATES[key] : undefined;
  if (!t) throw new AppError('not_found', `no journey template ${key}`);
  if (t.needs === 'list_id' && !input.list_id) throw new AppError('validation', 'list_id: this template starts when contacts join a list', [{ path: 'list_id', message: 'required' }]);
  // J-22: a template activates as created: the fields its steps set are created with it
  const existing = await loadFieldDefs(ctx.db, workspaceId);
  for (const f of t.fields ?? []) {
    if (existing.has(f.key)) continue;
    await createField(ctx.db, ctx.clock, workspaceId, f).catch((err) => {
      if (!(err instanceof AppError && err.code === 'conflict')) throw err; // created meanwhile
    });
  }
  const ids: number[] = [];
  for (const m of t.messages) ids.push((await createMessage(ctx.db, ctx.clock, workspaceId, { name: m.name, channel: 'email', content: { subject: m.subject, body: m.body, format: 'html' } })).id);
  return createJourney(ctx, workspaceId, { name: input.name ?? t.title, definition: t.build(ids, input) });
}
