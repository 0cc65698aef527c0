import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp, type Workspace } from './helpers.ts';
import { inviteAndAccept } from './invite.ts';
import { sql } from '../src/db/index.ts';
import { compareProportions } from '../src/campaigns/index.ts';
import { campaign, deliveries, email, launch, listOf, outbox, sender } from './campaigns-support.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

async function login(ws: Workspace, emailAddress: string, role: string) {
  await inviteAndAccept(t, ws, emailAddress, 'a long password', role);
  const anon = apiClient(t.http, {});
  const res = await anon('POST', '/api/v1/auth/login', { email: emailAddress, password: 'a long password' });
  const cookie = ([res.headers['set-cookie']].flat()[0] as string).split(';')[0];
  return apiClient(t.http, { cookie, 'x-csrf-token': res.body.csrf_token });
}

describe('recipients (K-1, S-4, K-2)', () => {
  it('sends to the segment members at approval time, not at creation or prepare', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { ids } = await listOf(t, ws, 4);
    const tag = (add: number[], remove: number[] = []) => ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: [...add, ...remove], ...(add.length ? { add_tags: ['vip'] } : {}), ...(remove.length ? { remove_tags: ['vip'] } : {}) });
    await tag([ids[0]]);
    const seg = (await ws.api('POST', '/api/v1/segments', { name: 'VIP', criteria: { all: [{ type: 'tag', op: 'has', tag: 'vip' }] } })).body.id;
    const id = await campaign(ws.api, { message_id: m, recipients: { segments: [seg] } });
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body).toMatchObject({ matching: 1, recipients: 1 });
    const prepared = await ws.api('POST', `/api/v1/campaigns/${id}/prepare`);
    expect(prepared.body.calculation.recipients).toBe(1);
    // the segment changes between prepare and approval: the send follows it
    await tag([ids[2], ids[3]]);
    await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: [ids[0]], remove_tags: ['vip'] });
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(200);
    await t.app.drain();
    expect((await deliveries(t, ws, id)).map((d) => d.contact_id)).toEqual([ids[2], ids[3]]);
    expect((await outbox(t, ws)).map((o) => o.to_address).sort()).toEqual(['c3@example.com', 'c4@example.com']);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('sent');
  });

  it('unions lists and segments, removes exclusions, counts suppressed and address-less contacts apart', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const a = await listOf(t, ws, 5, 'a');
    const b = await listOf(t, ws, 3, 'b');
    const x = await listOf(t, ws, 1, 'x');
    await ws.api('POST', `/api/v1/lists/${x.list}/members`, { contact_ids: [a.ids[0]] });
    await ws.api('POST', `/api/v1/contacts/${a.ids[1]}/consent`, { channel: 'email', status: 'unsubscribed' });
    await ws.api('POST', '/api/v1/suppressions', { address: 'A3@example.com' });
    await t.db.query(sql`update contacts set email = null where workspace_id = ${ws.id} and id = ${b.ids[0]}`);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [a.list, b.list], exclude_lists: [x.list] } });
    const calc = (await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body;
    expect(calc).toEqual({ matching: 7, no_address: 1, suppressed: 2, duplicates_collapsed: 0, control_group: 0, recipients: 4 });
    await launch(ws, id);
    await t.app.drain();
    expect((await outbox(t, ws)).map((o) => o.to_address).sort()).toEqual(['a4@example.com', 'a5@example.com', 'b2@example.com', 'b3@example.com']);
    const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
    expect(rep.totals).toMatchObject({ sent: 4, delivered: 4, suppressed: 2, no_address: 1 });
  });

  it('collapses contacts sharing an email per_email (lowest id wins), keeps them per_contact (K-2)', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    await ws.api('POST', '/api/v1/fields', { key: 'customer_id', type: 'text' });
    expect((await ws.api('PATCH', '/api/v1/workspace', { unique_key: 'customer_id' })).status).toBe(200);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Customers' })).body.id;
    const add = async (cid: string, address: string) => (await ws.api('POST', '/api/v1/contacts', { email: address, fields: { customer_id: cid }, list_ids: [list] })).body.id as number;
    const first = await add('A1', 'Same@example.com');
    const second = await add('A2', 'same@example.com');
    const other = await add('A3', 'other@example.com');
    expect(second).toBeGreaterThan(first);
    const perEmail = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, duplicates: 'per_email' });
    expect((await ws.api('POST', `/api/v1/campaigns/${perEmail}/calculate`)).body).toMatchObject({ matching: 3, duplicates_collapsed: 1, recipients: 2 });
    await launch(ws, perEmail);
    await t.app.drain();
    expect((await deliveries(t, ws, perEmail)).map((d) => d.contact_id)).toEqual([first, other]);
    const perContact = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, duplicates: 'per_contact' });
    await launch(ws, perContact);
    await t.app.drain();
    expect((await deliveries(t, ws, perContact)).map((d) => d.contact_id)).toEqual([first, second, other]);
    expect((await ws.api('GET', `/api/v1/campaigns/${perEmail}/report`)).body.totals.duplicates_collapsed).toBe(1);
  });
});

