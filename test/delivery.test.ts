import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp, type Workspace } from './helpers.ts';
import { scheduleDeliveries } from '../src/delivery/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const BODY = '<p>Hello {{ contact.first_name | default: "friend" }} ({{ contact.plan }})</p><p><a href="https://shop.example/sale?x=1">Sale</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>';

async function setup(ws: Workspace, contact: Record<string, unknown> = {}) {
  await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
  await ws.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
  const m = await ws.api('POST', '/api/v1/messages', { name: 'Sale', channel: 'email', content: { subject: 'Hi {{ contact.first_name }}', body: BODY } });
  expect(m.status).toBe(201);
  const c = await ws.api('POST', '/api/v1/contacts', { email: 'ana@example.com', first_name: 'Ana', fields: { plan: 'gold' }, ...contact });
  return { message: m.body, contact: c.body };
}

async function queue(ws: Workspace, message: any, contact: any, extra: Record<string, unknown> = {}) {
  const [d] = await scheduleDeliveries(t.db, t.clock.now(), [{
    workspaceId: ws.id, idempotencyKey: `test:${Math.random()}`, contactId: contact.id, messageId: message.id, messageVersion: message.version,
    channel: message.channel, to: message.channel === 'email' ? contact.email : contact.phone, source: 'campaign', sendAt: t.clock.now(), ...extra,
  }]);
  return d.id;
}

async function delivery(ws: Workspace, id: number) {
  return (await ws.api('GET', `/api/v1/deliveries/${id}`)).body;
}

async function outboxFor(ws: Workspace, deliveryId: number) {
  const list = await ws.api('GET', '/api/v1/outbox?limit=500');
  const item = list.body.data.find((o: any) => o.delivery_id === deliveryId);
  return item ? (await ws.api('GET', `/api/v1/outbox/${item.id}`)).body : undefined;
}

