import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const later = (ms: number) => new Date(t.clock.now().getTime() + ms);

async function email(ws: Workspace, name: string) {
  return (await ws.api('POST', '/api/v1/messages', { name, channel: 'email', content: { subject: name, body: `<p>${name} for {{ contact.first_name }}</p><a href="{{ unsubscribe_url }}">u</a>` } })).body.id as number;
}

async function sentTo(ws: Workspace, address: string): Promise<{ subject: string; at: string }[]> {
  const r = await ws.api('GET', `/api/v1/outbox?to=${encodeURIComponent(address)}&limit=100`);
  return r.body.data.map((o: any) => ({ subject: o.subject, at: new Date(o.created_at).toISOString() })).reverse();
}

async function journey(ws: Workspace, definition: unknown, name = 'J') {
  const r = await ws.api('POST', '/api/v1/journeys', { name, definition });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe('seed 000 (Constant Contact): list trigger, delays, window, existing contacts, membership rule', () => {
  it('runs the series, enrolls existing members on activation, and never re-triggers on a re-join', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Prospects' })).body;
    const [m1, m2] = [await email(ws, 'Series 1'), await email(ws, 'Series 2')];
    const old = (await ws.api('POST', '/api/v1/contacts', { email: 'old@example.com', first_name: 'Olga', list_ids: [list.id] })).body;
    const j = await journey(ws, {
      trigger: { type: 'list_joined', list_ids: [list.id], enroll_existing: true },
      start: 'e1',
      steps: [
        { id: 'e1', type: 'email', message_id: m1, next: 'w1' },
        { id: 'w1', type: 'wait', delay: { amount: 2, unit: 'days' }, next: 'e2' },
        { id: 'e2', type: 'email', message_id: m2, next: null },
      ],
      settings: { timezone: 'America/Toronto', window: { timezone: 'America/Toronto', days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' }, reentry: 'never' },
    });
    expect(j.problems).toEqual([]);
    const act = await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    expect(act.body.enrolled).toBe(1);
    // T0 = Monday 09:00 UTC = 04:00 Toronto: the first email waits for 08:00 Toronto (13:00 UTC)
    const fresh = (await ws.api('POST', '/api/v1/contacts', { email: 'new@example.com', first_name: 'Nina', list_ids: [list.id] })).body;
    await t.app.advance(later(5 * DAY));
    const o = await sentTo(ws, 'old@example.com');
    expect(o.map((x) => x.subject)).toEqual(['Series 1', 'Series 2']);
    expect(o[0].at.slice(11, 16)).toBe('13:00');
    expect(new Date(o[1].at).getTime() - new Date(o[0].at).getTime()).toBe(2 * DAY);
    expect((await sentTo(ws, 'new@example.com')).map((x) => x.subject)).toEqual(['Series 1', 'Series 2']);
    // leaving and re-joining the list does not start the series again (J-1)
    await ws.api('DELETE', `/api/v1/lists/${list.id}/members/${fresh.id}`);
    await ws.api('POST', `/api/v1/lists/${list.id}/members`, { contact_ids: [fresh.id] });
    await t.app.advance(later(3 * DAY));
    expect(await sentTo(ws, 'new@example.com')).toHaveLength(2);
    const rep = (await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body;
    expect(rep).toMatchObject({ entered: 2, completed: 2, in_progress: 0 });
    expect(rep.steps.e1.sent).toBe(2);
    void old;
  });

  it('removes a contact who left every trigger list before the next step (J-13)', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'L' })).body;
    const [m1, m2] = [await email(ws, 'A'), await email(ws, 'B')];
    const j = await journey(ws, {
      trigger: { type: 'list_joined', list_ids: [list.id] },
      start: 'e1',
      steps: [{ id: 'e1', type: 'email', message_id: m1, next: 'w' }, { id: 'w', type: 'wait', delay: { amount: 1, unit: 'days' }, next: 'e2' }, { id: 'e2', type: 'email', message_id: m2, next: null }],
    });
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'leaver@example.com', list_ids: [list.id] })).body;
    await t.app.advance(later(3600_000));
    await ws.api('DELETE', `/api/v1/lists/${list.id}/members/${c.id}`);
    await t.app.advance(later(2 * DAY));
    expect((await sentTo(ws, 'leaver@example.com')).map((x) => x.subject)).toEqual(['A']);
    expect((await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body.exited_by_reason).toEqual({ left_list: 1 });
  });
});

