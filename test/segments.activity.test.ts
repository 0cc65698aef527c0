import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, T0, type TestApp, type Workspace } from './helpers.ts';
import { appendEvents, type NewEvent } from '../src/events/index.ts';
import { sql } from '../src/db/index.ts';
import { compileCriteria, criteriaEnv, evaluateFor, parseCriteria, selectMemberIds, type Criteria } from '../src/segments/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const ago = (days: number) => new Date(T0.getTime() - days * DAY);

async function people(ws: Workspace, n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await ws.api('POST', '/api/v1/contacts', { email: `p${i}@example.com` })).body.id);
  return ids;
}

const matching = async (ws: Workspace, criteria: unknown, ids: number[]) => {
  const env = await criteriaEnv(t.db, ws.id, t.clock.now());
  const set = await evaluateFor(t.db, parseCriteria(criteria, env.fields), ids, env);
  return ids.map((id) => set.has(id));
};

describe('email activity (S-1, J-10)', () => {
  it('received / opened / clicked a campaign, a message or a journey step, in the last N days', async () => {
    const ws = await newWorkspace(t);
    const [a, b, c, d] = await people(ws, 4);
    let dl = 100;
    const msg = (contactId: number, types: string[], at: Date, data: Record<string, unknown>): NewEvent[] => {
      const base = { delivery_id: dl++, message_id: 7, channel: 'email', ...data };
      return types.map((type, i) => ({ workspaceId: ws.id, contactId, type: `message.${type}`, data: type === 'clicked' ? { ...base, url: 'https://shop.example/sale' } : base, occurredAt: new Date(at.getTime() + i * 60_000) }));
    };
    await appendEvents(t.db, T0, [
      ...msg(a, ['sent', 'opened', 'clicked'], ago(3), { campaign_id: 1 }),
      ...msg(b, ['sent', 'opened'], ago(40), { campaign_id: 1 }),
      ...msg(c, ['sent', 'bounced'], ago(3), { campaign_id: 1 }),
      ...msg(d, ['sent', 'clicked'], ago(2), { journey_id: 5, step_id: 'welcome', message_id: 8 }),
      ...msg(d, ['sent'], new Date(T0.getTime() + DAY), { campaign_id: 1 }), // in the future: does not count
    ]);
    const all = [a, b, c, d];
    const act = (x: Record<string, unknown>) => matching(ws, { all: [{ type: 'email_activity', ...x }] }, all);
    expect(await act({ op: 'received', campaign_id: 1 })).toEqual([true, true, false, false]);
    expect(await act({ op: 'not_received', campaign_id: 1 })).toEqual([false, false, true, true]);
    expect(await act({ op: 'opened', campaign_id: 1, within_days: 30 })).toEqual([true, false, false, false]);
    expect(await act({ op: 'opened', campaign_id: 1 })).toEqual([true, true, false, false]);
    expect(await act({ op: 'not_opened', campaign_id: 1 })).toEqual([false, false, true, true]);
    expect(await act({ op: 'clicked', url: 'https://shop.example/sale' })).toEqual([true, false, false, true]);
    expect(await act({ op: 'clicked', url: 'https://other.example/' })).toEqual([false, false, false, false]);
    expect(await act({ op: 'opened', journey_id: 5, step_id: 'welcome' })).toEqual([false, false, false, true]); // a click is an open
    expect(await act({ op: 'clicked', journey_id: 5, step_id: 'other' })).toEqual([false, false, false, false]);
    expect(await act({ op: 'received', message_id: 8 })).toEqual([false, false, false, true]);
    expect(await act({ op: 'received', channel: 'sms' })).toEqual([false, false, false, false]);
    const bad = await ws.api('POST', '/api/v1/segments/count', { criteria: { all: [{ type: 'email_activity', op: 'opened', step_id: 'x', url: 'u' }] } });
    expect(bad.body.error.details.map((e: any) => e.path)).toEqual(['criteria.all[0].step_id', 'criteria.all[0].url']);
  });
});

