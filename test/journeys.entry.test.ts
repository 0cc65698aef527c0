import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';

// Issue 17: who enters a journey, and when (J-1 list joins logged before activation, J-3 yearly dates)
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const DAY = 86_400_000;
const later = (ms: number) => new Date(t.clock.now().getTime() + ms);

async function email(ws: Workspace, name: string) {
  return (await ws.api('POST', '/api/v1/messages', { name, channel: 'email', content: { subject: name, body: `<p>${name}</p><a href="{{ unsubscribe_url }}">u</a>` } })).body.id as number;
}

async function sentTo(ws: Workspace, address: string): Promise<{ subject: string; at: string }[]> {
  const r = await ws.api('GET', `/api/v1/outbox?to=${encodeURIComponent(address)}&limit=100`);
  return r.body.data.map((o: any) => ({ subject: o.subject, at: new Date(o.created_at).toISOString() })).reverse();
}

async function journey(ws: Workspace, definition: unknown) {
  const r = await ws.api('POST', '/api/v1/journeys', { name: 'J', definition });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function activate(ws: Workspace, id: number) {
  const r = await ws.api('POST', `/api/v1/journeys/${id}/activate`, {});
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const contact = async (ws: Workspace, address: string, extra: Record<string, unknown> = {}) =>
  (await ws.api('POST', '/api/v1/contacts', { email: address, ...extra })).body;

describe('J-1: an event enrolls only into journeys (and versions) live when it was logged', () => {
  it('a join logged before activation does not enroll with enroll_existing false; one logged after, still in the backlog, does', async () => {
    const ws = await newWorkspace(t);
    const g = (await ws.api('POST', '/api/v1/lists', { name: 'G' })).body;
    const m = await email(ws, 'Hello G');
    await contact(ws, 'before@example.com', { list_ids: [g.id] });
    const j = await journey(ws, { trigger: { type: 'list_joined', list_ids: [g.id], enroll_existing: false }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] });
    expect((await activate(ws, j.id)).enrolled).toBe(0);
    // the manual clock has not moved: both joins carry the activation's instant, only the log order differs
    await contact(ws, 'after@example.com', { list_ids: [g.id] });
    await t.app.advance(later(60_000));
    expect(await sentTo(ws, 'before@example.com')).toEqual([]);
    expect((await sentTo(ws, 'after@example.com')).map((x) => x.subject)).toEqual(['Hello G']);
    expect((await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body.entered).toBe(1);
  });

  it('a join logged while the journey was stopped does not enter when it resumes; a backlog enters the version live when it was logged (J-17)', async () => {
    const ws = await newWorkspace(t);
    const g = (await ws.api('POST', '/api/v1/lists', { name: 'G' })).body;
    const [a, b] = [await email(ws, 'Version 1'), await email(ws, 'Version 2')];
    const v1 = { trigger: { type: 'list_joined', list_ids: [g.id] }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: a, next: null }] };
    const j = await journey(ws, v1);
    await activate(ws, j.id);
    await contact(ws, 'v1@example.com', { list_ids: [g.id] });
    // a structural change publishes version 2 before the backlog is worked through
    const v2 = { ...v1, start: 'w', steps: [{ id: 'w', type: 'wait', delay: { amount: 1, unit: 'minutes' }, next: 'e2' }, { id: 'e2', type: 'email', message_id: b, next: null }] };
    expect((await ws.api('PATCH', `/api/v1/journeys/${j.id}`, { definition: v2 })).body.version).toBe(2);
    await contact(ws, 'v2@example.com', { list_ids: [g.id] });
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/stop`)).status).toBe(200);
    await contact(ws, 'stopped@example.com', { list_ids: [g.id] });
    await activate(ws, j.id);
    await contact(ws, 'resumed@example.com', { list_ids: [g.id] });
    await t.app.advance(later(3600_000));
    expect((await sentTo(ws, 'v1@example.com')).map((x) => x.subject)).toEqual(['Version 1']);
    expect((await sentTo(ws, 'v2@example.com')).map((x) => x.subject)).toEqual(['Version 2']);
    expect(await sentTo(ws, 'stopped@example.com')).toEqual([]);
    expect((await sentTo(ws, 'resumed@example.com')).map((x) => x.subject)).toEqual(['Version 2']);
    const versions = (await ws.api('GET', `/api/v1/journeys/${j.id}/versions`)).body.data;
    expect(versions.map((v: any) => [v.version, v.entered])).toEqual([[1, 1], [2, 2]]);
  });

  it('a custom event that happened before activation does not enter, even when it is received after (history import)', async () => {
    const ws = await newWorkspace(t);
    const m = await email(ws, 'Thanks');
    const j = await journey(ws, { trigger: { type: 'event', event: 'purchase', properties: [] }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }], settings: { reentry: 'after_exit' } });
    const early = await contact(ws, 'early@example.com');
    await ws.api('POST', `/api/v1/contacts/${early.id}/events`, { type: 'purchase', properties: { total: 1 } }); // logged before activation
    await activate(ws, j.id);
    const [old, fresh] = [await contact(ws, 'old@example.com'), await contact(ws, 'fresh@example.com')];
    const r = await ws.api('POST', '/api/v1/events', { events: [
      { contact_id: old.id, type: 'purchase', occurred_at: new Date(t.clock.now().getTime() - 30 * DAY).toISOString() },
      { contact_id: fresh.id, type: 'purchase' },
    ] });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    await t.app.advance(later(60_000));
    expect(await sentTo(ws, 'early@example.com')).toEqual([]);
    expect(await sentTo(ws, 'old@example.com')).toEqual([]);
    expect((await sentTo(ws, 'fresh@example.com')).map((x) => x.subject)).toEqual(['Thanks']);
  });

  it("a join logged before any journey took the list gets the list's plain welcome email (J-18)", async () => {
    const ws = await newWorkspace(t);
    const g = (await ws.api('POST', '/api/v1/lists', { name: 'G' })).body;
    await ws.api('PUT', `/api/v1/lists/${g.id}/welcome`, { message_id: await email(ws, 'Plain welcome') });
    const j = await journey(ws, { trigger: { type: 'list_joined', list_ids: [g.id] }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: await email(ws, 'Journey welcome'), next: null }] });
    await contact(ws, 'first@example.com', { list_ids: [g.id] });
    await activate(ws, j.id);
    await contact(ws, 'second@example.com', { list_ids: [g.id] });
    await t.app.advance(later(60_000));
    expect((await sentTo(ws, 'first@example.com')).map((x) => x.subject)).toEqual(['Plain welcome']);
    expect((await sentTo(ws, 'second@example.com')).map((x) => x.subject)).toEqual(['Journey welcome']);
  });
});

describe('J-3: a yearly date trigger re-enters every year by itself', () => {
  it('sends a birthday journey built without re-entry every year at 09:00 Paris, across DST, and on 28 February for 29 February outside leap years', async () => {
    const ws = await newWorkspace(t);
    const m = await email(ws, 'Happy birthday');
    // reentry is left at its default ('never'): yearly still means once a year
    const j = await journey(ws, { trigger: { type: 'date_field', field: 'birthday', time: '09:00', yearly: true }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }], settings: { timezone: 'Europe/Paris' } });
    expect(j.definition.settings.reentry).toBe('never');
    expect(j.problems).toEqual([]);
    await activate(ws, j.id);
    await contact(ws, 'winter@example.com', { birthday: '1985-01-20' });
    await contact(ws, 'summer@example.com', { birthday: '1990-03-30' }); // the day after the change to summer time (29 March 2026)
    await contact(ws, 'leap@example.com', { birthday: '2000-02-29' });
    await t.app.advance(new Date('2027-04-01T00:00:00Z')); // one step per simulated day: 15 months
    const at = async (address: string) => (await sentTo(ws, address)).map((x) => x.at);
    expect(await at('winter@example.com')).toEqual(['2026-01-20T08:00:00.000Z', '2027-01-20T08:00:00.000Z']);
    expect(await at('summer@example.com')).toEqual(['2026-03-30T07:00:00.000Z', '2027-03-30T07:00:00.000Z']);
    expect(await at('leap@example.com')).toEqual(['2026-02-28T08:00:00.000Z', '2027-02-28T08:00:00.000Z']);
  }, 120_000);

  it('activation says why a yearly journey cannot re-enter: a path longer than a year', async () => {
    const ws = await newWorkspace(t);
    const m = await email(ws, 'Anniversary');
    const j = await journey(ws, {
      trigger: { type: 'date_field', field: 'birthday', yearly: true }, start: 'w',
      steps: [{ id: 'w', type: 'wait', delay: { amount: 13, unit: 'months' }, next: 'e' }, { id: 'e', type: 'email', message_id: m, next: null }],
    });
    expect(j.problems.map((p: any) => p.path)).toContain('trigger.yearly');
    const r = await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('a year');
  });
});
