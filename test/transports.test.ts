import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { startSmtpSink, type Sink } from './smtp-sink.ts';
import { outboxTransport, smtpTransport, smsHttpTransport, type Outgoing, type Transport } from '../src/delivery/index.ts';

let t: TestApp;
let wsId = 0;
let sink: Sink;
let sms: { url: string; received: Record<string, string>[]; status: number; close(): Promise<void> };

/** A Twilio-shaped SMS API: the outer edge, faked (its HTTP contract is public). */
async function fakeSmsProvider() {
  const state = { url: '', received: [] as Record<string, string>[], status: 201, close: async () => {} };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (!req.url?.match(/^\/2010-04-01\/Accounts\/AC123\/Messages\.json$/) || req.headers.authorization !== `Basic ${Buffer.from('AC123:secret').toString('base64')}`) {
        res.writeHead(401).end('{}');
        return;
      }
      state.received.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(state.status, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${state.received.length}`, message: 'x' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}

beforeAll(async () => {
  t = await testApp();
  wsId = (await newWorkspace(t)).id;
  sink = await startSmtpSink();
  sms = await fakeSmsProvider();
});
afterAll(async () => {
  await sink?.close();
  await sms?.close();
  await t?.close();
});

const email = (to: string, extra: Partial<Extract<Outgoing, { channel: 'email' }>> = {}): Outgoing => ({
  channel: 'email', workspaceId: wsId, deliveryId: 42, from: '"Shop" <news@shop.example>', to, subject: 'Hello Ana', html: '<p>Hi <b>Ana</b></p>',
  text: 'Hi Ana', headers: { 'List-Unsubscribe': '<https://x.example/u/t>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }, messageId: '<d42.w1@shop.example>', ...extra,
});
const text = (to: string): Outgoing => ({ channel: 'sms', workspaceId: wsId, deliveryId: 43, to, body: 'Hi Ana, -20% today' });

interface Case {
  name: string;
  make(): Transport;
  message(to: string): Outgoing;
  /** What the far side recorded for the last accepted message. */
  lastSeen(): Promise<{ to: string; body: string }>;
}

const cases: Case[] = [
  {
    name: 'email outbox',
    make: () => outboxTransport(t.db, t.clock, 'email'),
    message: email,
    lastSeen: async () => {
      const r = await t.db.query<any>(`select to_address, text from outbox where channel = 'email' order by id desc limit 1`);
      return { to: r.rows[0].to_address, body: r.rows[0].text };
    },
  },
  {
    name: 'smtp',
    make: () => smtpTransport(sink.url),
    message: email,
    lastSeen: async () => {
      const m = sink.received.find((x) => x.to[0] === 'bob@example.com')!;
      return { to: m.to[0], body: m.parsed.text!.trim() };
    },
  },
  {
    name: 'sms outbox',
    make: () => outboxTransport(t.db, t.clock, 'sms'),
    message: text,
    lastSeen: async () => {
      const r = await t.db.query<any>(`select to_address, text from outbox where channel = 'sms' order by id desc limit 1`);
      return { to: r.rows[0].to_address, body: r.rows[0].text };
    },
  },
  {
    name: 'sms-http',
    make: () => smsHttpTransport({ url: sms.url, accountSid: 'AC123', authToken: 'secret', from: '+15550001111' }),
    message: text,
    lastSeen: async () => {
      const m = sms.received[sms.received.length - 1];
      return { to: m.To, body: m.Body };
    },
  },
];

// One contract for every way out (M-2): hono's router conformance suite is the model.
describe.each(cases)('transport contract: $name', (c) => {
  it('sends a batch and answers one result per message, in order', async () => {
    const tr = c.make();
    const addr = c.message('').channel === 'email' ? ['ana@example.com', 'bob@example.com'] : ['+33612345678', '+33698765432'];
    const results = await tr.send(addr.map((a) => c.message(a)));
    expect(results.map((r) => r.status)).toEqual(['sent', 'sent']);
    const seen = await c.lastSeen();
    expect(seen.to).toBe(addr[1]);
    expect(seen.body).toContain('Ana');
    await tr.close();
  });

  it('answers an empty batch with no results', async () => {
    const tr = c.make();
    expect(await tr.send([])).toEqual([]);
    await tr.close();
  });

  it('refuses the other channel permanently instead of throwing', async () => {
    const tr = c.make();
    const other = c.message('').channel === 'email' ? text('+33612345678') : email('ana@example.com');
    const [r] = await tr.send([other]);
    if (c.name.includes('outbox')) expect(r.status).toBe('sent'); // the outbox keeps anything
    else expect(r.status).toBe('permanent');
    await tr.close();
  });
});

describe('outbox store (M-2)', () => {
  it('keeps each message exactly, in order, across statements of up to 1,000 messages', async () => {
    const tr = outboxTransport(t.db, t.clock, 'email');
    const big = 'Lorem ipsum « dolor » — sit amet 🙂 '.repeat(400);
    const batch = Array.from({ length: 2_003 }, (_, i) => email(`r${i}@example.com`, { deliveryId: 10_000 + i, html: `<p>é ${i}</p>${i % 500 === 0 ? big : ''}`, text: `é ${i} \\ "q" {a,b}` }));
    const results = await tr.send(batch);
    expect(results).toHaveLength(batch.length);
    const ids = results.map((r) => Number((r as { providerId: string }).providerId.replace('outbox:', '')));
    const { rows } = await t.db.query<any>(`select id, delivery_id, to_address, html, text from outbox where id = any($1::bigint[])`, [ids]);
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    batch.forEach((m, i) => {
      const row = byId.get(ids[i]!);
      expect([row.delivery_id, row.to_address, row.html, row.text]).toEqual([10_000 + i, m.to, (m as any).html, (m as any).text]);
    });
    await tr.close();
  });
});

describe('smtp transport against a real SMTP server', () => {
  it('keeps the headers, Message-ID and both parts, and signs with DKIM when given a key', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const tr = smtpTransport(sink.url);
    const [r] = await tr.send([email('carla@example.com', { dkim: { domainName: 'shop.example', keySelector: 's1', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } })]);
    expect(r.status).toBe('sent');
    const m = sink.received[sink.received.length - 1].parsed;
    const raw = sink.received[sink.received.length - 1].raw;
    expect(m.messageId).toBe('<d42.w1@shop.example>');
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(m.html).toContain('<b>Ana</b>');
    expect(m.text).toContain('Hi Ana');
    // RFC 8058: the one-click headers must be covered by the DKIM signature
    const signed = /[;\s]h=([^;]+);/.exec(raw.replace(/\r?\n\s+/g, ' '))![1].split(':').map((h) => h.trim());
    expect(signed).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']));
    await tr.close();
  });

  it('classifies throttling, permanent and connection failures', async () => {
    sink.onRcpt = (a) => (a.startsWith('slow') ? { code: 451, message: 'try later' } : a.startsWith('gone') ? { code: 550, message: 'no such user' } : undefined);
    const tr = smtpTransport(sink.url);
    const [slow, gone] = await tr.send([email('slow@example.com'), email('gone@example.com')]);
    expect(slow.status).toBe('throttled');
    expect(gone.status).toBe('permanent');
    expect((gone as any).error).toContain('no such user');
    sink.onRcpt = undefined;
    await tr.close();
    const refused = smtpTransport('smtp://127.0.0.1:1');
    // no session at all: the relay is down, nothing was handed over; the domain backs off (issue 9)
    expect((await refused.send([email('a@example.com')]))[0].status).toBe('throttled');
    await refused.close();
  });
});

describe('sms-http transport', () => {
  it('retries on provider 5xx and 429, gives up on other 4xx', async () => {
    const tr = smsHttpTransport({ url: sms.url, accountSid: 'AC123', authToken: 'secret' });
    for (const [status, expected] of [[500, 'temporary'], [429, 'temporary'], [400, 'permanent']] as const) {
      sms.status = status;
      expect((await tr.send([text('+33612345678')]))[0].status).toBe(expected);
    }
    sms.status = 201;
  });

  it('takes a request sent but never answered as unknown (in doubt, never resent), a refused one as temporary (M-6)', async () => {
    let requests = 0;
    const silent = http.createServer((req) => {
      req.resume();
      req.on('end', () => requests++);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    try {
      const r = await smsHttpTransport({ url: `http://127.0.0.1:${port}`, accountSid: 'AC123', authToken: 'secret', timeoutMs: 300 }).send([text('+33612345678')]);
      expect(r[0]).toMatchObject({ status: 'unknown', error: expect.stringContaining('no answer within 300 ms') });
      expect(requests).toBe(1);
    } finally {
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
    // nothing listens there now: refused before anything was sent
    const refused = await smsHttpTransport({ url: `http://127.0.0.1:${port}`, accountSid: 'AC123', authToken: 'secret', timeoutMs: 300 }).send([text('+33612345678')]);
    expect(refused[0]).toMatchObject({ status: 'temporary', error: expect.stringContaining('ECONNREFUSED') });
  });
});
