import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { settle } from './integrations.helpers.ts';
import { isForbiddenAddress, refusalFor, webhookSource } from '../src/integrations/index.ts';

describe('the outbound address guard', () => {
  it('refuses loopback, private, link-local, unspecified and reserved addresses, in every spelling', () => {
    const forbidden = ['127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1',
      '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::192.168.0.1', '[::1]'];
    const allowed = ['8.8.8.8', '93.184.216.34', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '2001:db8::1', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8'];
    for (const ip of forbidden) expect(isForbiddenAddress(ip), ip).toBe(true);
    for (const ip of allowed) expect(isForbiddenAddress(ip), ip).toBe(false);
  });

  it('resolves every address of the name and refuses if any is forbidden', async () => {
    const dns = (map: Record<string, string[]>) => async (host: string) => map[host] ?? [];
    const resolve = dns({ 'hooks.example.com': ['93.184.216.34'], 'mixed.example.com': ['93.184.216.34', '10.1.2.3'], 'rebind.example.com': ['::ffff:169.254.169.254'] });
    expect(await refusalFor(new URL('https://hooks.example.com/x'), false, resolve)).toBeNull();
    expect(await refusalFor(new URL('https://mixed.example.com/x'), false, resolve)).toMatch(/10\.1\.2\.3/);
    expect(await refusalFor(new URL('https://rebind.example.com/x'), false, resolve)).toMatch(/169\.254\.169\.254/);
    expect(await refusalFor(new URL('https://nowhere.example.com/x'), false, resolve)).toMatch(/no address/);
    expect(await refusalFor(new URL('http://[::1]:8080/x'), false, resolve)).toMatch(/::1/);
    expect(await refusalFor(new URL('http://127.0.0.1/x'), true, resolve)).toBeNull();
  });
});

describe('outbound webhooks without PARCOURS_WEBHOOKS_ALLOW_PRIVATE', () => {
  let t: TestApp;
  let receiver: http.Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    receiver = http.createServer((_req, res) => {
      hits++;
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
    t = await testApp();
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('refuses a private address when subscribing, and a name resolving to one when sending, without retries', async () => {
    const ws = await newWorkspace(t);
    const literal = await ws.api('POST', '/api/v1/webhooks', { url: `http://127.0.0.1:${port}/hook`, event_types: ['*'] });
    expect(literal.status).toBe(400);
    expect(literal.body.error.details[0].path).toBe('url');
    expect((await ws.api('POST', '/api/v1/webhooks', { url: 'http://[::1]/hook', event_types: ['*'] })).status).toBe(400);
    // a name is resolved at each send: localhost is refused then
    const sub = await ws.api('POST', '/api/v1/webhooks', { url: `http://localhost:${port}/hook`, event_types: ['*'] });
    expect(sub.status).toBe(201);
    await ws.api('POST', '/api/v1/contacts', { email: 'eve@example.com' });
    await settle(t);
    const deliveries = (await ws.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`)).body.data;
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of deliveries) {
      expect(d.status).toBe('failed');
      expect(d.last_error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1)/);
    }
    expect(hits).toBe(0);
  });

  it('connects to the address it checked: a name that answers a public address, then a private one, never reaches the private one (DNS rebinding, issue 16)', async () => {
    const ws = await newWorkspace(t);
    // subscribed while the name looked public; the system resolver says localhost is 127.0.0.1
    const sub = await ws.api('POST', '/api/v1/webhooks', { url: `http://localhost:${port}/hook`, event_types: ['contact.created'] });
    expect(sub.status).toBe(201);
    await ws.api('POST', '/api/v1/contacts', { email: 'rebind@example.com' });
    const before = hits;
    // the guard's own resolution answers a public (documentation) address
    const source = webhookSource(t.app.ctx, { allowPrivate: false, timeoutMs: 300, resolve: async () => ['192.0.2.10'] });
    for (let i = 0; i < 5 && (await source.runDue(t.clock.now())) > 0; i++);
    expect(hits - before).toBe(0);
    const [d] = (await ws.api('GET', `/api/v1/webhooks/${sub.body.id}/deliveries`)).body.data;
    expect(d.status).toBe('queued'); // it failed against the checked address and will be tried again
    expect(d.last_error).toMatch(/timed out|ECONN|EHOST|ENETUNREACH/);
  });
});