describe('sending through the outbox (M-1, M-2, M-3)', () => {
  it('personalises, signs the links, adds the open pixel and one-click headers, and logs message.sent', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact);
    await t.app.drain();
    expect((await delivery(ws, id)).status).toBe('sent');
    const out = await outboxFor(ws, id);
    expect(out.subject).toBe('Hi Ana');
    expect(out.from_address).toBe('"Shop" <news@shop.example>');
    expect(out.html).toContain('Hello Ana (gold)');
    expect(out.html).not.toContain('https://shop.example/sale'); // rewritten to a tracked link
    expect(out.html).toMatch(/\/t\/o\/[^"]+\.gif/);
    expect(out.text).toContain('Hello Ana');
    expect(out.headers['List-Unsubscribe']).toMatch(/^<http:\/\/parcours\.test\/u\//);
    expect(out.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const events = (await ws.api('GET', `/api/v1/contacts/${contact.id}/events`)).body.data;
    expect(events.find((e: any) => e.type === 'message.sent').data).toMatchObject({ delivery_id: id, message_id: message.id, channel: 'email' });
  });

  it('redirects a signed click only to the URL in the message, records opens and clicks, rejects forged tokens', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact);
    await t.app.drain();
    const html = (await outboxFor(ws, id)).html as string;
    const click = /href="http:\/\/parcours\.test(\/t\/c\/[^"]+)"/.exec(html)![1].replace(/&amp;/g, '&');
    const pixel = /src="http:\/\/parcours\.test(\/t\/o\/[^"]+)"/.exec(html)![1];
    const res = await t.http.inject({ method: 'GET', url: click });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://shop.example/sale?x=1');
    expect((await t.http.inject({ method: 'GET', url: pixel })).headers['content-type']).toBe('image/gif');
    // another URL with this delivery's genuine token and the sale link's signature: refused
    const forged = click.replace(/\?u=.*$/, `?u=${encodeURIComponent('https://evil.example/')}`);
    expect((await t.http.inject({ method: 'GET', url: forged })).statusCode).toBe(404);
    const badToken = click.replace(/\/t\/c\/([^/]+)\//, (_m, tok: string) => `/t/c/${tok.slice(0, -2)}xx/`);
    expect((await t.http.inject({ method: 'GET', url: badToken })).statusCode).toBe(404);
    const events = (await ws.api('GET', `/api/v1/contacts/${contact.id}/events`)).body.data.map((e: any) => [e.type, e.data.url]);
    expect(events).toContainEqual(['message.clicked', 'https://shop.example/sale?x=1']);
    expect(events.filter((e: any) => e[0] === 'message.opened')).toHaveLength(1);
  });

  it('unsubscribes on the RFC 8058 one-click POST, never on a GET', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact);
    await t.app.drain();
    const url = /^<http:\/\/parcours\.test(\/u\/[^>]+)>$/.exec((await outboxFor(ws, id)).headers['List-Unsubscribe'])![1];
    expect((await t.http.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${contact.id}`)).body.email_status).toBe('subscribed');
    const post = await t.http.inject({ method: 'POST', url, payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.statusCode).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${contact.id}`)).body.email_status).toBe('unsubscribed');
    const hist = (await ws.api('GET', `/api/v1/contacts/${contact.id}/consent-history`)).body.data;
    expect(hist[0]).toMatchObject({ channel: 'email', status: 'unsubscribed', source: 'unsubscribe_link' });
    // and the next marketing email is suppressed at send time
    const next = await queue(ws, message, contact);
    await t.app.drain();
    expect((await delivery(ws, next)).status).toBe('suppressed');
    expect(await outboxFor(ws, next)).toBeUndefined();
  });

  it('suppresses marketing email to bounced, complained or suppressed addresses and SMS without consent; transactional email goes', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws, { phone: '+33612345678' });
    const sms = (await ws.api('POST', '/api/v1/messages', { name: 'SMS', channel: 'sms', content: { text: 'Hi {{ contact.first_name }}' } })).body;
    expect(sms.sms_segments.default).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    await ws.api('POST', '/api/v1/suppressions', { address: 'ANA@example.com' });
    const marketing = await queue(ws, message, contact);
    const transactional = await queue(ws, message, contact, { transactional: true, source: 'transactional' });
    const smsNoConsent = await queue(ws, sms, contact);
    await t.app.drain();
    expect((await delivery(ws, marketing)).status).toBe('suppressed');
    expect((await delivery(ws, transactional)).status).toBe('sent');
    expect((await delivery(ws, smsNoConsent)).status).toBe('suppressed');
    await ws.api('POST', `/api/v1/contacts/${contact.id}/consent`, { channel: 'sms', status: 'opted_in' });
    const smsOk = await queue(ws, sms, contact);
    await t.app.drain();
    expect((await delivery(ws, smsOk)).status).toBe('sent');
    expect((await outboxFor(ws, smsOk)).text).toBe('Hi Ana');
  });

  it('turns a hard bounce, three soft bounces in a row, or a complaint into suppression (generic and Postmark webhooks)', async () => {
    const ws = await newWorkspace(t);
    const { contact } = await setup(ws);
    for (let i = 0; i < 2; i++) await ws.api('POST', '/api/v1/webhooks/bounces', { email: 'ana@example.com', type: 'soft' });
    expect((await ws.api('GET', `/api/v1/contacts/${contact.id}`)).body.email_status).toBe('subscribed');
    await ws.api('POST', '/api/v1/webhooks/bounces', { email: 'ana@example.com', type: 'soft' });
    expect((await ws.api('GET', `/api/v1/contacts/${contact.id}`)).body.email_status).toBe('bounced');
    const b = (await ws.api('POST', '/api/v1/contacts', { email: 'bo@example.com' })).body;
    const postmark = apiClient(t.http, { authorization: `Basic ${Buffer.from(`postmark:${ws.key}`).toString('base64')}` });
    // payload shaped as in Postmark's bounce webhook documentation
    const r = await postmark('POST', '/api/v1/webhooks/postmark', {
      RecordType: 'Bounce', ID: 4323372036854775807, Type: 'HardBounce', TypeCode: 1, Name: 'Hard bounce', Tag: 'Test',
      MessageID: '883953f4-6105-42a2-a16a-77a8eac79483', ServerID: 23, MessageStream: 'outbound',
      Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).', Details: 'Test bounce details',
      Email: 'bo@example.com', From: 'sender@example.com', BouncedAt: '2019-11-05T16:33:54.9070259Z', DumpAvailable: true, Inactive: true, CanActivate: true, Subject: 'Test subject',
    });
    expect(r.body).toMatchObject({ matched: true, status: 'bounced' });
    expect((await ws.api('GET', `/api/v1/contacts/${b.id}`)).body.email_status).toBe('bounced');
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'cy@example.com' })).body;
    await postmark('POST', '/api/v1/webhooks/postmark', { RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, Email: 'cy@example.com' });
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.email_status).toBe('complained');
    const supp = (await ws.api('GET', '/api/v1/suppressions')).body.data.map((s: any) => `${s.address}:${s.reason}`).sort();
    expect(supp).toEqual(['ana@example.com:bounced', 'bo@example.com:bounced', 'cy@example.com:complained']);
  });
});

