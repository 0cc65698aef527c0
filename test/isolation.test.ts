import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { inviteAndAccept } from './invite.ts';
import { settle } from './integrations.helpers.ts';

let t: TestApp;
let a: Workspace;
let b: Workspace;
const ids: Record<string, string | number> = {};

/**
 * A valid body for each route that takes one, so the handler (not the validator) answers.
 * A route missing here fails the test: every new route must be proven isolated.
 */
const bodies: Record<string, unknown> = {
  'PATCH /api/v1/contacts/{id}': { first_name: 'X' },
  'POST /api/v1/contacts/{id}/consent': { channel: 'email', status: 'unsubscribed' },
  'POST /api/v1/contacts/{id}/events': { type: 'purchase' },
  'PATCH /api/v1/fields/{key}': { label: 'Y' },
  'PATCH /api/v1/lists/{id}': { name: 'renamed' },
  'POST /api/v1/lists/{id}/members': { contact_ids: ['contact'] },
  'PATCH /api/v1/tags/{tag}': { name: 'renamed' },
  'PATCH /api/v1/users/{id}': { role: 'viewer' },
  'POST /api/v1/imports': { upload_id: 'upload', mapping: { email: 'email' } },
  'PATCH /api/v1/messages/{id}': { name: 'renamed' },
  'POST /api/v1/messages/{id}/preview': {},
  'POST /api/v1/messages/{id}/test': { to: ['qa@example.com'] },
  'PATCH /api/v1/senders/{id}': { from_name: 'X' },
  'PUT /api/v1/lists/{id}/form': { enabled: true },
  'PATCH /api/v1/segments/{id}': { name: 'renamed' },
  'POST /api/v1/segments/{id}/copy': {},
  'POST /api/v1/segments/{id}/add-to-list': { list_id: 'list' },
  'PATCH /api/v1/journeys/{id}': { name: 'renamed' },
  'POST /api/v1/journeys/{id}/activate': {},
  'POST /api/v1/journeys/{id}/archive': { confirm: true },
  'POST /api/v1/journeys/{id}/duplicate': {},
  'POST /api/v1/journeys/{id}/migrate': { from_version: 1, mapping: {} },
  'POST /api/v1/journeys/{id}/enroll': { contact_ids: ['contact'] },
  'POST /api/v1/journeys/{id}/dry-run': {},
  'PUT /api/v1/lists/{id}/welcome': { message_id: null },
  'PATCH /api/v1/campaigns/{id}': { name: 'renamed' },
  'POST /api/v1/campaigns/{id}/duplicate': {},
  'POST /api/v1/campaigns/{id}/reject': { reason: 'no' },
  'POST /api/v1/campaigns/{id}/ab/winner': { variant: 'A' },
  'POST /api/v1/contacts/{id}/resend': { delivery_id: 'delivery' },
  'PATCH /api/v1/webhooks/{id}': { description: 'renamed' },
};

/** Public webhook receivers authenticated by the platform's signature, not by a workspace key: 401 to anyone else. */
const signed = /^\/api\/v1\/integrations\/(shopify|woocommerce|events)\//;

/** Path parameters that name no workspace data (a template's key): nothing to isolate. */
const unscoped = new Set(['/api/v1/journey-templates/{key}']);

/** POST routes that only read (previews, counts), open to viewers. */
const readPosts = [/\/preview$/, /\/count$/, /\/explain/, /\/dry-run$/, /\/calculate$/];

beforeAll(async () => {
  // thousands of requests with one key in one minute of a frozen clock: the per-key limit (issue 16) is tested elsewhere
  t = await testApp({ PARCOURS_API_RATE_LIMIT: '1000000' });
  a = await newWorkspace(t, 'A');
  b = await newWorkspace(t, 'B');
  const list = await a.api('POST', '/api/v1/lists', { name: 'Secret list' });
  await a.api('POST', '/api/v1/fields', { key: 'secret_field', type: 'text' });
  const contact = await a.api('POST', '/api/v1/contacts', { email: 'secret@example.com', list_ids: [list.body.id], tags: ['secret-tag'] });
  const user = await inviteAndAccept(t, a, 'secret-user@example.com', 'secret password', 'author');
  const key = await a.api('POST', '/api/v1/api-keys', { name: 'secret key' });
  const upload = await a.api('POST', '/api/v1/imports/upload', 'email\nx@example.com\n', { 'content-type': 'text/csv' });
  const imp = upload.status === 200 || upload.status === 201 ? await a.api('POST', '/api/v1/imports', { upload_id: upload.body.upload_id, mapping: { email: 'email' } }) : undefined;
  const message = await a.api('POST', '/api/v1/messages', { name: 'Secret message', channel: 'email', content: { subject: 'Hi', body: '<p>secret</p>' } });
  const sender = await a.api('POST', '/api/v1/senders', { from_name: 'Secret', from_email: 'secret@example.com' });
  const test = await a.api('POST', `/api/v1/messages/${message.body.id}/test`, { to: ['secret-qa@example.com'] });
  await t.app.drain();
  const outbox = await a.api('GET', '/api/v1/outbox');
  const journey = await a.api('POST', '/api/v1/journeys', { name: 'Secret journey', definition: { trigger: { type: 'manual' }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: message.body.id, next: null }] } });
  Object.assign(ids, { journey: journey.body.id });
  Object.assign(ids, { message: message.body.id, sender: sender.body.id, delivery: test.body.deliveries?.[0], outbox: outbox.body.data?.[0]?.id });
  const segment = await a.api('POST', '/api/v1/segments', { name: 'Secret segment', criteria: { all: [{ type: 'list', op: 'in', list_ids: [list.body.id] }] } });
  Object.assign(ids, { segment: segment.body.id });
  const campaign = await a.api('POST', '/api/v1/campaigns', { name: 'Secret campaign', message_id: message.body.id, recipients: { lists: [list.body.id] } });
  Object.assign(ids, { campaign: campaign.body.id });
  const connection = async (kind: string) => (await a.api('POST', '/api/v1/integrations/connections', { kind, name: `Secret ${kind}` })).body.id;
  Object.assign(ids, { shopify: await connection('shopify'), woocommerce: await connection('woocommerce'), generic: await connection('generic') });
  const webhook = await a.api('POST', '/api/v1/webhooks', { url: 'https://secret.invalid/hook', event_types: ['*'] });
  await a.api('POST', `/api/v1/contacts/${contact.body.id}/events`, { type: 'secret.event' });
  await settle(t);
  const hooks = await a.api('GET', `/api/v1/webhooks/${webhook.body.id}/deliveries`);
  Object.assign(ids, { webhook: webhook.body.id, webhookDelivery: hooks.body.data?.[0]?.id });
  Object.assign(ids, { list: list.body.id, contact: contact.body.id, user: user.body.user_id, apikey: key.body.id, upload: upload.body?.upload_id, import: imp?.body?.id });
});
afterAll(() => t?.close());

