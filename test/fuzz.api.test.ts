import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type Api, type TestApp, type Workspace } from './helpers.ts';
import { inviteAndAccept } from './invite.ts';
import { enc, badQueryValue, badSegments, expectGoodAnswer, fromSchema, mutate, SEED, wrongBodies, type JsonSchema, type Mutated } from './fuzz.helpers.ts';
import { base64Signature } from '../src/integrations/signatures.ts';

/**
 * Issue 9, "Bad input": every route of the OpenAPI document is called with payloads generated
 * from its JSON schema (valid-ish), with one thing broken in a valid payload (wrong type, missing
 * or extra key, null, huge or NUL-laden string, nested junk), with bodies that are not JSON
 * objects at all, and with junk in its path parameters and query strings. Nothing may answer 5xx;
 * every 4xx has the error shape and a validation error names its field (fuzz.helpers.ts).
 *
 * Bounded: RUNS payloads per route and a fixed seed (FUZZ_SEED=… replays; FUZZ_RUNS=… goes deeper).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

let t: TestApp;
let ws: Workspace;
let session: Api;
let doc: any;
const ids: Record<string, number> = {};
const secrets: Record<string, string> = {};

beforeAll(async () => {
  // thousands of requests with one key in one minute of a frozen clock: the per-key limit (issue 16) is tested elsewhere
  t = await testApp({ PARCOURS_API_RATE_LIMIT: '1000000' });
  ws = await newWorkspace(t, 'Fuzz');
  const api = ws.api;
  const must = async (method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
    const r = await api(method, url, body, headers);
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  ids.list = (await must('POST', '/api/v1/lists', { name: 'Fuzz list' })).id;
  for (const [key, type] of [['score', 'number'], ['renewal', 'date'], ['plan', 'text'], ['vip', 'boolean']]) await must('POST', '/api/v1/fields', { key, type });
  ids.contact = (await must('POST', '/api/v1/contacts', { email: 'a@example.com', first_name: 'Ann', phone: '+33612345678', list_ids: [ids.list], tags: ['vip'], fields: { score: 3, plan: 'gold', renewal: '2026-03-01' } })).id;
  ids.contact2 = (await must('POST', '/api/v1/contacts', { email: 'b@example.com', first_name: 'Bob' })).id;
  ids.message = (await must('POST', '/api/v1/messages', { name: 'Fuzz', channel: 'email', content: { subject: 'Hi {{ contact.first_name }}', body: '<p>Hello <a href="https://example.com/x">x</a> {{ unsubscribe_url }}</p>' } })).id;
  ids.sms = (await must('POST', '/api/v1/messages', { name: 'Fuzz SMS', channel: 'sms', content: { text: 'Hi {{ contact.first_name }}' } })).id;
  ids.sender = (await must('POST', '/api/v1/senders', { from_name: 'Fuzz', from_email: 'fuzz@example.com' })).id;
  ids.segment = (await must('POST', '/api/v1/segments', { name: 'Fuzz segment', criteria: { all: [{ type: 'list', op: 'in', list_ids: [ids.list] }] } })).id;
  ids.journey = (await must('POST', '/api/v1/journeys', { name: 'Fuzz journey', definition: { trigger: { type: 'manual' }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: ids.message, next: null }] } })).id;
  ids.campaign = (await must('POST', '/api/v1/campaigns', { name: 'Fuzz campaign', message_id: ids.message, recipients: { lists: [ids.list] } })).id;
  for (const kind of ['shopify', 'woocommerce', 'generic']) {
    const c = await must('POST', '/api/v1/integrations/connections', { kind, name: kind });
    ids[kind] = c.id;
    secrets[kind] = c.secret;
  }
  ids.webhook = (await must('POST', '/api/v1/webhooks', { url: 'https://hooks.invalid/x', event_types: ['*'] })).id;
  ids.upload = (await must('POST', '/api/v1/imports/upload', 'email,first_name\nc@example.com,Cy\n', { 'content-type': 'text/csv' })).upload_id;
  ids.import = (await must('POST', '/api/v1/imports', { upload_id: ids.upload, mapping: { email: 'email' } })).id;
  ids.upload2 = (await must('POST', '/api/v1/imports/upload', 'email\nd@example.com\n', { 'content-type': 'text/csv' })).upload_id;
  const test = await must('POST', `/api/v1/messages/${ids.message}/test`, { to: ['qa@example.com'], contact_id: ids.contact });
  ids.delivery = test.deliveries[0];
  ids.user = (await inviteAndAccept(t, ws, 'fuzz-user@example.com', 'fuzz password 1', 'author')).body.user_id;
  await inviteAndAccept(t, ws, 'fuzz-owner@example.com', 'fuzz password 1', 'owner');
  ids.invitation = (await must('POST', '/api/v1/invitations', { email: 'pending@example.com', role: 'viewer' })).id;
  ids.apikey = (await must('POST', '/api/v1/api-keys', { name: 'fuzz' })).id;
  await t.app.drain();
  const login = await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'fuzz-owner@example.com', password: 'fuzz password 1', workspace_id: ws.id } });
  const cookie = String(login.headers['set-cookie']).split(';')[0];
  session = apiClient(t.http, { cookie, 'x-csrf-token': login.json().csrf_token });
  doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
}, 60_000);
afterAll(() => t?.close());

/** A valid body per route, mutated one thing at a time (schema-generated bodies rarely get past the first check). */
function examples(): Record<string, unknown> {
  const criteria = {
    all: [
      { type: 'list', op: 'in', list_ids: [ids.list] },
      { any: [{ type: 'field', field: 'score', op: 'between', value: 1, to: 5 }, { type: 'field', field: 'renewal', op: 'before_days_ago', days: 3 }, { type: 'tag', op: 'has', tag: 'vip' }] },
      { type: 'field', field: 'first_name', op: 'starts_with', value: 'A' },
      { type: 'engagement', op: 'is', level: 'most' },
      { type: 'email_activity', op: 'opened', within_days: 30 },
      { type: 'purchase', op: 'has_purchased', product: { sku: 'TEA-1' }, within_days: 30 },
      { type: 'total_spent', op: 'gt', value: 100 },
      { type: 'event', op: 'did', event: 'viewed', within_days: 7 },
      { type: 'consent', channel: 'email', op: 'is', status: 'subscribed' },
    ],
  };
  const definition = {
    trigger: { type: 'list_joined', list_ids: [ids.list], enroll_existing: false },
    entry_filter: { type: 'consent', channel: 'email', op: 'is', status: 'subscribed' },
    start: 'e1',
    steps: [
      { id: 'e1', type: 'email', message_id: ids.message, next: 'w1' },
      { id: 'w1', type: 'wait', delay: { amount: 3, unit: 'days' }, next: 's1' },
      { id: 's1', type: 'split', branches: [{ id: 'opened', criteria: { type: 'email_activity', op: 'opened', step_id: 'e1' }, next: 't1' }], else: 'r1' },
      { id: 't1', type: 'action', action: 'set_field', field: 'score', value_from_event: 'total', next: null },
      { id: 'r1', type: 'random_split', branches: [{ id: 'a', percent: 50, next: 'x1' }, { id: 'b', percent: 50, next: 'u1' }] },
      { id: 'u1', type: 'wait', until_field: { field: 'renewal', offset_days: -1, time: '09:00' }, next: 'x1' },
      { id: 'x1', type: 'exit' },
    ],
    exit_criteria: { type: 'event', op: 'did', event: 'purchase', within_days: 30 },
    settings: { timezone: 'Europe/Paris', reentry: 'never', window: { timezone: 'Europe/Paris', days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' } },
  };
  const contact = { email: 'new@example.com', phone: '+14155550100', first_name: 'Zoé', language: 'fr', timezone: 'Europe/Paris', birthday: '1990-02-28', fields: { score: 12.5, plan: 'x', renewal: '2026-05-01', vip: true }, list_ids: [ids.list], tags: ['t'] };
  const content = { subject: 'Hello {{ contact.first_name | default: "you" }}', preheader: 'Pre', format: 'mjml', body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ contact.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>', text: 'Hi', versions: { de: { subject: 'Hallo', body: '<p>Hallo</p>', format: 'html' } } };
  return {
    'POST /api/v1/auth/login': { email: 'fuzz-owner@example.com', password: 'wrong password', workspace_id: ws.id },
    'POST /api/v1/auth/workspace': { workspace_id: ws.id },
    'POST /api/v1/workspaces': { name: 'Another' },
    'PATCH /api/v1/workspace': { name: 'Fuzz', timezone: 'Europe/Paris', settings: { engagement: { window_days: 60, min_emails: 3 } } },
    'POST /api/v1/invitations': { email: 'someone@example.com', role: 'author' },
    'POST /api/v1/invitations/accept': { token: 'not-a-real-invitation-token', password: 'long enough password' },
    'PATCH /api/v1/users/{id}': { role: 'author' },
    'POST /api/v1/api-keys': { name: 'k', role: 'viewer' },
    'POST /api/v1/contacts': contact,
    'POST /api/v1/contacts/upsert': contact,
    'PATCH /api/v1/contacts/{id}': { first_name: 'Ann', birthday: '1980-01-01', fields: { score: 4, renewal: '2026-01-01' }, email_status: 'subscribed' },
    'POST /api/v1/contacts/{id}/consent': { channel: 'email', status: 'unsubscribed' },
    'POST /api/v1/contacts/{id}/events': { type: 'purchase', properties: { total: 12.5, items: [{ sku: 'TEA-1', quantity: 2 }] }, occurred_at: '2026-01-04T10:00:00Z' },
    'POST /api/v1/events': { events: [{ type: 'viewed', contact_id: ids.contact, properties: { page: '/x' }, occurred_at: '2026-01-04T10:00:00Z' }, { type: 'x', email: 'a@example.com' }] },
    'POST /api/v1/contacts/bulk': { contact_ids: [ids.contact, ids.contact2], add_list_ids: [ids.list], add_tags: ['z'], remove_tags: ['y'] },
    'POST /api/v1/fields': { key: 'new_field', label: 'New', type: 'date' },
    'PATCH /api/v1/fields/{key}': { label: 'Plan' },
    'POST /api/v1/lists': { name: 'New list', description: 'd' },
    'PATCH /api/v1/lists/{id}': { name: 'Renamed' },
    'POST /api/v1/lists/{id}/members': { contact_ids: [ids.contact2] },
    'PATCH /api/v1/tags/{tag}': { name: 'vip2' },
    'POST /api/v1/imports': { upload_id: ids.upload2, mapping: { email: 'email' }, list_ids: [ids.list], tags: ['imported'], update_existing: true },
    'POST /api/v1/segments': { name: 'S', criteria },
    'POST /api/v1/segments/count': { criteria },
    'PATCH /api/v1/segments/{id}': { name: 'S2', criteria },
    'POST /api/v1/segments/{id}/copy': { name: 'Copy' },
    'POST /api/v1/segments/{id}/add-to-list': { list_id: ids.list },
    'POST /api/v1/messages': { name: 'M', channel: 'email', content },
    'PATCH /api/v1/messages/{id}': { name: 'M2', content },
    'POST /api/v1/senders': { from_name: 'S', from_email: 's@example.com', reply_to: 'r@example.com' },
    'PATCH /api/v1/senders/{id}': { from_name: 'X' },
    'POST /api/v1/dkim-keys': { domain: 'example.com', selector: 's1', private_key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----' },
    'POST /api/v1/journeys': { name: 'J', definition },
    'PATCH /api/v1/journeys/{id}': { name: 'J2', definition },
    'POST /api/v1/journeys/{id}/activate': {},
    'POST /api/v1/journeys/{id}/archive': { confirm: true },
    'POST /api/v1/journeys/{id}/duplicate': { name: 'D' },
    'POST /api/v1/journeys/{id}/migrate': { from_version: 1, mapping: { e: 'e' } },
    'POST /api/v1/journeys/{id}/enroll': { contact_ids: [ids.contact] },
    'POST /api/v1/journeys/{id}/dry-run': { contact_id: ids.contact },
    'POST /api/v1/journey-templates/{key}': { list_id: ids.list, name: 'From template' },
    'PUT /api/v1/lists/{id}/welcome': { message_id: ids.message },
    'POST /api/v1/campaigns': {
      name: 'C', message_id: ids.message, recipients: { lists: [ids.list], segments: [ids.segment, 'most_engaged'] }, control_group_percent: 10,
      schedule: { type: 'at', at: '2026-02-01T09:00', timezone: 'Europe/Paris' }, options: { subject_prefix: '[R]', pacing: { per_hour: 100 }, deadline: '2026-03-01T00:00:00Z' },
    },
    'PATCH /api/v1/campaigns/{id}': { name: 'C2', schedule: { type: 'optimized', default_hour: 9 } },
    'POST /api/v1/campaigns/{id}/duplicate': {},
    'POST /api/v1/campaigns/{id}/reject': { reason: 'no' },
    'POST /api/v1/campaigns/{id}/ab/winner': { variant: 'A' },
    'POST /api/v1/contacts/{id}/resend': { delivery_id: ids.delivery },
    'POST /api/v1/messages/{id}/preview': { contact_id: ids.contact, version: 1 },
    'POST /api/v1/messages/{id}/test': { to: ['qa@example.com'], contact_id: ids.contact },
    'POST /api/v1/deliveries/retry': { ids: [ids.delivery] },
    'POST /api/v1/suppressions': { address: 'sup@example.com' },
    'POST /api/v1/webhooks/bounces': { email: 'a@example.com', delivery_id: ids.delivery, type: 'soft', reason: '450' },
    'POST /api/v1/webhooks/postmark': { RecordType: 'Bounce', Type: 'HardBounce', Email: 'b@example.com', MessageID: 'x', Metadata: { delivery_id: String(ids.delivery) } },
    'PUT /api/v1/lists/{id}/form': { enabled: true, double_opt_in: true },
    'POST /api/v1/integrations/connections': { kind: 'generic', name: 'n', secret: 'a-secret-of-16-chars' },
    'POST /api/v1/webhooks': { url: 'https://hooks.invalid/y', event_types: ['message.*', 'purchase'], description: 'd', enabled: true },
    'PATCH /api/v1/webhooks/{id}': { description: 'x', enabled: false },
    'POST /api/v1/transactional': { message_id: ids.message, to: { email: 'tx@example.com' }, data: { order: { id: 1 } }, create_contact: true },
    'POST /api/v1/track': { userId: 'a@example.com', event: 'Order Completed', properties: { total: 10, products: [{ sku: 'TEA-1', price: 5 }] }, timestamp: '2026-01-04T10:00:00Z', context: { traits: { email: 'a@example.com' } } },
    'POST /api/v1/identify': { userId: 'a@example.com', traits: { email: 'a@example.com', first_name: 'Ann', birthday: '1990-01-01', plan: 'gold' } },
    'POST /api/v1/batch': { batch: [{ type: 'identify', userId: 'q@example.com', traits: { email: 'q@example.com' } }, { type: 'track', userId: 'q@example.com', event: 'x' }] },
    'POST /api/v1/clock/advance': { by: 'PT1M' },
    'POST /api/v1/integrations/shopify/{connectionId}': JSON.parse(readFileSync('test/fixtures/shopify-orders-create.json', 'utf8')),
    'POST /api/v1/integrations/woocommerce/{connectionId}': JSON.parse(readFileSync('test/fixtures/woocommerce-order-created.json', 'utf8')),
    'POST /api/v1/integrations/events/{connectionId}': { type: 'purchase', id: 'o-1', occurred_at: '2026-01-04T10:00:00Z', contact: { email: 'shop@example.com', first_name: 'S', accepts_marketing: true }, data: { total: 10, items: [{ sku: 'A', quantity: 1, price: 10 }] } },
  };
}

function fill(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, p: string) => {
    if (p === 'key') return path.startsWith('/api/v1/journey-templates') ? 'welcome' : 'plan';
    if (p === 'tag') return 'vip';
    if (p === 'contactId') return String(ids.contact);
    if (p === 'deliveryId') return '1';
    if (p === 'domain') return 'example.com';
    if (p === 'address') return 'sup%40example.com';
    if (p === 'connectionId') return String(ids[path.split('/')[4].replace('events', 'generic')]);
    const by: Array<[string, string]> = [['webhooks', 'webhook'], ['integrations/connections', 'generic'], ['lists', 'list'], ['users', 'user'], ['invitations', 'invitation'], ['api-keys', 'apikey'], ['imports', 'import'], ['messages', 'message'], ['journeys', 'journey'], ['senders', 'sender'], ['deliveries', 'delivery'], ['segments', 'segment'], ['campaigns', 'campaign'], ['outbox', 'delivery'], ['engagement', 'contact']];
    for (const [prefix, name] of by) if (path.startsWith(`/api/v1/${prefix}`)) return String(ids[name]);
    return String(ids.contact);
  });
}

const sessionRoutes = new Set(['POST /api/v1/auth/workspace', 'POST /api/v1/workspaces']);
const inbound = /^\/api\/v1\/integrations\/(shopify|woocommerce|events)\//;

/** Sends a fuzzed request the way its caller would: signed for inbound webhooks, with the session where needed. */
async function send(method: string, path: string, url: string, payload: Mutated['body']) {
  const name = `${method} ${path}`;
  const raw = payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload);
  if (inbound.test(path)) {
    const kind = path.split('/')[4] === 'events' ? 'generic' : path.split('/')[4];
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-wc-webhook-topic': 'order.created' };
    const bodyRaw = raw ?? '';
    const sigHeader = { shopify: 'x-shopify-hmac-sha256', woocommerce: 'x-wc-webhook-signature', generic: 'x-parcours-signature' }[kind]!;
    headers[sigHeader] = base64Signature(secrets[kind], bodyRaw);
    const res = await t.http.inject({ method: method as any, url, headers, payload: bodyRaw });
    return { status: res.statusCode, body: safeJson(res.body) };
  }
  const api = sessionRoutes.has(name) ? session : ws.api;
  if (path === '/api/v1/imports/upload') return api(method, url, typeof payload === 'string' ? payload : JSON.stringify(payload ?? ''), { 'content-type': 'text/csv' });
  return api(method, url, raw, raw === undefined ? {} : { 'content-type': 'application/json' });
}

function safeJson(s: string) {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function bodySchema(op: any): JsonSchema | undefined {
  return op.requestBody?.content?.['application/json']?.schema;
}

interface Op {
  method: string;
  path: string;
  op: any;
}

function operations(): Op[] {
  const out: Op[] = [];
  for (const [path, ops] of Object.entries<any>(doc.paths)) for (const [method, op] of Object.entries<any>(ops)) out.push({ method: method.toUpperCase(), path, op });
  // deletions last, so the rows the other routes reach still exist; logout would end the session
  // and revoking API keys (a junk id may name the fuzzing key itself) comes very last
  const rank = (o: Op) => (o.path === '/api/v1/api-keys/{id}' && o.method === 'DELETE' ? 3 : o.path === '/api/v1/auth/logout' ? 2 : o.method === 'DELETE' ? 1 : 0);
  return out.sort((a, b) => rank(a) - rank(b));
}

/** A request that takes this long is a finding too (a hang, an unbounded loop on user input). */
const SLOW_MS = 5_000;

async function check(name: string, run: () => Promise<{ status: number; body: any }>, how: string) {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} (${how}): no answer within ${SLOW_MS} ms`)), SLOW_MS)));
  const res = await Promise.race([run(), slow]).finally(() => clearTimeout(timer));
  expectGoodAnswer(res, `${name} (${how})`);
  return res;
}

/** Failures of every route, reported together (one broken route must not hide the others). */
let failures: string[] = [];

async function runProperty<T>(name: string, arb: fc.Arbitrary<T>, numRuns: number, fn: (v: T) => Promise<void>) {
  const out = await fc.check(fc.asyncProperty(arb, fn), { numRuns, seed: SEED, endOnFailure: true });
  if (out.failed) failures.push(`${name}: ${String((out.errorInstance as Error)?.message ?? out.errorInstance).split('\n')[0].slice(0, 700)} [seed ${SEED}, FUZZ_RUNS=${RUNS}]`);
}

describe('every JSON endpoint of the OpenAPI document, fuzzed (issue 9)', () => {
  it('answers generated, broken and junk bodies with a 2xx or a 4xx naming the field, never a 5xx', async () => {
    const ex = examples();
    failures = [];
    const seen: string[] = [];
    const statuses: Record<string, number> = {};
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      const schema = bodySchema(op);
      const example = ex[name];
      const raw = path === '/api/v1/imports/upload' || inbound.test(path);
      if (!schema && example === undefined && !raw) continue;
      seen.push(name);
      const bodies: fc.Arbitrary<Mutated>[] = [wrongBodies];
      if (schema) bodies.push(fromSchema(schema).map((body) => ({ body, how: 'generated from the schema' })), mutate(fromSchema(schema)));
      if (example !== undefined) bodies.push(mutate(fc.constant(example)), mutate(fc.constant(example)));
      if (raw) bodies.push(fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ body, how: 'text' })));
      const url = fill(path);
      const mine: Record<number, number> = {};
      await runProperty(name, fc.oneof(...bodies), RUNS * (example !== undefined ? 2 : 1), async (m) => {
        const res = await check(name, () => send(method, path, url, m.body), `${m.how}: ${JSON.stringify(m.body)?.slice(0, 300)}`);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        mine[res.status] = (mine[res.status] ?? 0) + 1;
      });
      if (process.env.FUZZ_STATS) console.log(name, JSON.stringify(mine));
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(seen.length, 'routes with a body').toBeGreaterThan(55);
    // the fuzz reached handlers, not only the validator
    expect(Object.keys(statuses).filter((s) => Number(s) < 300).length, JSON.stringify(statuses)).toBeGreaterThan(0);
  }, 120_000);

  it('answers junk path parameters and query strings with a 4xx, never a 5xx', async () => {
    const ex = examples();
    failures = [];
    let n = 0;
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      const params: any[] = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
      const query = params.filter((p) => p.in === 'query');
      if (!pathParams.length && !query.length) continue;
      const example = ex[name] ?? (bodySchema(op) ? {} : undefined);
      const queryArb = fc.record(Object.fromEntries(query.map((q) => [q.name, fc.oneof(fromSchema(q.schema).map((v) => enc(String(v))), badQueryValue)])), { requiredKeys: [] });
      const pathArb = pathParams.length ? fc.tuple(fc.constantFrom(...pathParams), badSegments) : fc.constant(null);
      await runProperty(name, fc.tuple(pathArb, queryArb, fc.boolean()), RUNS, async ([bad, q, keepPath]) => {
        let url = fill(path);
        if (bad && !keepPath) url = fill(path.replace(`{${bad[0]}}`, '__BAD__')).replace('__BAD__', bad[1]);
        const qs = Object.entries(q).map(([k, v]) => `${k}=${v}`).join('&');
        if (qs) url += `?${qs}`;
        n++;
        await check(name, () => send(method, path, url, example), `url ${url.slice(0, 200)}`);
      });
    }
    expect(failures, failures.join('\n')).toEqual([]);
    expect(n).toBeGreaterThan(100);
  }, 120_000);
});

describe('what the fuzzing found, pinned (issue 9)', () => {
  // a key of its own: the fuzzing above may have revoked any key of the workspace
  let api: Api;
  beforeAll(async () => {
    api = await ws.as('owner');
  });

  it('refuses text PostgreSQL cannot store (NUL, lone surrogates) with the field, in values, keys, params and queries', async () => {
    const nul = await api('POST', '/api/v1/contacts', { email: 'nul@example.com', first_name: 'A\u0000B' });
    expect(nul.status).toBe(400);
    expect(nul.body.error.details[0]).toMatchObject({ path: 'first_name', message: expect.stringContaining('NUL') });
    const surrogate = await api('POST', `/api/v1/contacts/${ids.contact}/events`, { type: 'viewed', properties: { page: { title: 'x\uD800' } } });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.error.details[0].path).toBe('properties.page.title');
    const key = await api('POST', `/api/v1/contacts/${ids.contact}/events`, { type: 'viewed', properties: { 'a\u0000': 1 } });
    expect(key.status).toBe(400);
    expect(key.body.error.details[0].message).toMatch(/^key /);
    expect((await api('PATCH', '/api/v1/fields/%00', { label: 'x' })).body.error.details[0].path).toBe('params.key');
    expect((await api('GET', '/api/v1/contacts?q=%00')).body.error.details[0].path).toBe('querystring.q');
    // nothing was written
    expect((await api('GET', '/api/v1/contacts?q=nul%40example.com')).body.data).toEqual([]);
  });

  it('answers URLs the router refuses with the error shape', async () => {
    const bad = await api('GET', '/api/v1/users/%ff');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_url', details: [{ path: 'url' }] });
    const long = await api('PATCH', `/api/v1/users/${'9'.repeat(9000)}`, { role: 'viewer' });
    expect(long.status).toBe(414);
    expect(long.body.error).toMatchObject({ code: 'uri_too_long', details: [{ path: 'url' }] });
    // a long parameter within the router's limit reaches the route's own validation
    expect((await api('PATCH', `/api/v1/users/${'x'.repeat(300)}`, { role: 'viewer' })).body.error.details[0].path).toBe('params.id');
  });

  it('bounds versions to their int column, resolves only real template keys, names an empty unknown key', async () => {
    const preview = await api('POST', `/api/v1/messages/${ids.message}/preview`, { version: 2 ** 53 - 1 });
    expect(preview.status).toBe(400);
    expect(preview.body.error.details[0].path).toBe('version');
    expect((await api('GET', `/api/v1/journeys/${ids.journey}?version=2147483648`)).status).toBe(400);
    expect((await api('POST', '/api/v1/journey-templates/__proto__', {})).status).toBe(404);
    expect((await api('POST', '/api/v1/journey-templates/constructor', {})).status).toBe(404);
    const empty = await api('PATCH', `/api/v1/webhooks/${ids.webhook}`, { '': 1 });
    expect(empty.body.error.details[0]).toEqual({ path: '""', message: 'unknown field' });
  });

  it('skips list items that are not objects in commerce payloads instead of failing', async () => {
    const track = await api('POST', '/api/v1/track', { userId: 'a@example.com', event: 'Order Completed', properties: { order_id: 'n1', total: 5, products: [null, 3, { sku: 'A', price: 5 }] }, context: { traits: { email: 'a@example.com' } } });
    expect(track.status, JSON.stringify(track.body)).toBeLessThan(300);
    const order = JSON.parse(readFileSync('test/fixtures/shopify-orders-create.json', 'utf8'));
    order.line_items = [null, ...order.line_items];
    const raw = JSON.stringify(order);
    const shop = (await api('POST', '/api/v1/integrations/connections', { kind: 'shopify', name: 'pinned' })).body; // the fuzzing may have deleted the first
    const res = await t.http.inject({
      method: 'POST', url: `/api/v1/integrations/shopify/${shop.id}`, payload: raw,
      headers: { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-hmac-sha256': base64Signature(shop.secret, raw) },
    });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a manual clock advance of more than 400 days in one call', async () => {
    const far = await api('POST', '/api/v1/clock/advance', { by: 'P99999Y' });
    expect(far.status).toBe(400);
    expect(far.body.error.details[0].path).toBe('by');
    expect((await api('POST', '/api/v1/clock/advance', { to: '+275760-09-13T00:00:00Z' })).body.error.details[0].path).toBe('to');
  });
});
