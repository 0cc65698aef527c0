import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, addMember } from '../src/accounts/index.ts';
import { newWorkspace, testApp, type TestApp } from './helpers.ts';
import { limitClock } from '../src/http/rate-limit.ts';

/** Issue 16, item 7: whose address counts, failed logins per account, the API per key. */
let t: TestApp;
let proxied: TestApp;
beforeAll(async () => {
  t = await testApp({ PARCOURS_API_RATE_LIMIT: '5' });
  proxied = await testApp({ PARCOURS_TRUST_PROXY: '10.0.0.0/8' });
});
afterAll(async () => {
  await t.close();
  await proxied.close();
});

const login = (app: TestApp, email: string, password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress, headers });

describe('rate limits (issue 16, item 7)', () => {
  it('believes X-Forwarded-For from no one by default, not even a private network', async () => {
    const codes: number[] = [];
    // from one address on a private network, naming a new client each time
    for (let i = 0; i < 14; i++) codes.push((await login(t, `x${i}@example.com`, 'guess', '10.1.2.3', { 'x-forwarded-for': `198.51.100.${i}` })).statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(10);
    expect(codes.slice(10)).toEqual([429, 429, 429, 429]);
  });

  it('believes the proxies PARCOURS_TRUST_PROXY names', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) codes.push((await login(proxied, `y${i}@example.com`, 'guess', '10.1.2.3', { 'x-forwarded-for': `198.51.100.${i}` })).statusCode);
    expect(codes.every((c) => c === 401)).toBe(true); // each is its own client behind the proxy
  });

  it('makes an account wait after 5 failed logins from anywhere, the right password too, until the wait is over', async () => {
    const ws = await newWorkspace(t);
    const uid = await createUser(t.db, t.clock, { email: `target-${ws.id}@example.com`, name: 'T', password: 'the right password' });
    await addMember(t.db, t.clock, ws.id, uid, 'admin');
    const email = `target-${ws.id}@example.com`;
    for (let i = 0; i < 5; i++) expect((await login(t, email, 'wrong', `203.0.113.${100 + i}`)).statusCode).toBe(401);
    const blocked = await login(t, email, 'the right password', '203.0.113.200');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    await t.app.advance(new Date(t.clock.now().getTime() + 61_000));
    expect((await login(t, email, 'the right password', '203.0.113.201')).statusCode).toBe(200);
    expect((await login(t, email, 'wrong', '203.0.113.202')).statusCode).toBe(401); // the count started again
  });

  it('limits the API per key with RateLimit headers, and not the next key', async () => {
    const a = await newWorkspace(t);
    const b = await newWorkspace(t);
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await a.api('GET', '/api/v1/lists'));
    expect(answers.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0].headers['ratelimit-limit']).toBe('5');
    expect(answers[4].headers['ratelimit-remaining']).toBe('0');
    expect(Number(answers[0].headers['ratelimit-reset'])).toBeLessThanOrEqual(60);
    expect(answers[5].status).toBe(429);
    expect(answers[5].body.error.code).toBe('rate_limited');
    expect(answers[5].headers['retry-after']).toBeTruthy();
    expect((await b.api('GET', '/api/v1/lists')).status).toBe(200);
    await t.app.advance(new Date(t.clock.now().getTime() + 61_000));
    expect((await a.api('GET', '/api/v1/lists')).status).toBe(200);
  });

  it('counts in real time too under a manual clock, so that a UI left open is not refused for good', async () => {
    const clock = limitClock(t.clock);
    const before = clock.now().getTime();
    await new Promise((r) => setTimeout(r, 50));
    expect(clock.now().getTime() - before).toBeGreaterThanOrEqual(40);
  });
});
