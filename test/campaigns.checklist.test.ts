import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { campaign, deliveries, listOf, sender } from './campaigns-support.ts';

/** Issue 17, K-6: "Prepare" catches broken personalization and a deadline the window leaves no time for. */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const UNSUB = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>';

async function message(ws: Workspace, content: Record<string, unknown>, channel = 'email') {
  const r = await ws.api('POST', '/api/v1/messages', { name: 'M', channel, content });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as number;
}

async function prepare(ws: Workspace, body: Record<string, unknown>) {
  const id = await campaign(ws.api, body);
  const p = await ws.api('POST', `/api/v1/campaigns/${id}/prepare`);
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  const check = (key: string) => p.body.checks.find((c: any) => c.key === key) as { ok: boolean; problems: string[] };
  return { id, ok: p.body.ok as boolean, check };
}

describe('broken personalization (K-6, issue 17)', () => {
  it('flags a misspelt field and a field without contact., naming the variable and where it is', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 3);
    const m = await message(ws, { subject: 'Hello {{ first_name }}', body: `<p>Bonjour {{ contact.frist_name }},</p>\n<p>{{ contact.last_name | default: "" }}</p>${UNSUB}` });
    const { ok, check } = await prepare(ws, { message_id: m, recipients: { lists: [list] } });
    expect(ok).toBe(false);
    const p = check('personalization');
    expect(p.ok).toBe(false);
    expect(p.problems).toContain('message: subject line 1, col 10: {{ first_name }}: write contact.first_name');
    expect(p.problems).toContain('message: body line 1, col 15: {{ contact.frist_name }}: no contact field or custom field frist_name (did you mean contact.first_name?)');
    expect(p.problems.filter((x) => x.includes('last_name'))).toEqual([]);
  });

  it('counts a variable behind | default: as unknown until the custom or workspace field exists', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 2);
    const m = await message(ws, {
      subject: 'News',
      body: `<p>{{ contact.tier | default: "friend" }} {{ workspace.address | default: "" }} {{ workspace.name }}</p>
{% assign n = contact.first_name %}{{ n }}{% for x in (1..2) %}{{ x }}{{ forloop.index }}{% endfor %}${UNSUB}<a href="{{ preferences_url }}">prefs</a>`,
    });
    const first = await prepare(ws, { message_id: m, recipients: { lists: [list] } });
    expect(first.check('personalization').problems).toEqual([
      'message: body line 1, col 7: {{ contact.tier }}: no contact field or custom field tier',
      'message: body line 1, col 46: {{ workspace.address }}: no workspace field address',
    ]);
    expect((await ws.api('POST', '/api/v1/fields', { key: 'tier', type: 'text' })).status).toBe(201);
    expect((await ws.api('PATCH', '/api/v1/workspace', { settings: { profile: { address: '1 rue de la Paix' } } })).status).toBe(200);
    const again = await prepare(ws, { message_id: m, recipients: { lists: [list] } });
    expect(again.check('personalization')).toMatchObject({ ok: true, problems: [] });
    expect(again.ok).toBe(true);
  });

  it("checks each language version's own parts, A/B variant subjects, and an SMS's links", async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 2);
    const m = await message(ws, { subject: 'News', body: `<p>Hi</p>${UNSUB}`, languages: { fr: { subject: 'Salut {{ contact.prenom }}' } } });
    const { check } = await prepare(ws, {
      message_id: m,
      recipients: { lists: [list] },
      ab_test: { variants: [{ id: 'A', message_id: m }, { id: 'B', subject: 'Bravo {{ contact.fist_name }}' }], test_percent: 50, decide_after: '4h' },
    });
    expect(check('personalization').problems).toEqual([
      'variant A (fr): subject line 1, col 10: {{ contact.prenom }}: no contact field or custom field prenom',
      'variant B: subject line 1, col 10: {{ contact.fist_name }}: no contact field or custom field fist_name (did you mean contact.first_name?)',
    ]);
    const sms = await message(ws, { text: 'Hi {{ contact.first_name }}, stop: {{ unsubscribe_url }}' }, 'sms');
    const s = await prepare(ws, { message_id: sms, recipients: { lists: [list] } });
    expect(s.check('personalization').problems).toEqual(['message: text line 1, col 39: {{ unsubscribe_url }}: this message has no such link']);
  });
});

describe('a deadline before the delivery window opens (K-5, K-6, issue 17)', () => {
  const window = { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' };

  it('flags a deadline that comes before the first opening, passes one after it', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 2);
    const m = await message(ws, { subject: 'News', body: `<p>Hi</p>${UNSUB}` });
    // Saturday 10:00 in Paris; the window opens on Monday 09:00 (08:00 UTC)
    const schedule = { type: 'at', at: '2026-01-10T10:00', timezone: 'Europe/Paris' };
    const late = await prepare(ws, { message_id: m, recipients: { lists: [list] }, schedule, options: { window, deadline: '2026-01-11T20:00:00+01:00' } });
    expect(late.ok).toBe(false);
    expect(late.check('schedule').problems).toEqual([
      'the deadline 2026-01-11T19:00:00.000Z comes before the delivery window opens (2026-01-12T08:00:00.000Z at the earliest): every message would expire',
    ]);
    const fine = await prepare(ws, { message_id: m, recipients: { lists: [list] }, schedule, options: { window, deadline: '2026-01-12T12:00:00+01:00' } });
    expect(fine.check('schedule')).toMatchObject({ ok: true, problems: [] });
  });

  it("names the recipients' zones whose window opens after the deadline when it follows each contact", async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list, ids } = await listOf(t, ws, 3);
    await ws.api('PATCH', `/api/v1/contacts/${ids[0]}`, { timezone: 'Asia/Tokyo' });
    await ws.api('PATCH', `/api/v1/contacts/${ids[1]}`, { timezone: 'America/New_York' });
    const m = await message(ws, { subject: 'News', body: `<p>Hi</p>${UNSUB}` });
    // now is Monday 09:00 UTC: 18:00 in Tokyo and in UTC (the workspace's zone) it opens by 18:00 UTC; in New York at 23:00 UTC
    const options = { window: { timezone: 'contact', days: [1, 2, 3, 4, 5], start: '18:00', end: '20:00' }, deadline: '2026-01-05T20:00:00Z' };
    const { id, check } = await prepare(ws, { message_id: m, recipients: { lists: [list] }, options });
    expect(check('schedule').problems).toEqual([
      'the deadline 2026-01-05T20:00:00.000Z comes before the delivery window opens for the recipients in America/New_York (2026-01-05T23:00:00.000Z at the earliest): their messages would expire',
    ]);
    expect((await deliveries(t, ws, id))).toEqual([]);
  });
});
