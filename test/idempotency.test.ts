import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/index.ts';
import { newWorkspace, testApp, type TestApp } from './helpers.ts';

/**
 * Issue 16, item 9: an Idempotency-Key is marked applied in the transaction of the request's
 * effects, so a crash between that commit and storing the answer does not let a retry repeat
 * them. The crash is reproduced by leaving the key as a crash leaves it: the answer not stored.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

describe('Idempotency-Key across a crash (issue 16)', () => {
  it('does not send a test email twice when the first answer was lost', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'T', channel: 'email', content: { subject: 'T', body: '<p>t</p>' } })).body;
    const h = { 'idempotency-key': 'send-test-1' };
    const first = await ws.api('POST', `/api/v1/messages/${m.id}/test`, { to: ['me@example.com'] }, h);
    expect(first.status).toBe(202);
    const tests = async () => (await t.db.query<{ n: number }>(sql`select count(*)::int as n from deliveries where workspace_id = ${ws.id} and source = 'test'`)).rows[0].n;
    expect(await tests()).toBe(1);
    // the process died after the handler's commit, before its answer was stored
    await t.db.query(sql`update idempotency_keys set status_code = null, response = null where workspace_id = ${ws.id} and key = 'send-test-1'`);
    t.clock.set(new Date(t.clock.now().getTime() + 11 * 60_000));
    const retry = await ws.api('POST', `/api/v1/messages/${m.id}/test`, { to: ['me@example.com'] }, h);
    expect(retry.status).toBe(409);
    expect(retry.body.error.message).toMatch(/applied .* answer was lost/);
    expect(await tests()).toBe(1);
  });

  it('marks the key applied with the effects and replays the stored answer', async () => {
    const ws = await newWorkspace(t);
    const h = { 'idempotency-key': 'list-1' };
    const a = await ws.api('POST', '/api/v1/lists', { name: 'Once' }, h);
    expect(a.status).toBe(201);
    const b = await ws.api('POST', '/api/v1/lists', { name: 'Once' }, h);
    expect(b.status).toBe(201);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect((await ws.api('GET', '/api/v1/lists')).body.data).toHaveLength(1);
    const row = (await t.db.query<{ applied: boolean }>(sql`select applied_at is not null as applied from idempotency_keys where workspace_id = ${ws.id} and key = 'list-1'`)).rows[0];
    expect(row.applied).toBe(true);
  });
});