describe('windows and deadlines (M-4, M-5)', () => {
  it('holds a delivery due outside its window until the next opening, then sends it at that time', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    // T0 is Monday 09:00 UTC = 10:00 Paris; the window opens at 14:00 Paris on weekdays
    const window = { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '14:00', end: '18:00' };
    const id = await queue(ws, message, contact, { options: { window } });
    await t.app.drain();
    const held = await delivery(ws, id);
    expect(held.status).toBe('queued');
    expect(new Date(held.send_at).toISOString()).toBe(new Date(t.clock.now().toISOString().slice(0, 10) + 'T13:00:00Z').toISOString());
    expect(held.attempts).toBe(0);
    await t.app.advance(new Date(t.clock.now().getTime() + 8 * 3600_000));
    const sent = await delivery(ws, id);
    expect(sent.status).toBe('sent');
    expect(new Date(sent.sent_at).toISOString().slice(11, 16)).toBe('13:00');
  });

  it('expires a delivery whose deadline passed', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact, { sendAt: new Date(t.clock.now().getTime() + 3600_000), deadline: new Date(t.clock.now().getTime() + 1800_000) });
    await t.app.advance(new Date(t.clock.now().getTime() + 2 * 3600_000));
    expect((await delivery(ws, id)).status).toBe('expired');
  });

  it('never creates two deliveries for one idempotency key', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const d = { workspaceId: ws.id, idempotencyKey: 'campaign:1:contact:1', contactId: contact.id, messageId: message.id, messageVersion: 1, channel: 'email' as const, to: contact.email, source: 'campaign' as const, sendAt: t.clock.now() };
    expect(await scheduleDeliveries(t.db, t.clock.now(), [d])).toHaveLength(1);
    expect(await scheduleDeliveries(t.db, t.clock.now(), [d])).toHaveLength(0);
  });
});

