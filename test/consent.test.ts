import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkspace, testApp, type TestApp, type Workspace } from './helpers.ts';

/**
 * Issue 16, items 2 and 4 (C-4, C-5): a public form never lifts an unsubscribe nor overwrites
 * what is stored; giving consent back takes a proof; every consent change names who made it.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

async function formOf(ws: Workspace, double = false) {
  const list = (await ws.api('POST', '/api/v1/lists', { name: `Form ${Math.random()}` })).body;
  const form = await ws.api('PUT', `/api/v1/lists/${list.id}/form`, { enabled: true, double_opt_in: double });
  return { list, path: new URL(form.body.form_url).pathname };
}
const post = (path: string, body: Record<string, string>, ip = '192.0.2.1') => t.http.inject({ method: 'POST', url: path, payload: body, remoteAddress: ip });
async function confirmationsTo(ws: Workspace, email: string) {
  await t.app.drain();
  return (await ws.api('GET', `/api/v1/outbox?to=${encodeURIComponent(email)}`)).body.data as { id: number }[];
}
async function confirmLink(ws: Workspace, outboxId: number) {
  const html = (await ws.api('GET', `/api/v1/outbox/${outboxId}`)).body.html as string;
  return /href="http:\/\/parcours\.test(\/f\/confirm\/[^"]+)"/.exec(html)![1];
}

describe('public signup forms (issue 16, C-5)', () => {
  it('does not re-subscribe an unsubscribed contact nor overwrite their name; only the mailed link does, recorded as such', async () => {
    const ws = await newWorkspace(t);
    const { list, path } = await formOf(ws);
    const victim = (await ws.api('POST', '/api/v1/contacts', { email: 'victim@example.com', first_name: 'Véra' })).body;
    await ws.api('POST', `/api/v1/contacts/${victim.id}/consent`, { channel: 'email', status: 'unsubscribed' });

    const r = await post(path, { email: 'victim@example.com', first_name: 'Overwritten' });
    expect(r.statusCode).toBe(202); // "check your inbox", as on a double opt-in list
    let now = (await ws.api('GET', `/api/v1/contacts/${victim.id}`)).body;
    expect(now).toMatchObject({ email_status: 'unsubscribed', first_name: 'Véra' });
    expect(now.lists).toEqual([]);

    const [mail] = await confirmationsTo(ws, 'victim@example.com');
    expect((await t.http.inject({ method: 'GET', url: await confirmLink(ws, mail.id) })).statusCode).toBe(200);
    now = (await ws.api('GET', `/api/v1/contacts/${victim.id}`)).body;
    expect(now).toMatchObject({ email_status: 'subscribed', first_name: 'Véra' });
    expect(now.lists.map((l: any) => l.id)).toEqual([list.id]);
    const [last] = (await ws.api('GET', `/api/v1/contacts/${victim.id}/consent-history`)).body.data;
    expect(last).toMatchObject({ status: 'subscribed', source: 'form', actor: 'the contact, by the confirmation link' });
    expect(last.proof.reason).toMatch(/double opt-in/);
  });

  it('lifts a bounce or a complaint only by the confirmation link too', async () => {
    const ws = await newWorkspace(t);
    const { path } = await formOf(ws);
    for (const status of ['bounced', 'complained']) {
      const c = (await ws.api('POST', '/api/v1/contacts', { email: `${status}@example.com` })).body;
      await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'email', status });
      expect((await post(path, { email: `${status}@example.com` })).statusCode).toBe(202);
      expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.email_status).toBe(status);
    }
  });

  it('fills empty fields of a subscribed contact and never replaces a stored one', async () => {
    const ws = await newWorkspace(t);
    const { list, path } = await formOf(ws);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'kept@example.com', first_name: 'Anne' })).body;
    expect((await post(path, { email: 'kept@example.com', first_name: 'Mallory', last_name: 'Durand' })).statusCode).toBe(201);
    const now = (await ws.api('GET', `/api/v1/contacts/${c.id}`)).body;
    expect(now).toMatchObject({ first_name: 'Anne', last_name: 'Durand', email_status: 'subscribed' });
    expect(now.lists.map((l: any) => l.id)).toEqual([list.id]);
  });

  it('sends an address at most one confirmation an hour per list, whatever is posted, and answers the same', async () => {
    const ws = await newWorkspace(t);
    const { path } = await formOf(ws, true);
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await post(path, { email: 'flood@example.com' }, `192.0.2.${10 + i}`)).statusCode);
    expect(codes).toEqual([202, 202, 202, 202, 202, 202]);
    expect(await confirmationsTo(ws, 'flood@example.com')).toHaveLength(1);
    t.clock.set(new Date(t.clock.now().getTime() + 61 * 60_000));
    await post(path, { email: 'flood@example.com' }, '192.0.2.99');
    expect(await confirmationsTo(ws, 'flood@example.com')).toHaveLength(2);
  });
});

describe('giving consent back takes a proof; every change names who made it (issue 16, C-4)', () => {
  it('refuses to re-subscribe without a proof, through the contact and the consent routes, and records the key and the proof', async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'back@example.com', phone: '+33612345678', sms_status: 'opted_in' })).body;
    await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { email_status: 'unsubscribed' });
    const patch = await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { email_status: 'subscribed' });
    expect(patch.status).toBe(400);
    expect(patch.body.error.details[0].path).toBe('consent_proof');
    const route = await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'email', status: 'subscribed' });
    expect(route.status).toBe(400);
    expect(route.body.error.details[0].path).toBe('proof');
    const half = await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { email_status: 'subscribed', consent_proof: { reason: 'asked at the shop' } });
    expect(half.status).toBe(400);
    expect(half.body.error.details.map((d: any) => d.path)).toContain('consent_proof.consented_at');
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.email_status).toBe('unsubscribed');

    const proof = { reason: 'signed the paper form at the shop', consented_at: '2026-01-03', source: 'paper form' };
    expect((await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { email_status: 'subscribed', consent_proof: proof })).status).toBe(200);
    await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'sms', status: 'opted_out' });
    expect((await ws.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'sms', status: 'opted_in' })).status).toBe(400);
    const hist = (await ws.api('GET', `/api/v1/contacts/${c.id}/consent-history`)).body.data;
    const back = hist.find((h: any) => h.channel === 'email' && h.status === 'subscribed' && h.proof);
    expect(back).toMatchObject({ source: 'api', reason: proof.reason, proof });
    expect(back.actor).toMatch(/^API key \d+ \(/);
    expect(hist.every((h: any) => h.actor)).toBe(true);
  });
});
