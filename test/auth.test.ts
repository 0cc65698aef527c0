import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, apiClient, type TestApp } from './helpers.ts';
import { inviteAndAccept } from './invite.ts';
import { createUser, addMember } from '../src/accounts/index.ts';
import { randomBytes, scryptSync } from 'node:crypto';
import { sql } from '../src/db/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

function cookieOf(res: { headers: Record<string, any> }): string {
  const set = [res.headers['set-cookie']].flat()[0] as string;
  return set.split(';')[0];
}

describe('users, sessions and API keys (P-3)', () => {
  it('logs in with a password, sets an HttpOnly SameSite cookie and requires the CSRF token on mutations', async () => {
    const ws = await newWorkspace(t);
    const add = await inviteAndAccept(t, ws, 'marie@example.com', 'correct horse battery', 'author');
    expect(add.status).toBe(200);
    const anon = apiClient(t.http, {});
    const wrong = await anon('POST', '/api/v1/auth/login', { email: 'marie@example.com', password: 'nope' });
    expect(wrong.status).toBe(401);
    const login = await anon('POST', '/api/v1/auth/login', { email: 'MARIE@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const raw = [login.headers['set-cookie']].flat()[0] as string;
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    const session = apiClient(t.http, { cookie: cookieOf(login) });
    const me = await session('GET', '/api/v1/me');
    expect(me.body).toMatchObject({ role: 'author', via: 'session' });
    expect(me.body.workspace.id).toBe(ws.id);
    const noCsrf = await session('POST', '/api/v1/lists', { name: 'x' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf');
    const withCsrf = await session('POST', '/api/v1/lists', { name: 'x' }, { 'x-csrf-token': login.body.csrf_token });
    expect(withCsrf.status).toBe(201);
    await session('POST', '/api/v1/auth/logout', {}, { 'x-csrf-token': login.body.csrf_token });
    expect((await session('GET', '/api/v1/me')).status).toBe(401);
  });

  it('stores passwords with scrypt and API keys as hashes only', async () => {
    const ws = await newWorkspace(t);
    await inviteAndAccept(t, ws, 'hash@example.com', 'a long password', 'viewer');
    const u = await t.db.query<{ password_hash: string }>(`select password_hash from users where email = 'hash@example.com'`);
    expect(u.rows[0].password_hash).toMatch(/^scrypt\$/);
    const k = await ws.api('POST', '/api/v1/api-keys', { name: 'ci', role: 'viewer' });
    expect(k.body.key).toMatch(/^pk_/);
    const stored = await t.db.query(`select * from api_keys where hash = $1 or prefix = $1`, [k.body.key]);
    expect(stored.rows).toHaveLength(0);
    const list = await ws.api('GET', '/api/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(k.body.key);
    await ws.api('DELETE', `/api/v1/api-keys/${k.body.id}`);
    const revoked = await apiClient(t.http, { authorization: `Bearer ${k.body.key}` })('GET', '/api/v1/contacts');
    expect(revoked.status).toBe(401);
  });

  it('GET /me tells what the role may do, as the routes check it (P-3)', async () => {
    const ws = await newWorkspace(t);
    const want: Record<string, string[]> = { admin: ['read', 'write', 'approve', 'admin'], author: ['read', 'write'], approver: ['read', 'approve'], viewer: ['read'] };
    for (const [role, permissions] of Object.entries(want)) {
      const k = await ws.api('POST', '/api/v1/api-keys', { name: role, role });
      expect(k.status, JSON.stringify(k.body)).toBe(201);
      const me = await apiClient(t.http, { authorization: `Bearer ${k.body.key}` })('GET', '/api/v1/me');
      expect(me.body).toMatchObject({ role, permissions });
    }
    expect((await ws.api('GET', '/api/v1/me')).body.permissions).toContain('admin');
  });

  it('lets a user switch between the workspaces they belong to', async () => {
    const a = await newWorkspace(t, 'A');
    const b = await newWorkspace(t, 'B');
    await inviteAndAccept(t, a, 'multi@example.com', 'multi password', 'admin');
    await inviteAndAccept(t, b, 'multi@example.com', 'multi password', 'viewer');
    const anon = apiClient(t.http, {});
    const login = await anon('POST', '/api/v1/auth/login', { email: 'multi@example.com', password: 'multi password', workspace_id: a.id });
    const s = apiClient(t.http, { cookie: cookieOf(login), 'x-csrf-token': login.body.csrf_token });
    expect((await s('GET', '/api/v1/me')).body.workspaces.map((w: any) => w.id)).toEqual([a.id, b.id]);
    expect((await s('POST', '/api/v1/auth/workspace', { workspace_id: b.id })).status).toBe(200);
    const me = await s('GET', '/api/v1/me');
    expect([me.body.workspace.id, me.body.role]).toEqual([b.id, 'viewer']);
    const other = await newWorkspace(t, 'C');
    expect((await s('POST', '/api/v1/auth/workspace', { workspace_id: other.id })).status).toBe(404);
  });

  it('keeps at least one owner and lets only owners grant ownership', async () => {
    const ws = await newWorkspace(t);
    const admin = await ws.as('admin');
    const r = await admin('POST', '/api/v1/invitations', { email: 'o2@example.com', role: 'owner' });
    expect(r.status).toBe(403);
    const owner = await inviteAndAccept(t, ws, 'o1@example.com', 'password123', 'owner');
    expect((await ws.api('PATCH', `/api/v1/users/${owner.body.user_id}`, { role: 'viewer' })).status).toBe(409);
    expect((await ws.api('DELETE', `/api/v1/users/${owner.body.user_id}`)).status).toBe(409);
  });
});

describe('password hashes (issue 16)', () => {
  it('hashes with scrypt N=2^17 and upgrades an older hash at the next successful login', async () => {
    const { hashPassword } = await import('../src/accounts/passwords.ts');
    expect((await hashPassword('x')).split('$').slice(0, 4)).toEqual(['scrypt', '131072', '8', '1']);
    const ws = await newWorkspace(t);
    const uid = await createUser(t.db, t.clock, { email: `old-${ws.id}@example.com`, name: 'Old', password: 'placeholder password' });
    await addMember(t.db, t.clock, ws.id, uid, 'viewer');
    // the same password as hashed by an earlier version (N=2^15)
    const salt = randomBytes(16);
    const old = `scrypt$32768$8$1$${salt.toString('base64')}$${scryptSync('an old password', salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64')}`;
    await t.db.query(sql`update users set password_hash = ${old} where id = ${uid}`);
    const r = await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: `old-${ws.id}@example.com`, password: 'an old password' } });
    expect(r.statusCode).toBe(200);
    const stored = (await t.db.query<{ h: string }>(sql`select password_hash as h from users where id = ${uid}`)).rows[0].h;
    expect(stored.split('$')[1]).toBe('131072');
    expect((await t.http.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: `old-${ws.id}@example.com`, password: 'an old password' } })).statusCode).toBe(200);
  });
});