describe('counts over the events log leave deleted contacts out (S-4, migration 015)', () => {
  it('an activity, purchase or custom-event count, alone or in an OR, no longer counts a deleted contact', async () => {
    const ws = await newWorkspace(t);
    const [a, b, c] = await people(ws, 3);
    const ev = (contactId: number, type: string, data: Record<string, unknown>): NewEvent => ({ workspaceId: ws.id, contactId, type, data, occurredAt: ago(1) });
    await appendEvents(t.db, T0, [a, b, c].flatMap((id, i) => [
      ev(id, 'message.sent', { delivery_id: 500 + i, campaign_id: 3, message_id: 1, channel: 'email' }),
      ev(id, 'message.opened', { delivery_id: 500 + i, campaign_id: 3, message_id: 1, channel: 'email' }),
      ev(id, 'purchase', { order_id: `o${i}`, total: 10 }),
      ev(id, 'review.posted', { stars: 5 }),
    ]));
    await ws.api('POST', '/api/v1/contacts', { email: 'tagged@example.com', tags: ['vip'] });
    const count = async (criteria: unknown) => (await ws.api('POST', '/api/v1/segments/count', { criteria })).body.count as number;
    const opened = { type: 'email_activity', op: 'opened', campaign_id: 3 };
    const trees = [
      opened,
      { type: 'email_activity', op: 'received', campaign_id: 3, within_days: 30 },
      { type: 'purchase', op: 'has_purchased' },
      { type: 'event', op: 'did', event: 'review.posted' },
      { type: 'event', op: 'did', event: 'review.posted', min_count: 1, within_days: 5 },
      { any: [opened, { type: 'tag', op: 'has', tag: 'vip' }] },
    ];
    const before = [];
    for (const tree of trees) before.push(await count(tree));
    expect(before).toEqual([3, 3, 3, 3, 3, 4]);
    expect((await ws.api('DELETE', `/api/v1/contacts/${b}`)).status).toBe(200);
    const after = [];
    for (const tree of trees) after.push(await count(tree));
    expect(after).toEqual([2, 2, 2, 2, 2, 3]);
    // the members agree with the count
    const env = await criteriaEnv(t.db, ws.id, t.clock.now());
    const ids = (await t.db.query<{ id: number }>(selectMemberIds(parseCriteria(opened, env.fields), env))).rows.map((r) => r.id).sort((x, y) => x - y);
    expect(ids).toEqual([a, c]);
  });
});