describe('channels and language versions', () => {
  it('forces one language version when asked, else each contact gets theirs', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws, 'News', { languages: { fr: { subject: 'Nouvelles' }, de: { subject: 'Neuigkeiten' } } });
    const fr = await listOf(t, ws, 2, 'f', { language: 'fr' });
    const de = await listOf(t, ws, 1, 'd', { language: 'de-AT' });
    const plain = await campaign(ws.api, { message_id: m, recipients: { lists: [fr.list, de.list] } });
    await launch(ws, plain);
    await t.app.drain();
    expect((await deliveries(t, ws, plain)).map((d) => d.language)).toEqual(['fr', 'fr', 'de']);
    const forced = await campaign(ws.api, { message_id: m, recipients: { lists: [fr.list, de.list] }, options: { language: 'de' } });
    await launch(ws, forced);
    await t.app.drain();
    const subjects = (await outbox(t, ws)).map((o) => o.subject);
    expect(subjects.slice(3)).toEqual(['Neuigkeiten', 'Neuigkeiten', 'Neuigkeiten']);
    const missing = await campaign(ws.api, { message_id: m, recipients: { lists: [fr.list] }, options: { language: 'es' } });
    const p = await ws.api('POST', `/api/v1/campaigns/${missing}/prepare`);
    expect(p.body.checks.find((c: any) => c.key === 'language')).toMatchObject({ ok: false, problems: ['message: no es version'] });
  });

  it('sends an SMS campaign only to contacts who opted in', async () => {
    const ws = await newWorkspace(t);
    const sms = (await ws.api('POST', '/api/v1/messages', { name: 'SMS', channel: 'sms', content: { text: 'Hi {{ contact.first_name }}, sale today' } })).body.id;
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Phones' })).body.id;
    const yes = (await ws.api('POST', '/api/v1/contacts', { email: 'yes@example.com', phone: '+33612345678', first_name: 'Yves', list_ids: [list] })).body.id;
    await ws.api('POST', '/api/v1/contacts', { email: 'no@example.com', phone: '+33612345679', list_ids: [list] });
    await ws.api('POST', '/api/v1/contacts', { email: 'nophone@example.com', list_ids: [list] });
    await ws.api('POST', `/api/v1/contacts/${yes}/consent`, { channel: 'sms', status: 'opted_in' });
    const id = await campaign(ws.api, { message_id: sms, recipients: { lists: [list] } });
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body).toMatchObject({ matching: 3, no_address: 1, suppressed: 1, recipients: 1 });
    await launch(ws, id);
    await t.app.drain();
    const sent = await outbox(t, ws);
    expect(sent.map((o) => o.to_address)).toEqual(['+33612345678']);
  });
});