describe('messages (M-1)', () => {
  it('refuses a broken template with the line and column, and previews as a contact', async () => {
    const ws = await newWorkspace(t);
    const bad = await ws.api('POST', '/api/v1/messages', { name: 'x', channel: 'email', content: { subject: 'ok', body: '<p>\n  {{ contact.first_name | nosuchfilter }}</p>' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('content.body');
    expect(bad.body.error.details[0].message).toMatch(/line:? ?2, col(umn)?:? ?3/);
    const { message, contact } = await setup(ws);
    const p = await ws.api('POST', `/api/v1/messages/${message.id}/preview`, { contact_id: contact.id });
    expect(p.body.subject).toBe('Hi Ana');
    expect(p.body.html).toContain('Hello Ana (gold)');
    const anon = await ws.api('POST', `/api/v1/messages/${message.id}/preview`, {});
    expect(anon.body.html).toContain('Hello friend');
  });

  it('keeps versions: a queued delivery renders the version it was queued with', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact);
    const edited = await ws.api('PATCH', `/api/v1/messages/${message.id}`, { content: { subject: 'New subject', body: '<p>v2</p>' } });
    expect(edited.body.version).toBe(2);
    const id2 = await queue(ws, edited.body, contact);
    await t.app.drain();
    expect((await outboxFor(ws, id)).subject).toBe('Hi Ana');
    expect((await outboxFor(ws, id2)).subject).toBe('New subject');
  });

  it('picks the language version of the contact, falling back to the default', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'L', channel: 'email', content: { subject: 'Hello', body: '<p>Hello</p>', languages: { fr: { subject: 'Bonjour', body: '<p>Bonjour</p>' } } } })).body;
    const fr = (await ws.api('POST', '/api/v1/contacts', { email: 'fr@example.com', language: 'fr-CA' })).body;
    const de = (await ws.api('POST', '/api/v1/contacts', { email: 'de@example.com', language: 'de' })).body;
    const a = await queue(ws, m, fr);
    const b = await queue(ws, m, de);
    await t.app.drain();
    expect((await outboxFor(ws, a)).subject).toBe('Bonjour');
    expect((await outboxFor(ws, b)).subject).toBe('Hello');
  });

  it('sends a test to given addresses with a [TEST] prefix', async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const r = await ws.api('POST', `/api/v1/messages/${message.id}/test`, { to: ['qa@example.com'], contact_id: contact.id });
    expect(r.status).toBe(202);
    await t.app.drain();
    const out = await outboxFor(ws, r.body.deliveries[0]);
    expect([out.to_address, out.subject]).toEqual(['qa@example.com', '[TEST] Hi Ana']);
    expect((await ws.api('POST', `/api/v1/messages/${message.id}/test`, { to: ['nope'] })).body.error.details[0].path).toBe('to[0]');
  });
});

