import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp, type Workspace } from './helpers.ts';
import { inviteAndAccept } from './invite.ts';
import { scheduleDeliveries } from '../src/delivery/index.ts';
import { base64Signature } from '../src/integrations/signatures.ts';
import { PUBLIC_LIMITS } from '../src/http/rate-limit.ts';

/**
 * Issue 9, "Security": signed tokens cannot be forged or replayed across contacts, public
 * endpoints are rate-limited, sessions and CSRF are defended, roles hold (an author cannot
 * approve), and contact-supplied text is escaped in outbound HTML. SECURITY.md points here.
 */
let t: TestApp;
let ws: Workspace;
let message: { id: number; version: number };
const contacts: Record<'a' | 'b', { id: number; email: string }> = {} as any;
const mails: Record<'a' | 'b', { html: string; headers: Record<string, string>; delivery: number }> = {} as any;

const BODY = '<p>Hi {{ contact.first_name }} / {{ contact.first_name | raw }}</p><p><a href="https://shop.example/sale">Sale</a></p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a> <a href="{{ preferences_url }}">Preferences</a></p>';

async function eventCount() {
  return (await t.db.query<{ n: number }>('select count(*)::int as n from events where workspace_id = $1', [ws.id])).rows[0].n;
}
const statusOf = async (id: number) => (await ws.api('GET', `/api/v1/contacts/${id}`)).body.email_status;
const get = (url: string, extra: Record<string, unknown> = {}) => t.http.inject({ method: 'GET', url, ...extra });
const post = (url: string, payload = '', extra: Record<string, unknown> = {}) =>
  t.http.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...extra });

/** A token is base64url(JSON payload) + '.' + signature: decode, edit, re-encode, keep the signature. */
function withPayload(token: string, edit: (p: unknown[]) => unknown[]): string {
  const [body, sig] = [token.slice(0, token.lastIndexOf('.')), token.slice(token.lastIndexOf('.') + 1)];
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  return `${Buffer.from(JSON.stringify(edit(payload))).toString('base64url')}.${sig}`;
}
/** Another spelling of the last character: 'A' and 'B' end a 16-byte base64url MAC with the same bytes. */
const flipLast = (token: string) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
const flipFirstOfSig = (token: string) => { const i = token.lastIndexOf('.') + 1; return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1); };
const links = (html: string) => ({
  pixel: /src="http:\/\/parcours\.test(\/t\/o\/[^"]+)"/.exec(html)![1],
  click: /href="http:\/\/parcours\.test(\/t\/c\/[^"]+)"/.exec(html)![1].replace(/&amp;/g, '&'),
  unsubscribe: /href="http:\/\/parcours\.test(\/u\/[^"]+)"/.exec(html)![1],
  preferences: /href="http:\/\/parcours\.test(\/p\/[^"]+)"/.exec(html)![1],
});
const tokenOf = (path: string) => path.split('/')[path.startsWith('/t/') ? 3 : 2].replace(/\.gif$/, '');

beforeAll(async () => {
  t = await testApp();
  ws = await newWorkspace(t, 'Security');
  await ws.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
  const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body;
  message = (await ws.api('POST', '/api/v1/messages', { name: 'Sale', channel: 'email', content: { subject: 'Hi {{ contact.first_name }}', body: BODY } })).body;
  for (const [k, first] of [['a', '<script>alert("a")</script>'], ['b', 'Bob & <b>Co</b>']] as const) {
    const c = (await ws.api('POST', '/api/v1/contacts', { email: `${k}@example.com`, first_name: first, list_ids: [list.id] })).body;
    contacts[k] = { id: c.id, email: c.email };
    const [d] = await scheduleDeliveries(t.db, t.clock.now(), [{
      workspaceId: ws.id, idempotencyKey: `sec:${k}`, contactId: c.id, messageId: message.id, messageVersion: message.version,
      channel: 'email', to: c.email, source: 'campaign', sendAt: t.clock.now(),
    }]);
    await t.app.drain();
    const item = (await ws.api('GET', `/api/v1/outbox?to=${encodeURIComponent(c.email)}`)).body.data[0];
    const out = (await ws.api('GET', `/api/v1/outbox/${item.id}`)).body;
    mails[k] = { html: out.html, headers: out.headers, delivery: d.id };
  }
}, 60_000);
afterAll(() => t?.close());

