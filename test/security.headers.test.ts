import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkspace, testApp, type TestApp } from './helpers.ts';

/** Issue 16, item 6: security headers on every response; HSTS only behind an https public URL. */
let t: TestApp;
let https: TestApp;
beforeAll(async () => {
  t = await testApp();
  https = await testApp({ PUBLIC_URL: 'https://parcours.example' });
});
afterAll(async () => {
  await t.close();
  await https.close();
});

describe('security headers (issue 16)', () => {
  it('sends a CSP without inline script, no framing, nosniff and no referrer on the UI, the API and public pages', async () => {
    for (const url of ['/', '/contacts/3', '/api/v1/me', '/api/openapi.json', '/u/not-a-token', '/livez']) {
      const r = await t.http.inject({ method: 'GET', url });
      const csp = String(r.headers['content-security-policy']);
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(r.headers['x-frame-options'], url).toBe('DENY');
      expect(r.headers['x-content-type-options'], url).toBe('nosniff');
      expect(r.headers['referrer-policy'], url).toBe('no-referrer');
      expect(r.headers['strict-transport-security'], url).toBeUndefined();
    }
  });

  it('adds HSTS when PUBLIC_URL is https', async () => {
    const r = await https.http.inject({ method: 'GET', url: '/livez' });
    expect(r.headers['strict-transport-security']).toMatch(/max-age=31536000/);
  });

  it('serves a message seen online as a sandboxed document: no script, an opaque origin (item 1)', async () => {
    const ws = await newWorkspace(t);
    const m = await ws.api('POST', '/api/v1/messages', { name: 'V', channel: 'email', content: { subject: 'V', body: '<a href="{{ view_online_url }}">online</a><script>alert(1)</script>' } });
    await ws.api('POST', `/api/v1/messages/${m.body.id}/test`, { to: ['v@example.com'] });
    await t.app.drain();
    const out = (await ws.api('GET', '/api/v1/outbox')).body.data[0];
    const html = (await ws.api('GET', `/api/v1/outbox/${out.id}`)).body.html as string;
    const path = /href="https?:\/\/[^/"]+(\/v\/[^"]+)"/.exec(html)![1];
    const r = await t.http.inject({ method: 'GET', url: path });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('<script>');
    expect(String(r.headers['content-security-policy'])).toMatch(/^sandbox (?!.*allow-scripts)(?!.*allow-same-origin)/);
  });
});

describe('JSON bodies (issue 16, item 9)', () => {
  it('refuses invalid UTF-8 with a 400 naming the body and the byte, and stores nothing', async () => {
    const ws = await newWorkspace(t);
    const body = Buffer.concat([Buffer.from('{"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]); // Latin-1 é
    const r = await t.http.inject({ method: 'POST', url: '/api/v1/lists', payload: body, headers: { authorization: `Bearer ${ws.key}`, 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatchObject({ code: 'invalid_json', details: [{ path: 'body', message: 'invalid UTF-8 at byte 12' }] });
    expect((await ws.api('GET', '/api/v1/lists')).body.data).toEqual([]);
    const ok = await t.http.inject({ method: 'POST', url: '/api/v1/lists', payload: Buffer.from('{"name":"Café"}'), headers: { authorization: `Bearer ${ws.key}`, 'content-type': 'application/json; charset=utf-8' } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().name).toBe('Café');
    const proto = await t.http.inject({ method: 'POST', url: '/api/v1/lists', payload: '{"name":"x","__proto__":{"a":1}}', headers: { authorization: `Bearer ${ws.key}`, 'content-type': 'application/json' } });
    expect(proto.statusCode).toBe(400);
  });
});