describe('signup forms and SMS keywords (C-5, M-6)', () => {
  it('double opt-in: the contact joins only after following the signed link, with consent source and IP', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Weekly' })).body;
    const form = await ws.api('PUT', `/api/v1/lists/${list.id}/form`, { enabled: true, double_opt_in: true });
    expect(form.body.embed_html).toContain('<form');
    const path = new URL(form.body.form_url).pathname;
    const res = await t.http.inject({ method: 'POST', url: path, payload: 'email=new%40example.com&first_name=Nora', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(202);
    expect((await ws.api('GET', `/api/v1/contacts?list_id=${list.id}`)).body.data).toHaveLength(0);
    await t.app.drain();
    const mail = (await ws.api('GET', '/api/v1/outbox?to=new@example.com')).body.data[0];
    const body = (await ws.api('GET', `/api/v1/outbox/${mail.id}`)).body;
    const confirm = /href="http:\/\/parcours\.test(\/f\/confirm\/[^"]+)"/.exec(body.html)![1];
    expect((await t.http.inject({ method: 'GET', url: confirm, remoteAddress: '203.0.113.7' })).statusCode).toBe(200);
    const members = (await ws.api('GET', `/api/v1/contacts?list_id=${list.id}`)).body.data;
    expect(members.map((c: any) => [c.email, c.first_name])).toEqual([['new@example.com', 'Nora']]);
    const hist = (await ws.api('GET', `/api/v1/contacts/${members[0].id}/consent-history`)).body.data;
    expect(hist[0]).toMatchObject({ status: 'subscribed', source: 'form', ip: '203.0.113.7' });
    const bad = await t.http.inject({ method: 'POST', url: path, payload: { email: 'nope' } });
    expect(bad.statusCode).toBe(400);
  });

  it('rate-limits signups per IP', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Busy' })).body;
    const path = new URL((await ws.api('PUT', `/api/v1/lists/${list.id}/form`, { enabled: true })).body.form_url).pathname;
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await t.http.inject({ method: 'POST', url: path, payload: { email: `r${i}@example.com` }, remoteAddress: '198.51.100.9' })).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 201)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });

  it('opts out on STOP and back in on START, in the consent history', async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 's@example.com', phone: '+33611111111', sms_status: 'opted_in' })).body;
    const url = new URL((await ws.api('GET', '/api/v1/sms/inbound-url')).body.url).pathname;
    const post = (body: string) => t.http.inject({ method: 'POST', url, payload: `From=%2B33611111111&To=%2B15550001111&Body=${encodeURIComponent(body)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post('Arrêt')).statusCode).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.sms_status).toBe('opted_out');
    await post('START');
    const hist = (await ws.api('GET', `/api/v1/contacts/${c.id}/consent-history`)).body.data.filter((h: any) => h.channel === 'sms');
    expect(hist.map((h: any) => `${h.status}:${h.source}`)).toEqual(['opted_in:sms_keyword', 'opted_out:sms_keyword', 'opted_in:api']);
  });
});

describe('preferences and SMS invitation (C-4, M-6)', () => {
  it('lets a contact choose lists, and opt into SMS from an emailed invitation', async () => {
    const ws = await newWorkspace(t);
    const a = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body;
    const b = (await ws.api('POST', '/api/v1/lists', { name: 'Offers' })).body;
    await ws.api('PUT', `/api/v1/lists/${b.id}/form`, { enabled: true });
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'Invite', channel: 'email', content: { subject: 'Texts?', body: '<a href="{{ preferences_url }}">prefs</a> <a href="{{ sms_optin_url }}">Get texts</a>' } })).body;
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'p@example.com', list_ids: [a.id] })).body;
    const id = await queue(ws, m, c);
    await t.app.drain();
    const html = (await outboxFor(ws, id)).html as string;
    const prefs = /href="http:\/\/parcours\.test(\/p\/[^"]+)"/.exec(html)![1];
    const page = await t.http.inject({ method: 'GET', url: prefs });
    expect(page.body).toContain('News');
    expect(page.body).toContain('Offers');
    await t.http.inject({ method: 'POST', url: prefs, payload: `list_${b.id}=on`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.lists.map((l: any) => l.name)).toEqual(['Offers']);
    const sms = /href="http:\/\/parcours\.test(\/s\/[^"]+)"/.exec(html)![1];
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const r = await t.http.inject({ method: 'POST', url: sms, payload: 'phone=%2B33 6 12 34 56 78&consent=yes', headers: form });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('Enter your code');
    // the link alone proves nothing about the number (issue 16): nothing changes until the code comes back
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.sms_status).toBe('none');
    await t.app.drain();
    const text = (await ws.api('GET', '/api/v1/outbox?to=%2B33612345678')).body.data[0];
    const code = /code is (\d{6})/.exec((await ws.api('GET', `/api/v1/outbox/${text.id}`)).body.text)![1];
    const wrong = await t.http.inject({ method: 'POST', url: `${sms}/confirm`, payload: `code=${code === '000000' ? '111111' : '000000'}`, headers: form });
    expect(wrong.statusCode).toBe(400);
    expect((await t.http.inject({ method: 'POST', url: `${sms}/confirm`, payload: `code=${code}`, headers: form })).statusCode).toBe(200);
    const after = (await ws.api('GET', `/api/v1/contacts/${c.id}`)).body;
    expect([after.phone, after.sms_status]).toEqual(['+33612345678', 'opted_in']);
    const [last] = (await ws.api('GET', `/api/v1/contacts/${c.id}/consent-history`)).body.data;
    expect(last).toMatchObject({ channel: 'sms', status: 'opted_in', actor: 'the contact, with the code sent to +33612345678' });
    expect(last.proof.reason).toMatch(/code sent by SMS/);
  });

  it('limits SMS opt-in codes: one a minute, five tries each (issue 16)', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'Invite', channel: 'email', content: { subject: 'Texts?', body: '<a href="{{ sms_optin_url }}">Get texts</a>' } })).body;
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'codes@example.com' })).body;
    const id = await queue(ws, m, c);
    await t.app.drain();
    const sms = /href="http:\/\/parcours\.test(\/s\/[^"]+)"/.exec((await outboxFor(ws, id)).html as string)![1];
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const ask = () => t.http.inject({ method: 'POST', url: sms, payload: 'phone=%2B33699999999&consent=yes', headers: form });
    expect((await ask()).body).toContain('We sent a code');
    expect((await ask()).body).toContain('wait a minute');
    await t.app.drain();
    expect((await ws.api('GET', '/api/v1/outbox?to=%2B33699999999')).body.data).toHaveLength(1);
    for (let i = 0; i < 5; i++) await t.http.inject({ method: 'POST', url: `${sms}/confirm`, payload: 'code=abcdef', headers: form });
    const text = (await ws.api('GET', '/api/v1/outbox?to=%2B33699999999')).body.data[0];
    const code = /code is (\d{6})/.exec((await ws.api('GET', `/api/v1/outbox/${text.id}`)).body.text)![1];
    const late = await t.http.inject({ method: 'POST', url: `${sms}/confirm`, payload: `code=${code}`, headers: form });
    expect(late.body).toContain('expired or was tried too often');
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.sms_status).toBe('none');
  });

  it("applies a window in each contact's own time zone", async () => {
    const ws = await newWorkspace(t);
    const { message } = await setup(ws);
    const tokyo = (await ws.api('POST', '/api/v1/contacts', { email: 'tk@example.com', timezone: 'Asia/Tokyo' })).body;
    const window = { timezone: 'contact', fallback_timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '12:00' };
    const id = await queue(ws, message, tokyo, { options: { window } });
    await t.app.drain();
    const d = await delivery(ws, id);
    // 09:00 in Tokyo is 00:00 UTC, the day after the clock's current day
    expect(new Date(d.send_at).toISOString().slice(11, 16)).toBe('00:00');
  });
});

describe('delivery reports (M-3)', () => {
  it("logs message.delivered from Postmark's delivery webhook, found through the metadata we sent", async () => {
    const ws = await newWorkspace(t);
    const { message, contact } = await setup(ws);
    const id = await queue(ws, message, contact);
    await t.app.drain();
    const out = await outboxFor(ws, id);
    expect(out.headers['X-PM-Metadata-parcours-delivery']).toBe(`${ws.id}-${id}`);
    const postmark = apiClient(t.http, { authorization: `Basic ${Buffer.from(`x:${ws.key}`).toString('base64')}` });
    // shaped as Postmark's delivery webhook documentation shows
    const r = await postmark('POST', '/api/v1/webhooks/postmark', {
      RecordType: 'Delivery', ServerID: 23, MessageStream: 'outbound', MessageID: '00000000-0000-0000-0000-000000000000',
      Recipient: 'ana@example.com', Tag: 'welcome-email', DeliveredAt: '2026-01-05T09:00:05Z', Details: 'Test delivery webhook details',
      Metadata: { 'parcours-delivery': `${ws.id}-${id}` },
    });
    expect(r.body).toMatchObject({ matched: true });
    const events = (await ws.api('GET', `/api/v1/contacts/${contact.id}/events`)).body.data;
    expect(events.find((e: any) => e.type === 'message.delivered').data.delivery_id).toBe(id);
  });
});

describe('time is an input in templates', () => {
  it("'now' in the date filter is the sender's clock, not the machine's", async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
    const m = await ws.api('POST', '/api/v1/messages', { name: 'Dated', channel: 'email', content: {
      subject: "News of {{ 'now' | date: '%Y-%m-%d' }}", body: "<p>Today is {{ 'today' | date: '%d/%m/%Y' }}.</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>",
    } });
    expect(m.status).toBe(201);
    const c = await ws.api('POST', '/api/v1/contacts', { email: 'dated@example.com' });
    const id = await queue(ws, m.body, c.body);
    await t.app.drain();
    const out = await outboxFor(ws, id);
    const day = t.clock.now().toISOString().slice(0, 10); // the manual clock, months away from the machine's date
    expect(out.subject).toBe(`News of ${day}`);
    expect(out.html).toContain(`Today is ${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}.`);
  });
});