describe('signed tokens cannot be forged or replayed across contacts (M-3, C-5, P-4)', () => {
  it('refuses a tampered open, click, unsubscribe or preferences token and records nothing', async () => {
    const a = links(mails.a.html);
    const before = await eventCount();
    const forged = [
      a.pixel.replace(tokenOf(a.pixel), flipLast(tokenOf(a.pixel))),
      a.click.replace(tokenOf(a.click), flipLast(tokenOf(a.click))),
      a.pixel.replace(tokenOf(a.pixel), flipFirstOfSig(tokenOf(a.pixel))),
      a.pixel.replace(tokenOf(a.pixel), `${tokenOf(a.pixel)}!!`), // junk base64 decoding would skip
      `${a.pixel.slice(0, a.pixel.lastIndexOf('.', a.pixel.length - 5))}.gif`, // signature cut off
      '/t/o/W10.AAAAAAAAAAAAAAAAAAAAAA.gif', // an empty payload with a made-up signature
    ];
    for (const url of forged) expect((await get(url)).statusCode, url).toBe(404);
    const unsub = a.unsubscribe.replace(tokenOf(a.unsubscribe), flipLast(tokenOf(a.unsubscribe)));
    expect((await post(unsub)).statusCode).toBe(404);
    const prefs = a.preferences.replace(tokenOf(a.preferences), flipLast(tokenOf(a.preferences)));
    expect((await get(prefs)).statusCode).toBe(404);
    expect((await post(prefs, 'unsubscribe_all=on')).statusCode).toBe(404);
    expect(await eventCount()).toBe(before);
    expect(await statusOf(contacts.a.id)).toBe('subscribed');
  });

  it("does not let contact A's token act on contact B: the ids are inside the signature", async () => {
    const a = links(mails.a.html);
    const before = await eventCount();
    // A's signature over a payload naming B's delivery and contact
    const unsubB = withPayload(tokenOf(a.unsubscribe), ([w]) => [w, mails.b.delivery, contacts.b.id]);
    expect((await post(`/u/${unsubB}`)).statusCode).toBe(404);
    expect((await post(`/p/${unsubB}`, 'unsubscribe_all=on')).statusCode).toBe(404);
    const openB = withPayload(tokenOf(a.pixel), ([w, , m]) => [w, mails.b.delivery, m]);
    expect((await get(`/t/o/${openB}.gif`)).statusCode).toBe(404);
    // a token of one purpose does not work as another: A's open token as an unsubscribe token
    expect((await post(`/u/${tokenOf(a.pixel)}`)).statusCode).toBe(404);
    // a genuine click token redirects only to the URLs of its message (no open redirect)
    const other = a.click.replace(/\?u=.*$/, `?u=${encodeURIComponent('https://evil.example/')}`);
    expect((await get(other)).statusCode).toBe(404);
    expect(await eventCount()).toBe(before);
    expect(await statusOf(contacts.b.id)).toBe('subscribed');
    // and A's own token does act, on A only
    expect((await post(a.unsubscribe)).statusCode).toBe(200);
    expect(await statusOf(contacts.a.id)).toBe('unsubscribed');
    expect(await statusOf(contacts.b.id)).toBe('subscribed');
  });

  it('confirms a double opt-in only with its genuine, unexpired token', async () => {
    const w = await newWorkspace(t, 'Opt-in');
    const list = (await w.api('POST', '/api/v1/lists', { name: 'Letters' })).body;
    const form = new URL((await w.api('PUT', `/api/v1/lists/${list.id}/form`, { enabled: true, double_opt_in: true })).body.form_url).pathname;
    for (const email of ['first@example.com', 'second@example.com'])
      expect((await t.http.inject({ method: 'POST', url: form, payload: { email }, remoteAddress: '198.51.100.20' })).statusCode).toBe(202);
    await t.app.drain();
    const confirmUrl = async (to: string) => {
      const item = (await w.api('GET', `/api/v1/outbox?to=${to}`)).body.data[0];
      const html = (await w.api('GET', `/api/v1/outbox/${item.id}`)).body.html as string;
      return /http:\/\/parcours\.test(\/f\/confirm\/[^"]+)"/.exec(html)![1];
    };
    const first = await confirmUrl('first@example.com');
    const second = await confirmUrl('second@example.com');
    const token = first.split('/').pop()!;
    const members = async () => (await w.api('GET', `/api/v1/contacts?list_id=${list.id}`)).body.data.map((c: any) => c.email);
    expect((await get(`/f/confirm/${flipLast(token)}`)).statusCode).toBe(404);
    // the first request's signature over the second request's id
    const secondId = JSON.parse(Buffer.from(second.split('/').pop()!.split('.')[0], 'base64url').toString('utf8'))[1];
    const swapped = withPayload(token, ([wsId, , exp]) => [wsId, secondId, exp]);
    expect((await get(`/f/confirm/${swapped}`)).statusCode).toBe(404);
    // a later expiry under the old signature
    expect((await get(`/f/confirm/${withPayload(token, ([a, b, exp]) => [a, b, Number(exp) + 30 * 86_400_000])}`)).statusCode).toBe(404);
    expect(await members()).toEqual([]);
    expect((await get(first)).statusCode).toBe(200);
    expect(await members()).toEqual(['first@example.com']);
    // the second link, followed after its 7 days, has expired
    await t.app.advance(new Date(t.clock.now().getTime() + 8 * 86_400_000));
    const late = await get(second);
    expect(late.statusCode).toBe(404);
    expect(late.body).toContain('expired');
    expect(await members()).toEqual(['first@example.com']);
  });

  it('refuses inbound webhooks with a bad, missing or other connection\'s signature and stores nothing', async () => {
    const shop = (await ws.api('POST', '/api/v1/integrations/connections', { kind: 'shopify', name: 'Shop' })).body;
    const other = (await ws.api('POST', '/api/v1/integrations/connections', { kind: 'shopify', name: 'Other', secret: 'another-secret-of-some-length' })).body;
    const generic = (await ws.api('POST', '/api/v1/integrations/connections', { kind: 'generic', name: 'G' })).body;
    const order = JSON.stringify({ id: 1, email: 'buyer@example.com', total_price: '10.00', currency: 'EUR', line_items: [] });
    const send = (url: string, body: string, headers: Record<string, string>) =>
      t.http.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', ...headers } });
    const url = `/api/v1/integrations/shopify/${shop.id}`;
    const before = await eventCount();
    const sig = base64Signature(shop.secret, order);
    const refused = [
      await send(url, order, {}),
      await send(url, order, { 'x-shopify-hmac-sha256': flipLast(sig) }),
      await send(url, order.replace('10.00', '99.00'), { 'x-shopify-hmac-sha256': sig }), // body changed after signing
      await send(`/api/v1/integrations/shopify/${other.id}`, order, { 'x-shopify-hmac-sha256': sig }), // signed for another connection
      await send(`/api/v1/integrations/events/${generic.id}`, JSON.stringify({ type: 'purchase', contact: { email: 'x@example.com' } }), { 'x-parcours-signature': createHmac('sha256', 'guess').update('x').digest('base64') }),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthenticated');
    }
    expect(await eventCount()).toBe(before);
    expect((await send(url, order, { 'x-shopify-hmac-sha256': sig })).statusCode).toBe(200);
    expect(await eventCount()).toBeGreaterThan(before);
  });

  it('signs outbound webhooks so a receiver can verify them (P-4)', async () => {
    const hook = (await ws.api('POST', '/api/v1/webhooks', { url: 'https://receiver.invalid/hook', event_types: ['*'] })).body;
    expect(hook.secret).toMatch(/.{16,}/);
    // the signature scheme is documented in src/integrations/WEBHOOKS.md and tested end to end in integrations.webhooks.test.ts
  });
});

describe('rate limits on public endpoints', () => {
  const limit = (name: string) => PUBLIC_LIMITS.find((l) => l.name === name)!.max;

  it('limits password guesses per client address, not the next client', async () => {
    // a different account each time: the per-account back-off is another test's
    let n = 0;
    const guess = (remoteAddress: string, headers: Record<string, string> = {}) =>
      t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: `nobody${n++}@example.com`, password: 'guess' }, remoteAddress, headers });
    const codes: number[] = [];
    for (let i = 0; i <= limit('login'); i++) codes.push((await guess('203.0.113.50')).statusCode);
    expect(codes.slice(0, limit('login')).every((c) => c === 401)).toBe(true);
    const last = await guess('203.0.113.50');
    expect(last.statusCode).toBe(429);
    expect(last.json().error.code).toBe('rate_limited');
    expect(last.headers['retry-after']).toBe('60');
    // a client cannot step around it by naming another address: X-Forwarded-For counts only from a trusted proxy
    expect((await guess('203.0.113.50', { 'x-forwarded-for': '198.51.100.77' })).statusCode).toBe(429);
    expect((await guess('203.0.113.51')).statusCode).toBe(401);
    // the window passes on the app's clock
    await t.app.advance(new Date(t.clock.now().getTime() + 61_000));
    expect((await guess('203.0.113.50')).statusCode).toBe(401);
  });

  it('limits the tracking, unsubscribe and confirmation links and the inbound webhooks per client', async () => {
    const cases: Array<[string, () => Promise<{ statusCode: number }>]> = [
      ['tracking', () => get('/t/o/x.y.gif', { remoteAddress: '203.0.113.60' })],
      ['unsubscribe', () => post('/u/x.y', '', { remoteAddress: '203.0.113.61' })],
      ['unsubscribe', () => get('/f/confirm/x.y', { remoteAddress: '203.0.113.62' })],
      ['inbound webhook', () => t.http.inject({ method: 'POST', url: '/api/v1/integrations/events/1', payload: '{}', headers: { 'content-type': 'application/json' }, remoteAddress: '203.0.113.63' })],
      ['inbound SMS', () => post('/hooks/sms/x.y', 'From=%2B33612345678&Body=STOP', { remoteAddress: '203.0.113.64' })],
    ];
    for (const [name, call] of cases) {
      for (let i = 0; i < limit(name); i++) expect((await call()).statusCode, `${name} #${i}`).not.toBe(429);
      expect((await call()).statusCode, name).toBe(429);
    }
    // the signup form's limit: delivery.test.ts, 'rate-limits signups per IP'
  });
});