describe('approval (K-6)', () => {
  it('runs the checklist and lists every problem; a failing campaign stays a draft', async () => {
    const ws = await newWorkspace(t);
    const bad = (await ws.api('POST', '/api/v1/messages', { name: 'bad', channel: 'email', content: { subject: '{{ contact.first_name }}', body: '<p><a href="{{ contact.site }}">site</a> <a href="/relative">x</a></p>' } })).body.id;
    await ws.api('POST', '/api/v1/fields', { key: 'site', type: 'text' });
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'L' })).body.id;
    await ws.api('POST', '/api/v1/contacts', { email: 'nameless@example.com', fields: { site: 'not a url' }, list_ids: [list] });
    const id = await campaign(ws.api, { message_id: bad, recipients: { lists: [list] } });
    const p = await ws.api('POST', `/api/v1/campaigns/${id}/prepare`);
    expect(p.status).toBe(200);
    expect(p.body.ok).toBe(false);
    expect(p.body.status).toBe('draft');
    const failed = Object.fromEntries(p.body.checks.filter((c: any) => !c.ok).map((c: any) => [c.key, c.problems]));
    expect(Object.keys(failed).sort()).toEqual(['links', 'personalization', 'sender', 'unsubscribe_link']);
    expect(failed.links.join(' ')).toMatch(/\/relative/);
    expect(failed.links.join(' ')).toMatch(/not a url/);
    expect(failed.personalization[0]).toMatch(/subject renders empty/);
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(409);
    const empty = await campaign(ws.api, { message_id: bad, recipients: { lists: [] } });
    const e = await ws.api('POST', `/api/v1/campaigns/${empty}/prepare`);
    expect(e.body.checks.find((c: any) => c.key === 'recipients').ok).toBe(false);
  });

  it('needs the approve permission, keeps an audit log, lists pending approvals, and a rejection goes back to draft', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list } = await listOf(t, ws, 3);
    const author = await ws.as('author');
    const approver = await ws.as('approver');
    const id = await campaign(author, { name: 'Spring sale', message_id: m, recipients: { lists: [list] } });
    expect((await (await ws.as('viewer'))('POST', `/api/v1/campaigns/${id}/prepare`)).status).toBe(403);
    expect((await author('POST', `/api/v1/campaigns/${id}/prepare`)).body.ok).toBe(true);
    expect((await author('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(403);
    const pending = (await approver('GET', '/api/v1/approvals/pending')).body.data;
    expect(pending).toEqual([expect.objectContaining({ id, name: 'Spring sale', recipients: 3 })]);
    expect((await approver('POST', `/api/v1/campaigns/${id}/reject`, {})).status).toBe(400);
    expect((await approver('POST', `/api/v1/campaigns/${id}/reject`, { reason: 'Wrong date in the subject' })).body.status).toBe('rejected');
    const edited = await author('PATCH', `/api/v1/campaigns/${id}`, { name: 'Spring sale (fixed)' });
    expect(edited.body.status, JSON.stringify(edited.body)).toBe('draft');
    expect((await author('POST', `/api/v1/campaigns/${id}/prepare`)).body.ok).toBe(true);
    expect((await approver('POST', `/api/v1/campaigns/${id}/approve`)).body.status).toBe('approved');
    expect((await approver('GET', '/api/v1/approvals/pending')).body.data).toEqual([]);
    await t.app.drain();
    const log = (await ws.api('GET', `/api/v1/campaigns/${id}/audit`)).body.data;
    expect(log.map((a: any) => a.action)).toEqual(['created', 'prepared', 'rejected', 'edited_back_to_draft', 'prepared', 'approved', 'sending', 'queued', 'sent']);
    expect(log.find((a: any) => a.action === 'rejected')).toMatchObject({ reason: 'Wrong date in the subject', role: 'approver', via: 'api_key' });
    expect((await author('PATCH', `/api/v1/campaigns/${id}`, { name: 'late' })).status).toBe(409);
  });

  it("refuses the author's own approval, and API keys, when the workspace requires another approver", async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list } = await listOf(t, ws, 2);
    await ws.api('PATCH', '/api/v1/workspace', { settings: { approval_requires_other_user: true } });
    const alice = await login(ws, `alice-${ws.id}@example.com`, 'admin');
    const bob = await login(ws, `bob-${ws.id}@example.com`, 'approver');
    const id = await campaign(alice, { message_id: m, recipients: { lists: [list] } });
    expect((await alice('POST', `/api/v1/campaigns/${id}/prepare`)).body.ok).toBe(true);
    const own = await alice('POST', `/api/v1/campaigns/${id}/approve`);
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/another user/);
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(403);
    const ok = await bob('POST', `/api/v1/campaigns/${id}/approve`);
    expect(ok.status).toBe(200);
    const log = (await ws.api('GET', `/api/v1/campaigns/${id}/audit`)).body.data;
    expect(log.find((a: any) => a.action === 'approved')).toMatchObject({ via: 'session', role: 'approver', user_email: `bob-${ws.id}@example.com` });
    expect(log.find((a: any) => a.action === 'prepared').user_email).toBe(`alice-${ws.id}@example.com`);
  });

  it('does not let the user who created or edited a campaign or its message approve it, whoever pressed Prepare (issue 16)', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 2);
    await ws.api('PATCH', '/api/v1/workspace', { settings: { approval_requires_other_user: true } });
    const admin = await login(ws, `adam-${ws.id}@example.com`, 'admin');
    const colleague = await login(ws, `cleo-${ws.id}@example.com`, 'admin');
    const writer = await login(ws, `wren-${ws.id}@example.com`, 'admin');
    const approver = await login(ws, `paul-${ws.id}@example.com`, 'approver');
    const m = await email(ws);
    await writer('PATCH', `/api/v1/messages/${m}`, { content: { subject: 'News', body: '<p>Edited by Wren</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>' } });
    const id = await campaign(admin, { message_id: m, recipients: { lists: [list] } });
    expect((await colleague('POST', `/api/v1/campaigns/${id}/prepare`)).body.ok).toBe(true);
    for (const [who, api] of [['adam', admin], ['cleo', colleague], ['wren', writer]] as const) {
      const r = await api('POST', `/api/v1/campaigns/${id}/approve`);
      expect(r.status, who).toBe(403);
      expect(r.body.error.message, who).toContain(`${who}-${ws.id}@example.com`);
    }
    expect((await approver('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(200);
  });
});