describe('invitations (issue 16, item 8)', () => {
  const anon = () => apiClient(t.http, {});
  async function linkFor(email: string) {
    await t.app.drain();
    const { rows } = await t.db.query<{ html: string }>(sql`select html from outbox where to_address = ${email} order by id desc limit 1`);
    return /\/invite\/([\w-]+)"/.exec(rows[0].html)![1];
  }

  it('answers the same for an address with or without an account, and adds nobody until they accept', async () => {
    const ws = await newWorkspace(t);
    const elsewhere = await newWorkspace(t);
    await inviteAndAccept(t, elsewhere, `known-${ws.id}@example.com`, 'known password 1', 'admin');
    const known = await ws.api('POST', '/api/v1/invitations', { email: `known-${ws.id}@example.com`, role: 'viewer' });
    const unknown = await ws.api('POST', '/api/v1/invitations', { email: `unknown-${ws.id}@example.com`, role: 'viewer' });
    expect([known.status, unknown.status]).toEqual([201, 201]);
    expect(Object.keys(known.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect((await ws.api('GET', '/api/v1/users')).body.data.map((u: any) => u.email)).not.toContain(`known-${ws.id}@example.com`);
    expect((await ws.api('GET', '/api/v1/invitations')).body.data.map((i: any) => i.email).sort()).toEqual([`known-${ws.id}@example.com`, `unknown-${ws.id}@example.com`]);
    expect((await ws.api('POST', '/api/v1/users', { email: `known-${ws.id}@example.com`, role: 'admin' })).status).toBe(404); // no direct way in

    const token = await linkFor(`known-${ws.id}@example.com`);
    expect((await anon()('GET', `/api/v1/invitations/preview?token=${token}`)).body).toMatchObject({ email: `known-${ws.id}@example.com`, role: 'viewer', account_exists: true });
    const wrong = await anon()('POST', '/api/v1/invitations/accept', { token, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect((await anon()('POST', '/api/v1/invitations/accept', { token, password: 'known password 1' })).status).toBe(200);
    expect((await anon()('POST', '/api/v1/invitations/accept', { token, password: 'known password 1' })).status).toBe(404); // once
    const members = (await ws.api('GET', '/api/v1/users')).body.data;
    expect(members.find((u: any) => u.email === `known-${ws.id}@example.com`).role).toBe('viewer');
  });

  it('stops a revoked or expired link', async () => {
    const ws = await newWorkspace(t);
    const inv = (await ws.api('POST', '/api/v1/invitations', { email: `rev-${ws.id}@example.com`, role: 'author' })).body;
    const token = await linkFor(`rev-${ws.id}@example.com`);
    expect((await ws.api('DELETE', `/api/v1/invitations/${inv.id}`)).status).toBe(200);
    expect((await anon()('POST', '/api/v1/invitations/accept', { token, password: 'a new password' })).body.error.message).toMatch(/revoked/);
    await ws.api('POST', '/api/v1/invitations', { email: `exp-${ws.id}@example.com`, role: 'author' });
    const late = await linkFor(`exp-${ws.id}@example.com`);
    t.clock.set(new Date(t.clock.now().getTime() + 8 * 86_400_000));
    expect((await anon()('POST', '/api/v1/invitations/accept', { token: late, password: 'a new password' })).body.error.message).toMatch(/expired/);
  });
});