describe('sessions and CSRF (P-3)', () => {
  let cookie: string;
  let csrf: string;
  beforeAll(async () => {
    await inviteAndAccept(t, ws, 'session-admin@example.com', 'a long password', 'admin');
    const login = await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'session-admin@example.com', password: 'a long password' }, remoteAddress: '192.0.2.10' });
    expect(login.statusCode).toBe(200);
    const set = String(login.headers['set-cookie']);
    expect(set).toMatch(/^parcours_session=[^;]{40,};/);
    expect(set).toMatch(/; HttpOnly/i);
    expect(set).toMatch(/; SameSite=Lax/i);
    expect(set).toMatch(/; Path=\//i);
    cookie = set.split(';')[0];
    csrf = login.json().csrf_token;
  });

  it('sets HttpOnly and SameSite on the session cookie, and Secure behind an https public URL', async () => {
    const secure = await testApp({ PUBLIC_URL: 'https://mail.example.com' });
    try {
      const w = await newWorkspace(secure, 'TLS');
      await inviteAndAccept(secure, w, 'tls@example.com', 'a long password', 'admin');
      const login = await secure.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'tls@example.com', password: 'a long password' } });
      expect(String(login.headers['set-cookie'])).toMatch(/; Secure/i);
      expect(String(login.headers['set-cookie'])).toMatch(/; HttpOnly/i);
    } finally {
      await secure.close();
    }
  });

  it('refuses a mutation with the session cookie but without the right X-CSRF-Token, and allows reads', async () => {
    const noToken = apiClient(t.http, { cookie });
    const wrong = apiClient(t.http, { cookie, 'x-csrf-token': `${csrf}x` });
    const right = apiClient(t.http, { cookie, 'x-csrf-token': csrf });
    for (const api of [noToken, wrong]) {
      const res = await api('POST', '/api/v1/lists', { name: 'CSRF' });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('csrf');
      expect((await api('DELETE', `/api/v1/contacts/${contacts.b.id}`)).status).toBe(403);
    }
    expect((await noToken('GET', '/api/v1/lists')).body.data.map((l: any) => l.name)).not.toContain('CSRF');
    expect((await right('POST', '/api/v1/lists', { name: 'CSRF' })).status).toBe(201);
    // another session's token does not do either
    const other = await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'session-admin@example.com', password: 'a long password' }, remoteAddress: '192.0.2.11' });
    expect((await apiClient(t.http, { cookie, 'x-csrf-token': other.json().csrf_token })('POST', '/api/v1/lists', { name: 'X' })).status).toBe(403);
  });

  it('ends a session on logout and after 14 days; a forged cookie is nobody', async () => {
    const login = await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'session-admin@example.com', password: 'a long password' }, remoteAddress: '192.0.2.12' });
    const c = String(login.headers['set-cookie']).split(';')[0];
    const api = apiClient(t.http, { cookie: c, 'x-csrf-token': login.json().csrf_token });
    expect((await api('GET', '/api/v1/me')).status).toBe(200);
    expect((await api('POST', '/api/v1/auth/logout')).status).toBe(200);
    expect((await api('GET', '/api/v1/me')).status).toBe(401);
    expect((await apiClient(t.http, { cookie: 'parcours_session=forged' })('GET', '/api/v1/me')).status).toBe(401);
    expect((await apiClient(t.http, { cookie })('GET', '/api/v1/me')).status).toBe(200);
    await t.app.advance(new Date(t.clock.now().getTime() + 15 * 86_400_000));
    expect((await apiClient(t.http, { cookie })('GET', '/api/v1/me')).status).toBe(401);
  });
});