describe('results (K-8) and the hold-out (K-3)', () => {
  it('holds out a reproducible control group that gets nothing, and compares its purchases', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws);
    const { list, ids } = await listOf(t, ws, 60);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, control_group_percent: 30 });
    const calc = (await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body;
    expect(calc.control_group).toBeGreaterThan(5);
    expect(calc.control_group + calc.recipients).toBe(60);
    await launch(ws, id);
    await t.app.drain();
    const held = (await t.db.query<{ contact_id: number }>(sql`select contact_id from campaign_holdouts where workspace_id = ${ws.id} and campaign_id = ${id}`)).rows.map((r) => r.contact_id);
    expect(held).toHaveLength(calc.control_group);
    const got = (await deliveries(t, ws, id)).map((d) => d.contact_id);
    expect(got).toHaveLength(calc.recipients);
    expect(got.filter((c) => held.includes(c))).toEqual([]);
    // later purchases: half of the recipients, a tenth of the control group
    const buyers = [...got.filter((_, i) => i % 2 === 0), ...held.filter((_, i) => i % 10 === 0)];
    expect((await ws.api('POST', '/api/v1/events', { events: buyers.map((c) => ({ contact_id: c, type: 'purchase' })) })).status).toBe(202);
    const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report?event=purchase&days=14`)).body;
    expect(rep.totals.control_group).toBe(calc.control_group);
    expect(rep.holdout.recipients).toEqual({ n: got.length, converted: Math.ceil(got.length / 2) });
    expect(rep.holdout.control).toEqual({ n: held.length, converted: Math.ceil(held.length / 10) });
    expect(rep.holdout.lift).toBeGreaterThan(1);
    expect(rep.holdout.ci95[0]).toBeLessThan(rep.holdout.difference);
    expect(ids).toHaveLength(60);
  });

  it('counts opens, clicks per link, bounces and unsubscribes, per language and over time', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws, 'News', { languages: { fr: { subject: 'Nouvelles' } } });
    const en = await listOf(t, ws, 3, 'e', { language: 'en' });
    const fr = await listOf(t, ws, 2, 'f', { language: 'fr-CA' });
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [en.list, fr.list] } });
    await launch(ws, id);
    await t.app.drain();
    const sent = await outbox(t, ws);
    expect(sent.filter((o) => o.subject === 'Nouvelles')).toHaveLength(2);
    const get = (url: string) => t.http.inject({ method: 'GET', url: url.replace('http://parcours.test', '') });
    for (const o of sent.slice(0, 3)) await get(/src="([^"]+\.gif)"/.exec(o.html)![1]);
    await get(/src="([^"]+\.gif)"/.exec(sent[0].html)![1]);
    const links = (o: { html: string }) => [...o.html.matchAll(/href="(http:\/\/parcours\.test\/t\/c\/[^"]+)"/g)].map((x) => x[1].replace(/&amp;/g, '&'));
    await get(links(sent[0])[0]);
    await get(links(sent[0])[0]);
    await get(links(sent[3])[1]);
    await ws.api('POST', '/api/v1/webhooks/bounces', { delivery_id: sent.find((o) => o.subject === 'Nouvelles')!.delivery_id, type: 'hard' });
    const unsub = /href="http:\/\/parcours\.test(\/u\/[^"]+)"/.exec(sent[1].html)![1];
    await t.http.inject({ method: 'POST', url: unsub, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
    expect(rep.totals).toMatchObject({ sent: 5, delivered: 4, bounced: 1, opened: 3, opened_total: 4, clicked: 2, clicked_total: 3, unsubscribed: 1 });
    expect(rep.links).toEqual([
      { url: 'https://shop.example/sale', clicks: 2, contacts: 1 },
      { url: 'https://shop.example/new', clicks: 1, contacts: 1 },
    ]);
    expect(rep.languages.fr).toMatchObject({ sent: 2, bounced: 1, delivered: 1 });
    expect(rep.languages.default).toMatchObject({ sent: 3, bounced: 0 });
    expect(rep.hourly).toEqual([{ hour: '2026-01-05T09:00', sent: 5, opened: 4, clicked: 3 }]);
    expect(rep.daily).toEqual([{ day: '2026-01-05', sent: 5, opened: 4, clicked: 3 }]);
  });

  it('computes the difference of proportions with a 95 % interval', () => {
    const r = compareProportions({ n: 1000, converted: 120 }, { n: 1000, converted: 100 });
    expect(r.difference).toBeCloseTo(0.02, 10);
    expect(r.lift).toBeCloseTo(0.2, 10);
    expect(r.ci95![0]).toBeCloseTo(0.02 - 1.96 * Math.sqrt((0.12 * 0.88) / 1000 + (0.1 * 0.9) / 1000), 10);
    expect(r.significant).toBe(false);
    expect(compareProportions({ n: 10, converted: 1 }, { n: 0, converted: 0 }).lift).toBeNull();
  });
});

describe('resend (C-6)', () => {
  it('sends the same version again to the contact now, and refuses without consent', async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const m = await email(ws, 'Version one');
    const { list, ids } = await listOf(t, ws, 2);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, id);
    await t.app.drain();
    const [d] = await deliveries(t, ws, id);
    await ws.api('PATCH', `/api/v1/messages/${m}`, { content: { subject: 'Version two', body: '<p>{{ unsubscribe_url }}</p>' } });
    const r = await ws.api('POST', `/api/v1/contacts/${ids[0]}/resend`, { delivery_id: d.id });
    expect(r.status).toBe(202);
    await t.app.drain();
    const mine = (await outbox(t, ws)).filter((o) => o.to_address === 'c1@example.com').map((o) => o.subject);
    expect(mine).toEqual(['Version one', 'Version one']);
    const again = (await ws.api('GET', `/api/v1/deliveries/${r.body.delivery_id}`)).body;
    expect(again).toMatchObject({ source: 'resend', message_version: 1, status: 'sent', campaign_id: id });
    expect((await ws.api('POST', `/api/v1/contacts/${ids[1]}/resend`, { delivery_id: d.id })).status).toBe(404);
    await ws.api('POST', `/api/v1/contacts/${ids[0]}/consent`, { channel: 'email', status: 'unsubscribed' });
    const refused = await ws.api('POST', `/api/v1/contacts/${ids[0]}/resend`, { delivery_id: d.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/unsubscribed/);
  });
});