describe('ecommerce and custom events (S-1, J-4)', () => {
  it('has purchased, products, total spent, order count, last order date', async () => {
    const ws = await newWorkspace(t);
    const [a, b, c] = await people(ws, 3);
    const purchase = (contactId: number, at: Date, total: unknown, items: unknown): NewEvent => ({ workspaceId: ws.id, contactId, type: 'purchase', data: { order_id: `o${Math.random()}`, total, currency: 'EUR', items }, occurredAt: at });
    await appendEvents(t.db, T0, [
      purchase(a, ago(2), 30, [{ product_id: 11, sku: 'TEA-1', name: 'Green Tea', quantity: 1, price: 30 }]),
      purchase(a, ago(50), 70.5, [{ product_id: 12, sku: 'MUG', name: 'Blue mug', quantity: 1, price: 70.5 }]),
      purchase(b, ago(10), '20.25', 'not a list'), // a string total and broken items must not break the query
    ]);
    const all = [a, b, c];
    const is = (x: Record<string, unknown>) => matching(ws, { all: [x] }, all);
    expect(await is({ type: 'purchase', op: 'has_purchased' })).toEqual([true, true, false]);
    expect(await is({ type: 'purchase', op: 'has_purchased', within_days: 5 })).toEqual([true, false, false]);
    expect(await is({ type: 'purchase', op: 'has_not_purchased', within_days: 5 })).toEqual([false, true, true]);
    expect(await is({ type: 'purchase', op: 'has_purchased', product: { product_id: '12' } })).toEqual([true, false, false]);
    expect(await is({ type: 'purchase', op: 'has_purchased', product: { sku: 'TEA-1' }, within_days: 1 })).toEqual([false, false, false]);
    expect(await is({ type: 'purchase', op: 'has_purchased', product: { name_contains: 'TEA' } })).toEqual([true, false, false]);
    expect(await is({ type: 'total_spent', op: 'gt', value: 100 })).toEqual([true, false, false]);
    expect(await is({ type: 'total_spent', op: 'lt', value: 25 })).toEqual([false, true, true]); // nothing spent is less than 25
    expect(await is({ type: 'total_spent', op: 'eq', value: 30, within_days: 30 })).toEqual([true, false, false]);
    expect(await is({ type: 'order_count', op: 'between', value: 1, to: 1 })).toEqual([false, true, false]);
    expect(await is({ type: 'order_count', op: 'eq', value: 0 })).toEqual([false, false, true]);
    expect(await is({ type: 'last_order_date', op: 'within_last_days', days: 7 })).toEqual([true, false, false]);
    expect(await is({ type: 'last_order_date', op: 'is_empty' })).toEqual([false, false, true]);
    expect(await is({ type: 'last_order_date', op: 'lt', value: '2026-01-01' })).toEqual([false, true, false]);
  });

  it('did / did not do an event, with property conditions, at least K times, in the last N days', async () => {
    const ws = await newWorkspace(t);
    const [a, b, c] = await people(ws, 3);
    const ev = (contactId: number, days: number, properties: Record<string, unknown>) =>
      ws.api('POST', '/api/v1/events', { events: [{ contact_id: contactId, type: 'viewed', properties, occurred_at: ago(days).toISOString() }] });
    await ev(a, 1, { page: '/pricing', seconds: 9, plan: { tier: 'Pro' } });
    await ev(a, 2, { page: '/pricing', seconds: '10' });
    await ev(b, 20, { page: '/blog/Pricing-tips', seconds: 100 });
    const all = [a, b, c];
    const did = (x: Record<string, unknown>) => matching(ws, { all: [{ type: 'event', event: 'viewed', op: 'did', ...x }] }, all);
    expect(await did({})).toEqual([true, true, false]);
    expect(await did({ within_days: 7 })).toEqual([true, false, false]);
    expect(await did({ min_count: 2 })).toEqual([true, false, false]);
    expect(await did({ where: [{ property: 'seconds', op: 'gt', value: 9.5 }] })).toEqual([true, true, false]); // "10" is a number too
    expect(await did({ where: [{ property: 'seconds', op: 'eq', value: 10 }] })).toEqual([true, false, false]);
    expect(await did({ where: [{ property: 'page', op: 'contains', value: 'pricing' }], min_count: 1 })).toEqual([true, true, false]);
    expect(await did({ where: [{ property: 'plan.tier', op: 'eq', value: 'Pro' }] })).toEqual([true, false, false]);
    expect(await did({ where: [{ property: 'page', op: 'neq', value: '/pricing' }] })).toEqual([false, true, false]);
    expect(await matching(ws, { all: [{ type: 'event', event: 'viewed', op: 'did_not', within_days: 7 }] }, all)).toEqual([false, true, true]);
  });
});

describe('the compiler', () => {
  it('never puts a value into the SQL text, and the members fragment nests in INSERT … SELECT', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'note', type: 'text' });
    const evil = "x'); drop table contacts; --";
    const [a] = await people(ws, 1);
    await ws.api('PATCH', `/api/v1/contacts/${a}`, { fields: { note: evil } });
    const env = await criteriaEnv(t.db, ws.id, T0);
    const criteria: Criteria = parseCriteria(
      { any: [{ type: 'field', field: 'note', op: 'is', value: evil }, { type: 'tag', op: 'has', tag: evil }, { type: 'event', op: 'did', event: evil, where: [{ property: evil, op: 'eq', value: evil }] }] },
      env.fields,
    );
    const { text, values } = compileCriteria(criteria, env).toQuery();
    expect(text).not.toContain('drop table');
    expect(text).not.toContain('note');
    expect(values).toContain(evil);
    const { rows } = await t.db.query<{ n: number }>(sql`select count(*)::int as n from (${selectMemberIds(criteria, env)}) m`);
    expect(rows[0].n).toBe(1);
  });
});