describe('roles (P-3, K-6)', () => {
  it('does not let an author approve a campaign, nor a viewer write; an approver approves', async () => {
    const w = await newWorkspace(t, 'Roles');
    await w.api('POST', '/api/v1/senders', { from_name: 'Shop', from_email: 'news@shop.example' });
    const list = (await w.api('POST', '/api/v1/lists', { name: 'All' })).body;
    await w.api('POST', '/api/v1/contacts', { email: 'r@example.com', list_ids: [list.id] });
    const author = await w.as('author');
    const approver = await w.as('approver');
    const viewer = await w.as('viewer');
    const m = (await author('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'S', body: '<p>x <a href="{{ unsubscribe_url }}">u</a></p>' } })).body;
    const c = (await author('POST', '/api/v1/campaigns', { name: 'C', message_id: m.id, recipients: { lists: [list.id] } })).body;
    expect(c.id).toBeTypeOf('number');
    const prepared = await author('POST', `/api/v1/campaigns/${c.id}/prepare`);
    expect(prepared.status, JSON.stringify(prepared.body)).toBeLessThan(300);
    expect(prepared.body.status).toBe('awaiting_approval');
    for (const who of [author, viewer]) {
      const res = await who('POST', `/api/v1/campaigns/${c.id}/approve`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await viewer('POST', '/api/v1/lists', { name: 'no' })).status).toBe(403);
    expect((await approver('POST', '/api/v1/lists', { name: 'no' })).status).toBe(403); // approving is not writing
    expect((await w.api('GET', `/api/v1/campaigns/${c.id}`)).body.status).toBe('awaiting_approval');
    const approved = await approver('POST', `/api/v1/campaigns/${c.id}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.status).toBe('approved');
  });
});

describe('contact-supplied text in outbound HTML (M-1)', () => {
  it('escapes contact fields rendered through {{ }} and keeps the documented | raw opt-out', async () => {
    const a = mails.a.html;
    expect(a).toContain('Hi &lt;script&gt;alert(&#34;a&#34;)&lt;/script&gt; / <script>alert("a")</script>');
    expect(mails.b.html).toContain('Hi Bob &amp; &lt;b&gt;Co&lt;/b&gt; / Bob & <b>Co</b>');
    // only the raw opt-out put markup in: one <script> in the whole message
    expect(a.match(/<script>/g)).toHaveLength(1);
    // the subject is a header, not HTML: left as written
    const item = (await ws.api('GET', `/api/v1/outbox?to=b%40example.com`)).body.data[0];
    expect((await ws.api('GET', `/api/v1/outbox/${item.id}`)).body.subject).toBe('Hi Bob & <b>Co</b>');
  });

  it('escapes list names on the public pages', async () => {
    const w = await newWorkspace(t, 'Pages');
    const list = (await w.api('POST', '/api/v1/lists', { name: '<img src=x onerror=alert(1)>' })).body;
    const form = await w.api('PUT', `/api/v1/lists/${list.id}/form`, { enabled: true });
    expect(form.body.embed_html).not.toContain('<img');
    const page = await get(new URL(form.body.form_url).pathname);
    expect(page.body).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.body).not.toContain('<img');
  });
});
