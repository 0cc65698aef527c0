import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { campaign, launch } from './campaigns-support.ts';

/**
 * SMS through a Twilio-compatible API (M-2, M-6; issue 17): status callbacks come back as
 * delivered / undelivered / failed, and Twilio's signatures — HMAC-SHA1 with the auth token, or
 * a SharedKey's HMAC-SHA256 — are accepted. The provider's HTTP API is faked (the outer edge);
 * every signature is made by the `twilio` library itself, over bodies shaped as Twilio sends them.
 */
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const AUTH_TOKEN = 'twilio-auth-token-0123456789abcdef';
const SHARED_KEY = 'sharedkey-secret-for-webhooks-0123456789';
const PUBLIC = 'http://parcours.test';

interface Sent {
  params: Record<string, string>;
  sid: string;
}

/** Twilio's Messages API: takes the form, answers 201 with a sid; `onSend` runs before it answers. */
async function fakeTwilio() {
  const state = {
    url: '',
    sent: [] as Sent[],
    onSend: null as null | ((s: Sent) => Promise<void>),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      if (req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Messages.json` || req.headers.authorization !== `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`) {
        res.writeHead(401).end('{}');
        return;
      }
      const s = { params: Object.fromEntries(new URLSearchParams(body)), sid: `SM${createHash('md5').update(`${state.sent.length}`).digest('hex')}` };
      state.sent.push(s);
      await state.onSend?.(s);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: s.sid, status: 'queued', to: s.params.To }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

let t: TestApp;
let provider: Awaited<ReturnType<typeof fakeTwilio>>;
beforeAll(async () => {
  provider = await fakeTwilio();
  t = await testApp({ SMS_URL: provider.url, SMS_ACCOUNT_SID: ACCOUNT, SMS_AUTH_TOKEN: AUTH_TOKEN, SMS_FROM: '+15550001111', SMS_WEBHOOK_SECRET: `old-rotated-secret-xyz, ${SHARED_KEY}` });
});
afterAll(async () => {
  await t?.close();
  await provider?.close();
});

type Signing = { secret?: string; algorithm?: 'HMAC_SHA1' | 'HMAC_SHA256'; signedUrl?: string; signature?: string };

/** Posts as Twilio does: a form body, X-Twilio-Signature (and the SharedKey settings header for one). */
function twilioPost(url: string, params: Record<string, string>, s: Signing = {}) {
  const algorithm = s.algorithm ?? 'HMAC_SHA1';
  const secret = s.secret ?? (algorithm === 'HMAC_SHA256' ? SHARED_KEY : AUTH_TOKEN);
  const signature = s.signature ?? twilio.getExpectedTwilioSignature(secret, s.signedUrl ?? url, params, algorithm);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'x-twilio-signature': signature, 'i-twilio-idempotency-token': `${Math.random()}` };
  if (s.secret === SHARED_KEY || algorithm === 'HMAC_SHA256') headers['x-twilio-webhooks-signature-settings'] = `key=webhooks_sharedkey_01jx8v2k3m4n5p6q7r8s9t0v1w,algorithm=${algorithm}`;
  const u = new URL(url);
  return t.http.inject({ method: 'POST', url: u.pathname + u.search, payload: new URLSearchParams(params).toString(), headers });
}

/** A status callback's body as Twilio posts it for an outbound message. */
function statusBody(s: Sent, status: string, errorCode?: string) {
  return {
    AccountSid: ACCOUNT, ApiVersion: '2010-04-01', From: s.params.From, To: s.params.To,
    MessageSid: s.sid, SmsSid: s.sid, MessageStatus: status, SmsStatus: status,
    ...(errorCode ? { ErrorCode: errorCode } : {}),
    ...(status === 'delivered' || status === 'undelivered' ? { RawDlrDoneDate: '2601050905' } : {}),
  };
}

async function smsMessage(ws: Workspace) {
  return (await ws.api('POST', '/api/v1/messages', { name: 'Sale', channel: 'sms', content: { text: 'Hi {{ contact.first_name }}, -20% today. STOP to stop' } })).body.id as number;
}

async function phoneContact(ws: Workspace, phone: string, first: string, listId?: number) {
  const c = (await ws.api('POST', '/api/v1/contacts', { email: `${first.toLowerCase()}@example.com`, phone, first_name: first, ...(listId ? { list_ids: [listId] } : {}) })).body;
  await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'sms', status: 'opted_in' });
  return c.id as number;
}

const sentTo = (to: string) => provider.sent.find((s) => s.params.To === to)!;
const delivery = async (ws: Workspace, id: number) => (await ws.api('GET', `/api/v1/deliveries/${id}`)).body;
const timeline = async (ws: Workspace, contactId: number) => (await ws.api('GET', `/api/v1/contacts/${contactId}/events`)).body.data as any[];

describe('Twilio status callbacks (M-6)', () => {
  it('sends each SMS with a StatusCallback on PUBLIC_URL; delivered, undelivered and failed reach the delivery, the timeline and the report', async () => {
    const ws = await newWorkspace(t);
    const m = await smsMessage(ws);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Phones' })).body.id;
    const ana = await phoneContact(ws, '+33611000001', 'Ana', list);
    const bob = await phoneContact(ws, '+33611000002', 'Bob', list);
    const cleo = await phoneContact(ws, '+33611000003', 'Cleo', list);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] } });
    await launch(ws, id);
    await t.app.drain();
    const [a, b, c] = ['+33611000001', '+33611000002', '+33611000003'].map(sentTo);
    for (const s of [a, b, c]) {
      expect(s.params).toMatchObject({ From: '+15550001111', Body: expect.stringContaining('-20% today') });
      expect(s.params.StatusCallback).toMatch(/^http:\/\/parcours\.test\/hooks\/sms-status\/[\w-]+\.[\w-]+$/);
    }
    const ids = Object.fromEntries((await ws.api('GET', '/api/v1/deliveries?limit=10')).body.data.map((d: any) => [d.contact_id, d.id]));
    expect((await delivery(ws, ids[ana])).provider_id).toBe(a.sid);

    // Ana: sent, delivered, the same delivered again, then a late sent
    for (const status of ['queued', 'sent', 'delivered', 'delivered', 'sent']) {
      const r = await twilioPost(a.params.StatusCallback, statusBody(a, status));
      expect(r.statusCode, r.body).toBe(200);
    }
    expect(await delivery(ws, ids[ana])).toMatchObject({ status: 'sent', provider_status: 'delivered' });
    expect((await timeline(ws, ana)).filter((e) => e.type === 'message.delivered')).toHaveLength(1);

    // Bob: undelivered (unreachable handset), then an out-of-order delivered changes nothing
    expect((await twilioPost(b.params.StatusCallback, statusBody(b, 'undelivered', '30003'))).json()).toMatchObject({ recorded: true, provider_status: 'undelivered' });
    expect((await twilioPost(b.params.StatusCallback, statusBody(b, 'delivered'))).json()).toMatchObject({ recorded: false, provider_status: 'undelivered' });
    expect(await delivery(ws, ids[bob])).toMatchObject({ status: 'bounced', provider_status: 'undelivered', last_error: 'Twilio undelivered: error 30003' });
    const bounced = (await timeline(ws, bob)).filter((e) => e.type === 'message.bounced');
    expect(bounced.map((e) => e.data)).toEqual([expect.objectContaining({ delivery_id: ids[bob], channel: 'sms', campaign_id: id, bounce_type: 'soft', error_code: '30003' })]);
    expect((await timeline(ws, bob)).some((e) => e.type === 'message.delivered')).toBe(false);

    // Cleo: failed, because the phone had replied STOP to Twilio: the contact's SMS consent follows
    await twilioPost(c.params.StatusCallback, statusBody(c, 'failed', '21610'));
    expect(await delivery(ws, ids[cleo])).toMatchObject({ status: 'failed', provider_status: 'failed' });
    expect((await timeline(ws, cleo)).map((e) => e.type)).toContain('message.failed');
    expect((await ws.api('GET', `/api/v1/contacts/${cleo}`)).body.sms_status).toBe('opted_out');
    const hist = (await ws.api('GET', `/api/v1/contacts/${cleo}/consent-history`)).body.data;
    expect(hist[0]).toMatchObject({ channel: 'sms', status: 'opted_out', source: 'provider', actor: 'Twilio' });

    const report = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body.totals;
    expect(report).toMatchObject({ sent: 2, delivered: 1, bounced: 1, failed: 1 });
  });

  it('keeps a report that comes before the send is recorded: the delivery ends bounced', async () => {
    const ws = await newWorkspace(t);
    const m = await smsMessage(ws);
    const dan = await phoneContact(ws, '+33611000004', 'Dan');
    // a fast carrier: the status callback arrives while the sender waits for the API's answer
    provider.onSend = async (s) => {
      const r = await twilioPost(s.params.StatusCallback, statusBody(s, 'undelivered', '30005'));
      expect(r.statusCode, r.body).toBe(200);
    };
    const res = await ws.api('POST', '/api/v1/transactional', { message_id: m, to: { contact_id: dan } });
    try {
      await t.app.drain();
    } finally {
      provider.onSend = null;
    }
    expect(await delivery(ws, res.body.delivery_id)).toMatchObject({ status: 'bounced', provider_status: 'undelivered', last_error: 'Twilio undelivered: error 30005' });
    const types = (await timeline(ws, dan)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['message.sent', 'message.bounced']));
    expect((await timeline(ws, dan)).find((e) => e.type === 'message.bounced').data.bounce_type).toBe('hard');
  });

  it('refuses a forged or wrongly addressed callback: 403 on a bad signature, 404 on a bad token, 400 and 422 on bad fields', async () => {
    const ws = await newWorkspace(t);
    const m = await smsMessage(ws);
    const eve = await phoneContact(ws, '+33611000005', 'Eve');
    const res = await ws.api('POST', '/api/v1/transactional', { message_id: m, to: { contact_id: eve } });
    await t.app.drain();
    const s = sentTo('+33611000005');
    const url = s.params.StatusCallback;
    const forged = await twilioPost(url, statusBody(s, 'undelivered', '30003'), { secret: 'not-the-auth-token' });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.details[0].path).toBe('X-Twilio-Signature');
    const unsigned = await twilioPost(url, statusBody(s, 'undelivered'), { signature: '' });
    expect(unsigned.statusCode).toBe(403);
    expect(await delivery(ws, res.body.delivery_id)).toMatchObject({ status: 'sent', provider_status: null });

    const token = new URL(url).pathname.split('/').pop()!;
    const other = `${PUBLIC}/hooks/sms-status/${token.slice(0, -2)}xx`;
    expect((await twilioPost(other, statusBody(s, 'delivered'))).statusCode).toBe(404);
    const bad = await twilioPost(url, { ...statusBody(s, 'delivered'), MessageStatus: 'exploded' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].path).toBe('MessageStatus');
    const foreign = await twilioPost(url, { ...statusBody(s, 'delivered'), MessageSid: 'SM00000000000000000000000000000000' });
    expect(foreign.statusCode).toBe(422);
    expect(foreign.json().error.details[0].path).toBe('MessageSid');
  });
});

describe('Twilio request signatures (M-6)', () => {
  async function inboundUrl(ws: Workspace) {
    return (await ws.api('GET', '/api/v1/sms/inbound-url')).body.url as string;
  }
  const inbound = (from: string, body: string) => ({
    ToCountry: 'US', ToState: 'CA', SmsMessageSid: 'SMaaaabbbbccccddddeeeeffff00001111', NumMedia: '0', SmsSid: 'SMaaaabbbbccccddddeeeeffff00001111',
    SmsStatus: 'received', Body: body, To: '+15550001111', NumSegments: '1', MessageSid: 'SMaaaabbbbccccddddeeeeffff00001111',
    AccountSid: ACCOUNT, From: from, ApiVersion: '2010-04-01',
  });

  it('takes HMAC-SHA1 with the auth token, with or without the default port, as the twilio library validates it', async () => {
    const ws = await newWorkspace(t);
    const c = await phoneContact(ws, '+33622000001', 'Fay');
    const url = await inboundUrl(ws);
    const params = inbound('+33622000001', 'STOP');
    const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params);
    expect(twilio.validateRequest(AUTH_TOKEN, sig, url, params)).toBe(true);
    const r = await twilioPost(url, params);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).toContain('<Response>');
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_out');
    const withPort = url.replace('http://parcours.test/', 'http://parcours.test:80/');
    expect((await twilioPost(url, inbound('+33622000001', 'START'), { signedUrl: withPort })).statusCode).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_in');
  });

  it("takes a SharedKey's HMAC-SHA256 (X-Twilio-Webhooks-Signature-Settings), and any of the configured secrets", async () => {
    const ws = await newWorkspace(t);
    const c = await phoneContact(ws, '+33622000002', 'Gus');
    const url = await inboundUrl(ws);
    const params = inbound('+33622000002', 'Arrêt');
    const sig = twilio.getExpectedTwilioSignature(SHARED_KEY, url, params, 'HMAC_SHA256');
    expect(twilio.validateRequest(SHARED_KEY, sig, url, params, 'HMAC_SHA256')).toBe(true);
    const r = await twilioPost(url, params, { algorithm: 'HMAC_SHA256' });
    expect(r.statusCode, r.body).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_out');
    // the other secret of a rotation, and a SharedKey signing with HMAC_SHA1
    expect((await twilioPost(url, inbound('+33622000002', 'STOP'), { algorithm: 'HMAC_SHA256', secret: 'old-rotated-secret-xyz' })).statusCode).toBe(200);
    expect((await twilioPost(url, inbound('+33622000002', 'STOP'), { algorithm: 'HMAC_SHA1', secret: SHARED_KEY })).statusCode).toBe(200);
    // HMAC-SHA256 with the auth token is not how Twilio signs: refused
    const wrong = await twilioPost(url, inbound('+33622000002', 'START'), { algorithm: 'HMAC_SHA256', secret: AUTH_TOKEN });
    expect(wrong.statusCode).toBe(403);
  });

  it('refuses a bad signature, a missing one and a URL Twilio did not call with 403, changing nothing', async () => {
    const ws = await newWorkspace(t);
    const c = await phoneContact(ws, '+33622000003', 'Hal');
    const url = await inboundUrl(ws);
    const params = inbound('+33622000003', 'STOP');
    const tampered = await t.http.inject({
      method: 'POST', url: new URL(url).pathname, payload: new URLSearchParams({ ...params, From: '+33699999999' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, params) },
    });
    expect(tampered.statusCode).toBe(403);
    expect((await twilioPost(url, params, { signature: '' })).statusCode).toBe(403);
    expect((await twilioPost(url, params, { signedUrl: url.replace('parcours.test', 'elsewhere.example') })).statusCode).toBe(403);
    const unknownAlgorithm = await t.http.inject({
      method: 'POST', url: new URL(url).pathname, payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x', 'x-twilio-webhooks-signature-settings': 'key=k,algorithm=HMAC_MD5' },
    });
    expect(unknownAlgorithm.statusCode).toBe(403);
    expect(unknownAlgorithm.json().error.message).toContain('HMAC_MD5');
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_in');
  });

  it('checks a JSON body through bodySHA256, as validateRequestWithBody does', async () => {
    const ws = await newWorkspace(t);
    const c = await phoneContact(ws, '+33622000004', 'Ivy');
    const base = await inboundUrl(ws);
    const body = JSON.stringify(inbound('+33622000004', 'STOP'));
    const url = `${base}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const sig = twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, {});
    expect(twilio.validateRequestWithBody(AUTH_TOKEN, sig, url, body)).toBe(true);
    const post = (payload: string) =>
      t.http.inject({ method: 'POST', url: new URL(url).pathname + new URL(url).search, payload, headers: { 'content-type': 'application/json', 'x-twilio-signature': sig } });
    expect((await post(body.replace('STOP', 'START'))).statusCode).toBe(403);
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_in');
    const r = await post(body);
    expect(r.statusCode, r.body).toBe(200);
    expect((await ws.api('GET', `/api/v1/contacts/${c}`)).body.sms_status).toBe('opted_out');
  });
});