describe('seed 001 (Mailjet): immediate email, +3 days, lock, stop with skipped steps, archive, delete, duplicate', () => {
  it('follows the lifecycle of J-14 and J-15', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Newsletter' })).body;
    const [m1, m2] = [await email(ws, 'Welcome'), await email(ws, 'Three days later')];
    const def = {
      trigger: { type: 'list_joined', list_ids: [list.id] },
      start: 'e1',
      steps: [{ id: 'e1', type: 'email', message_id: m1, next: 'w' }, { id: 'w', type: 'wait', delay: { amount: 3, unit: 'days' }, next: 'e2' }, { id: 'e2', type: 'email', message_id: m2, next: null }],
    };
    const j = await journey(ws, def);
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com', list_ids: [list.id] });
    await t.app.advance(later(60_000));
    expect((await sentTo(ws, 'a@example.com')).map((x) => x.subject)).toEqual(['Welcome']);
    // stopped: no entries, and the step falling due is skipped: the contact completes without mail
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/stop`)).body.status).toBe('stopped');
    await ws.api('POST', '/api/v1/contacts', { email: 'b@example.com', list_ids: [list.id] });
    await t.app.advance(later(4 * DAY));
    expect(await sentTo(ws, 'a@example.com')).toHaveLength(1);
    expect(await sentTo(ws, 'b@example.com')).toHaveLength(0);
    const rep = (await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body;
    expect(rep).toMatchObject({ entered: 1, completed: 1 });
    expect(rep.steps.e2.skipped).toBe(1);
    // resume, then lock: current contacts finish, nobody new enters
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {})).body.status).toBe('active');
    await ws.api('POST', '/api/v1/contacts', { email: 'c@example.com', list_ids: [list.id] });
    await t.app.advance(later(60_000));
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/lock`)).body.status).toBe('locked');
    await ws.api('POST', '/api/v1/contacts', { email: 'd@example.com', list_ids: [list.id] });
    await t.app.advance(later(4 * DAY));
    expect((await sentTo(ws, 'c@example.com')).map((x) => x.subject)).toEqual(['Welcome', 'Three days later']);
    expect(await sentTo(ws, 'd@example.com')).toHaveLength(0);
    // forbidden moves answer 409 naming the state
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/stop`)).status).toBe(409);
    expect((await ws.api('DELETE', `/api/v1/journeys/${j.id}`)).status).toBe(409);
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/archive`, {})).body.status).toBe('archived');
    const copy = await ws.api('POST', `/api/v1/journeys/${j.id}/duplicate`, {});
    expect([copy.status, copy.body.status, copy.body.definition.steps.length]).toEqual([201, 'draft', 3]);
    expect((await ws.api('DELETE', `/api/v1/journeys/${j.id}`)).status).toBe(200);
    expect((await ws.api('GET', `/api/v1/journeys/${j.id}`)).status).toBe(404);
  });

  it('asks for confirmation before archiving an active journey', async () => {
    const ws = await newWorkspace(t);
    const m = await email(ws, 'x');
    const j = await journey(ws, { trigger: { type: 'manual' }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] });
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const r = await ws.api('POST', `/api/v1/journeys/${j.id}/archive`, {});
    expect(r.status).toBe(409);
    expect(r.body.error.details[0].path).toBe('confirm');
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/archive`, { confirm: true })).body.status).toBe('archived');
  });
});

describe('seed 002: conditional split, tag action, SMS step, auto-exit, purchase actions', () => {
  it('routes by opened, tags, texts the consenting branch, and auto-exits on purchase', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'last_order_total', type: 'number' });
    const m1 = await email(ws, 'Offer');
    const sms = (await ws.api('POST', '/api/v1/messages', { name: 'SMS', channel: 'sms', content: { text: 'Hi {{ contact.first_name }}, 10% off today' } })).body.id;
    const m2 = await email(ws, 'Reminder');
    const def = {
      trigger: { type: 'event', event: 'signup', properties: [] },
      exit_criteria: { type: 'event', op: 'did', event: 'purchase', within_days: 30 },
      start: 'e1',
      steps: [
        { id: 'e1', type: 'email', message_id: m1, next: 'w1' },
        { id: 'w1', type: 'wait', delay: { amount: 1, unit: 'days' }, next: 's1' },
        { id: 's1', type: 'split', branches: [{ id: 'opened', criteria: { type: 'email_activity', op: 'opened', journey_id: 0, step_id: 'e1' }, next: 'tag' }], else: 'sms_ok' },
        { id: 'tag', type: 'action', action: 'add_tag', tag: 'engaged', next: null },
        { id: 'sms_ok', type: 'split', branches: [{ id: 'consent', criteria: { type: 'consent', channel: 'sms', op: 'is', status: 'opted_in' }, next: 'sms' }], else: 'e2' },
        { id: 'sms', type: 'sms', message_id: sms, next: null },
        { id: 'e2', type: 'email', message_id: m2, next: null },
      ],
    };
    const j = await journey(ws, def);
    // the split needs this journey's id: a content-level edit of the draft
    def.steps[2] = { ...def.steps[2], branches: [{ id: 'opened', criteria: { type: 'email_activity', op: 'opened', journey_id: j.id, step_id: 'e1' }, next: 'tag' }] } as any;
    expect((await ws.api('PATCH', `/api/v1/journeys/${j.id}`, { definition: def })).status).toBe(200);
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {})).status).toBe(200);
    const opener = (await ws.api('POST', '/api/v1/contacts', { email: 'op@example.com', first_name: 'Ona' })).body;
    const texter = (await ws.api('POST', '/api/v1/contacts', { email: 'tx@example.com', first_name: 'Tom', phone: '+33600000001', sms_status: 'opted_in' })).body;
    const plain = (await ws.api('POST', '/api/v1/contacts', { email: 'pl@example.com', first_name: 'Pia' })).body;
    const buyer = (await ws.api('POST', '/api/v1/contacts', { email: 'buy@example.com', first_name: 'Bo' })).body;
    await ws.api('POST', '/api/v1/events', { events: [opener, texter, plain, buyer].map((c) => ({ contact_id: c.id, type: 'signup' })) });
    await t.app.advance(later(3600_000));
    // Ona opens her email; Bo buys
    const html = (await ws.api('GET', `/api/v1/outbox/${(await ws.api('GET', '/api/v1/outbox?to=op@example.com')).body.data[0].id}`)).body.html;
    await t.http.inject({ method: 'GET', url: /src="http:\/\/parcours\.test(\/t\/o\/[^"]+)"/.exec(html)![1] });
    await ws.api('POST', `/api/v1/contacts/${buyer.id}/events`, { type: 'purchase', properties: { total: 30 } });
    await t.app.advance(later(2 * DAY));
    expect((await ws.api('GET', `/api/v1/contacts/${opener.id}`)).body.tags).toEqual(['engaged']);
    expect((await ws.api('GET', '/api/v1/outbox?to=%2B33600000001')).body.data.map((o: any) => o.channel)).toEqual(['sms']);
    expect((await sentTo(ws, 'pl@example.com')).map((x) => x.subject)).toEqual(['Offer', 'Reminder']);
    expect((await sentTo(ws, 'buy@example.com')).map((x) => x.subject)).toEqual(['Offer']);
    const rep = (await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body;
    expect(rep.exited_by_reason).toEqual({ exit_criteria: 1 });
    expect(rep.steps.s1.branches).toEqual({ opened: 1, else: 2 });
    expect(rep.steps.e1.opened).toBe(1);
  });

  it('sets a field from the purchase event (J-11)', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'last_order_total', type: 'number' });
    const j = await journey(ws, {
      trigger: { type: 'event', event: 'purchase', properties: [{ property: 'total', op: 'gt', value: 10 }] },
      start: 'a', steps: [{ id: 'a', type: 'action', action: 'set_field', field: 'last_order_total', value_from_event: 'total', next: null }],
      settings: { reentry: 'after_exit' },
    });
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'p@example.com' })).body;
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'purchase', properties: { total: 5 } });
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'purchase', properties: { total: 84.5 } });
    await t.app.advance(later(60_000));
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.fields.last_order_total).toBe(84.5);
  });
});

describe('validation, versions, dry run, welcome email', () => {
  it('lists each problem with its step and a way to resolve it, and refuses activation (J-16)', async () => {
    const ws = await newWorkspace(t);
    const sms = (await ws.api('POST', '/api/v1/messages', { name: 'S', channel: 'sms', content: { text: 'hi' } })).body.id;
    const j = await journey(ws, {
      trigger: { type: 'list_joined', list_ids: [999999] },
      start: 'e1',
      steps: [
        { id: 'e1', type: 'email', message_id: 424242, next: 's' },
        { id: 's', type: 'split', branches: [{ id: 'b', criteria: { type: 'tag', op: 'has', tag: 'x' }, next: null }], else: 'x' },
        { id: 'x', type: 'sms', message_id: sms, next: null },
        { id: 'lost', type: 'exit' },
        { id: 'w', type: 'wait', next: null },
      ],
    });
    const byStep = j.problems.map((p: any) => `${p.step_id}:${p.message}`);
    expect(byStep).toEqual(expect.arrayContaining([
      'e1:no email message 424242: the step has no content',
      's:branch b is empty',
      'x:SMS step without an SMS consent condition before it',
      'lost:step lost cannot be reached',
      'w:a wait needs exactly one of delay, until, until_field',
      'null:no list 999999',
    ]));
    expect(j.problems.every((p: any) => p.resolve.length > 5)).toBe(true);
    const act = await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    expect(act.status).toBe(400);
    expect(act.body.error.details.some((d: any) => d.path === 'steps.e1')).toBe(true);
    const bad = await ws.api('POST', '/api/v1/journeys', { name: 'x', definition: { trigger: { type: 'nope' }, start: null, steps: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toMatch(/^definition\.trigger/);
  });

  it('publishes a new version on a structural change; enrollments stay on theirs unless mapped (J-17)', async () => {
    const ws = await newWorkspace(t);
    const [m1, m2, m3] = [await email(ws, 'One'), await email(ws, 'Two'), await email(ws, 'Three')];
    const v1 = { trigger: { type: 'manual' }, start: 'e1', steps: [{ id: 'e1', type: 'email', message_id: m1, next: 'w' }, { id: 'w', type: 'wait', delay: { amount: 2, unit: 'days' }, next: 'e2' }, { id: 'e2', type: 'email', message_id: m2, next: null }] };
    const j = await journey(ws, v1);
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const a = (await ws.api('POST', '/api/v1/contacts', { email: 'v1@example.com' })).body;
    await ws.api('POST', `/api/v1/journeys/${j.id}/enroll`, { contact_ids: [a.id] });
    await t.app.advance(later(60_000));
    // content edit: swapping the message of a step keeps the version
    const content = await ws.api('PATCH', `/api/v1/journeys/${j.id}`, { definition: { ...v1, steps: [v1.steps[0], v1.steps[1], { ...v1.steps[2], message_id: m3 }] } });
    expect(content.body.version).toBe(1);
    // structural edit: a shorter wait is a new version
    const v2 = { ...v1, steps: [v1.steps[0], { ...v1.steps[1], delay: { amount: 1, unit: 'hours' } }, { ...v1.steps[2], message_id: m3 }] };
    const s = await ws.api('PATCH', `/api/v1/journeys/${j.id}`, { definition: v2 });
    expect(s.body.version).toBe(2);
    const b = (await ws.api('POST', '/api/v1/contacts', { email: 'v2@example.com' })).body;
    await ws.api('POST', `/api/v1/journeys/${j.id}/enroll`, { contact_ids: [b.id] });
    await t.app.advance(later(3 * 3600_000));
    expect((await sentTo(ws, 'v2@example.com')).map((x) => x.subject)).toEqual(['One', 'Three']);
    expect((await sentTo(ws, 'v1@example.com')).map((x) => x.subject)).toEqual(['One']); // still waiting 2 days on v1
    const versions = (await ws.api('GET', `/api/v1/journeys/${j.id}/versions`)).body.data;
    expect(versions.map((v: any) => [v.version, v.entered])).toEqual([[1, 1], [2, 1]]);
    const moved = await ws.api('POST', `/api/v1/journeys/${j.id}/migrate`, { from_version: 1, mapping: { w: 'e2' } });
    expect(moved.body.moved).toBe(1);
    await t.app.advance(later(60_000));
    expect((await sentTo(ws, 'v1@example.com')).map((x) => x.subject)).toEqual(['One', 'Three']);
  });

  it('dry-runs a journey for a contact: times after waits and windows, the branch and why, sending nothing', async () => {
    const ws = await newWorkspace(t);
    const [m1, m2] = [await email(ws, 'Hello'), await email(ws, 'VIP')];
    const j = await journey(ws, {
      trigger: { type: 'manual' },
      start: 'e1',
      steps: [
        { id: 'e1', type: 'email', message_id: m1, next: 'w' },
        { id: 'w', type: 'wait', delay: { amount: 4, unit: 'hours' }, next: 's' },
        { id: 's', type: 'split', branches: [{ id: 'vip', criteria: { type: 'tag', op: 'has', tag: 'vip' }, next: 'e2' }], else: null },
        { id: 'e2', type: 'email', message_id: m2, next: null },
      ],
      settings: { timezone: 'Europe/Paris', window: { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' }, reentry: 'never' },
    });
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'dry@example.com', tags: ['vip'] })).body;
    const r = await ws.api('POST', `/api/v1/journeys/${j.id}/dry-run`, { contact_id: c.id, from: '2026-03-06T15:30:00Z', days: 7 });
    expect(r.status).toBe(200);
    const tl = r.body.data[0].timeline;
    const sends = tl.filter((e: any) => e.what.startsWith('sends'));
    // Friday 16:30 Paris: first email now; +4 h is 20:30, closed: Monday 09:00 Paris
    expect(sends.map((e: any) => e.at)).toEqual(['2026-03-06T15:30:00.000Z', '2026-03-09T08:00:00.000Z']);
    const branch = tl.find((e: any) => e.branch);
    expect(branch).toMatchObject({ step_id: 's', branch: 'vip' });
    expect(branch.why).toContain('holds');
    expect((await ws.api('GET', '/api/v1/outbox?to=dry@example.com')).body.data).toHaveLength(0);
  });

  it("sends a list's welcome email unless a list-join journey takes the contact (J-18)", async () => {
    const ws = await newWorkspace(t);
    const [l1, l2] = [(await ws.api('POST', '/api/v1/lists', { name: 'W1' })).body, (await ws.api('POST', '/api/v1/lists', { name: 'W2' })).body];
    const welcome = await email(ws, 'Plain welcome');
    await ws.api('PUT', `/api/v1/lists/${l1.id}/welcome`, { message_id: welcome });
    await ws.api('PUT', `/api/v1/lists/${l2.id}/welcome`, { message_id: welcome });
    const m = await email(ws, 'Journey welcome');
    const j = await journey(ws, { trigger: { type: 'list_joined', list_ids: [l2.id] }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] });
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    await ws.api('POST', '/api/v1/contacts', { email: 'w1@example.com', list_ids: [l1.id] });
    await ws.api('POST', '/api/v1/contacts', { email: 'w2@example.com', list_ids: [l2.id] });
    await t.app.advance(later(60_000));
    expect((await sentTo(ws, 'w1@example.com')).map((x) => x.subject)).toEqual(['Plain welcome']);
    expect((await sentTo(ws, 'w2@example.com')).map((x) => x.subject)).toEqual(['Journey welcome']);
  });
});

describe('other triggers (J-2 … J-5)', () => {
  it('abandoned cart: a cart with no purchase within the delay enters; a purchase first prevents it', async () => {
    const ws = await newWorkspace(t);
    const m = await email(ws, 'Your cart');
    const j = await journey(ws, { trigger: { type: 'abandoned_cart', delay: { amount: 4, unit: 'hours' } }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] });
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const a = (await ws.api('POST', '/api/v1/contacts', { email: 'cart@example.com' })).body;
    const b = (await ws.api('POST', '/api/v1/contacts', { email: 'buyer@example.com' })).body;
    await ws.api('POST', '/api/v1/events', { events: [a, b].map((c) => ({ contact_id: c.id, type: 'cart.updated', properties: { total: 50 } })) });
    await t.app.advance(later(3600_000));
    await ws.api('POST', `/api/v1/contacts/${b.id}/events`, { type: 'purchase', properties: { total: 50 } });
    await t.app.advance(later(5 * 3600_000));
    expect((await sentTo(ws, 'cart@example.com')).map((x) => x.subject)).toEqual(['Your cart']);
    expect(await sentTo(ws, 'buyer@example.com')).toHaveLength(0);
  });

  it('property updated to a matching value, and a yearly birthday at 09:00 in the journey zone', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    const [m1, m2] = [await email(ws, 'Welcome to gold'), await email(ws, 'Happy birthday')];
    const gold = await journey(ws, { trigger: { type: 'property_updated', field: 'plan', op: 'eq', value: 'gold' }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m1, next: null }] });
    const bday = await journey(ws, { trigger: { type: 'date_field', field: 'birthday', time: '09:00', yearly: true }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m2, next: null }], settings: { timezone: 'Europe/Paris', reentry: 'after_exit' } });
    await ws.api('POST', `/api/v1/journeys/${gold.id}/activate`, {});
    await ws.api('POST', `/api/v1/journeys/${bday.id}/activate`, {});
    const tomorrow = new Date(t.clock.now().getTime() + DAY).toISOString().slice(5, 10);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'g@example.com', birthday: `1990-${tomorrow}`, fields: { plan: 'basic' } })).body;
    await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { fields: { plan: 'gold' } });
    await t.app.advance(later(2 * DAY));
    const got = await sentTo(ws, 'g@example.com');
    expect(got.map((x) => x.subject)).toEqual(['Welcome to gold', 'Happy birthday']);
    expect(got[1].at.slice(11, 16)).toMatch(/0[78]:00/); // 09:00 Paris
  });
});