function fill(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, p: string) => {
    if (p === 'key') return 'secret_field';
    if (p === 'tag') return 'secret-tag';
    if (p === 'contactId') return String(ids.contact);
    if (p === 'deliveryId') return String(ids.webhookDelivery);
    if (path.startsWith('/api/v1/webhooks')) return String(ids.webhook);
    if (path.startsWith('/api/v1/integrations/connections')) return String(ids.shopify);
    if (path.startsWith('/api/v1/integrations/shopify')) return String(ids.shopify);
    if (path.startsWith('/api/v1/integrations/woocommerce')) return String(ids.woocommerce);
    if (path.startsWith('/api/v1/integrations/events')) return String(ids.generic);
    if (path.startsWith('/api/v1/lists')) return String(ids.list);
    if (path.startsWith('/api/v1/users')) return String(ids.user);
    if (path.startsWith('/api/v1/api-keys')) return String(ids.apikey);
    if (path.startsWith('/api/v1/imports')) return String(ids.import);
    if (path.startsWith('/api/v1/messages')) return String(ids.message);
    if (path.startsWith('/api/v1/journeys')) return String(ids.journey);
    if (path.startsWith('/api/v1/senders')) return String(ids.sender);
    if (path.startsWith('/api/v1/deliveries')) return String(ids.delivery);
    if (path.startsWith('/api/v1/outbox')) return String(ids.outbox);
    if (path.startsWith('/api/v1/segments')) return String(ids.segment);
    if (path.startsWith('/api/v1/campaigns')) return String(ids.campaign);
    if (p === 'domain') return 'secret.example.com';
    if (p === 'address') return 'secret-suppressed@example.com';
    return String(ids.contact);
  });
}

const substitute = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(substitute) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)])) : typeof v === 'string' && v in ids ? ids[v] : v;

describe('workspace isolation across every route of the OpenAPI document', () => {
  it("answers 404 to another workspace's ids on every route that takes one", async () => {
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const checked: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      if (!path.includes('{') || unscoped.has(path)) continue;
      for (const method of Object.keys(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        const hasBody = !!ops[method].requestBody;
        if (hasBody) expect(bodies, `add a valid body for ${name} to this test`).toHaveProperty([name]);
        const res = await b.api(method.toUpperCase(), fill(path), hasBody ? substitute(bodies[name]) : undefined);
        expect(res.status, `${name} with workspace B's key`).toBe(signed.test(path) ? 401 : 404);
        checked.push(name);
      }
    }
    expect(checked.length).toBeGreaterThan(15);
    // and A's own key still reaches them (the ids were right)
    expect((await a.api('GET', `/api/v1/contacts/${ids.contact}`)).status).toBe(200);
  });

  it("never lists another workspace's data", async () => {
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      if (path.includes('{') || !ops.get || !path.startsWith('/api/v1/') || path === '/api/v1/sms/inbound-url') continue;
      const res = await b.api('GET', path);
      expect(res.status, path).toBeLessThan(500);
      expect(JSON.stringify(res.body), path).not.toMatch(/secret/i);
    }
    expect((await b.api('GET', `/api/v1/contacts?list_id=${ids.list}`)).body.data).toEqual([]);
  });

  it('refuses every mutation to a viewer and answers 401 without credentials', async () => {
    const viewer = await a.as('viewer');
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    // public by design: logging in, and accepting an invitation with the link mailed to its address (issue 16)
    const open = new Set(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/workspace', '/api/v1/workspaces', '/api/v1/invitations/preview', '/api/v1/invitations/accept']);
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/api/v1/') || open.has(path)) continue;
      for (const method of Object.keys(ops)) {
        const url = fill(path);
        const anon = await t.http.inject({ method: method.toUpperCase() as any, url });
        expect(anon.statusCode, `${method} ${path} anonymous`).toBe(401);
        if (method === 'get' || readPosts.some((re) => re.test(path)) || signed.test(path)) continue;
        const res = await viewer(method.toUpperCase(), url, {});
        expect(res.status, `${method} ${path} as viewer`).toBe(403);
      }
    }
  });
});
