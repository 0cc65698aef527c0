import { createHash, randomBytes } from 'node:crypto';
import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, notFound } from '../errors.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import type { Role } from './roles.ts';

export interface Ctx {
  db: Queryable & { tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> };
  clock: Clock;
}

export interface Principal {
  workspaceId: number;
  role: Role;
  userId: number | null;
  via: 'session' | 'api_key';
  csrfToken?: string;
  /** Who this is, as the consent history and audit logs name them: "marie@example.com" or "API key 4 (zapier)". */
  actor: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SESSION_DAYS = 14;

export async function createWorkspace(q: Queryable, clock: Clock, name: string, ownerUserId?: number) {
  const { rows } = await q.query<{ id: number }>(
    sql`insert into workspaces (name, created_at) values (${name}, ${clock.now()}) returning id`,
  );
  const id = rows[0].id;
  if (ownerUserId) await addMember(q, clock, id, ownerUserId, 'owner');
  return getWorkspace(q, id);
}

export async function getWorkspace(q: Queryable, id: number) {
  const { rows } = await q.query(
    sql`select id, name, unique_key, timezone, settings, created_at from workspaces where id = ${id}`,
  );
  if (!rows[0]) throw notFound('workspace');
  return rows[0] as { id: number; name: string; unique_key: string; timezone: string; settings: Record<string, unknown>; created_at: Date };
}

export async function createUser(q: Queryable, clock: Clock, input: { email: string; name?: string; password: string }) {
  const hash = await hashPassword(input.password);
  const { rows } = await q.query<{ id: number }>(sql`
    insert into users (email, name, password_hash, created_at)
    values (${input.email}, ${input.name ?? null}, ${hash}, ${clock.now()})
    on conflict (lower(email)) do nothing returning id`);
  if (!rows[0]) throw new AppError('conflict', 'a user with this email already exists', [{ path: 'email', message: 'already registered' }]);
  return rows[0].id;
}

export async function setPassword(q: Queryable, email: string, password: string) {
  const hash = await hashPassword(password);
  const r = await q.query(sql`update users set password_hash = ${hash} where lower(email) = lower(${email})`);
  if (r.rowCount === 0) throw notFound('user');
}

export async function addMember(q: Queryable, clock: Clock, workspaceId: number, userId: number, role: Role) {
  await q.query(sql`
    insert into memberships (workspace_id, user_id, role, created_at)
    values (${workspaceId}, ${userId}, ${role}, ${clock.now()})
    on conflict (workspace_id, user_id) do update set role = excluded.role`);
}

export async function login(ctx: Ctx, email: string, password: string, workspaceId?: number) {
  const { rows } = await ctx.db.query<{ id: number; password_hash: string }>(
    sql`select id, password_hash from users where lower(email) = lower(${email})`,
  );
  const user = rows[0];
  // verify against a dummy hash when the user is unknown, so timing does not reveal accounts
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !ok) throw new AppError('unauthenticated', 'wrong email or password');
  if (needsRehash(user.password_hash)) {
    await ctx.db.query(sql`update users set password_hash = ${await hashPassword(password)} where id = ${user.id} and password_hash = ${user.password_hash}`);
  }
  const ws = await ctx.db.query<{ workspace_id: number; role: Role }>(sql`
    select workspace_id, role from memberships where user_id = ${user.id}
     ${workspaceId ? sql`and workspace_id = ${workspaceId}` : sql``}
     order by workspace_id limit 1`);
  if (!ws.rows[0]) throw new AppError('forbidden', 'this user belongs to no such workspace');
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const now = ctx.clock.now();
  await ctx.db.query(sql`
    insert into sessions (token_hash, user_id, workspace_id, csrf_token, created_at, expires_at)
    values (${sha256(token)}, ${user.id}, ${ws.rows[0].workspace_id}, ${csrf}, ${now},
            ${new Date(now.getTime() + SESSION_DAYS * 86_400_000)})`);
  return { token, csrfToken: csrf, userId: user.id, workspaceId: ws.rows[0].workspace_id, role: ws.rows[0].role };
}
const DUMMY_HASH = 'scrypt$131072$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export async function logout(q: Queryable, token: string) {
  await q.query(sql`delete from sessions where token_hash = ${sha256(token)}`);
}

export async function principalFromSession(ctx: Ctx, token: string): Promise<Principal | null> {
  const { rows } = await ctx.db.query<{ user_id: number; workspace_id: number; role: Role; csrf_token: string; email: string }>(sql`
    select s.user_id, s.workspace_id, m.role, s.csrf_token, u.email
      from sessions s join memberships m on m.workspace_id = s.workspace_id and m.user_id = s.user_id
      join users u on u.id = s.user_id
     where s.token_hash = ${sha256(token)} and s.expires_at > ${ctx.clock.now()}`);
  const r = rows[0];
  return r ? { workspaceId: r.workspace_id, userId: r.user_id, role: r.role, via: 'session', csrfToken: r.csrf_token, actor: r.email } : null;
}

export async function switchWorkspace(ctx: Ctx, token: string, userId: number, workspaceId: number) {
  const { rows } = await ctx.db.query(
    sql`select role from memberships where user_id = ${userId} and workspace_id = ${workspaceId}`,
  );
  if (!rows[0]) throw notFound('workspace');
  await ctx.db.query(sql`update sessions set workspace_id = ${workspaceId} where token_hash = ${sha256(token)}`);
}

/** API keys look like `pk_<random>`; only their SHA-256 is stored, the key is shown once. */
export async function createApiKey(q: Queryable, clock: Clock, workspaceId: number, name: string, role: Role) {
  const key = `pk_${randomBytes(24).toString('base64url')}`;
  const { rows } = await q.query<{ id: number }>(sql`
    insert into api_keys (workspace_id, name, role, prefix, hash, created_at)
    values (${workspaceId}, ${name}, ${role}, ${key.slice(0, 8)}, ${sha256(key)}, ${clock.now()})
    returning id`);
  return { id: rows[0].id, name, role, prefix: key.slice(0, 8), key };
}

export async function principalFromApiKey(ctx: Ctx, key: string): Promise<Principal | null> {
  const { rows } = await ctx.db.query<{ id: number; name: string; workspace_id: number; role: Role }>(sql`
    update api_keys set last_used_at = ${ctx.clock.now()}
     where hash = ${sha256(key)} and revoked_at is null
    returning id, name, workspace_id, role`);
  const r = rows[0];
  return r ? { workspaceId: r.workspace_id, role: r.role, userId: null, via: 'api_key', actor: `API key ${r.id} (${r.name})` } : null;
}

export async function listApiKeys(q: Queryable, workspaceId: number) {
  const { rows } = await q.query<{ id: number; name: string; role: Role; prefix: string; created_at: Date; last_used_at: Date | null }>(sql`
    select id, name, role, prefix, created_at, last_used_at from api_keys
     where workspace_id = ${workspaceId} and revoked_at is null order by id`);
  return rows;
}

export async function revokeApiKey(q: Queryable, clock: Clock, workspaceId: number, id: number) {
  const r = await q.query(sql`
    update api_keys set revoked_at = ${clock.now()}
     where workspace_id = ${workspaceId} and id = ${id} and revoked_at is null`);
  if (r.rowCount === 0) throw notFound('API key');
}

export async function listMembers(q: Queryable, workspaceId: number) {
  const { rows } = await q.query<{ id: number; email: string; name: string | null; role: Role; created_at: Date }>(sql`
    select u.id, u.email, u.name, m.role, m.created_at from memberships m join users u on u.id = m.user_id
     where m.workspace_id = ${workspaceId} order by u.id`);
  return rows;
}

export async function removeMember(q: Queryable, workspaceId: number, userId: number) {
  const owners = await q.query<{ n: number }>(sql`
    select count(*)::int as n from memberships where workspace_id = ${workspaceId} and role = 'owner' and user_id <> ${userId}`);
  const r = await q.query(sql`
    delete from memberships where workspace_id = ${workspaceId} and user_id = ${userId}
       and (role <> 'owner' or ${owners.rows[0].n} > 0)`);
  if (r.rowCount === 0) {
    const exists = await q.query(sql`select 1 from memberships where workspace_id = ${workspaceId} and user_id = ${userId}`);
    if (!exists.rows[0]) throw notFound('user');
    throw new AppError('conflict', 'a workspace keeps at least one owner');
  }
}

export async function listUserWorkspaces(q: Queryable, userId: number) {
  const { rows } = await q.query<{ id: number; name: string; role: Role }>(sql`
    select w.id, w.name, m.role from memberships m join workspaces w on w.id = m.workspace_id
     where m.user_id = ${userId} order by w.id`);
  return rows;
}

export async function findUserByEmail(q: Queryable, email: string) {
  const { rows } = await q.query<{ id: number }>(sql`select id from users where lower(email) = lower(${email})`);
  return rows[0]?.id ?? null;
}

export async function updateWorkspace(
  q: Queryable,
  id: number,
  patch: { name?: string; timezone?: string; unique_key?: string; settings?: Record<string, unknown> },
) {
  await q.query(sql`
    update workspaces set name = coalesce(${patch.name ?? null}, name),
           timezone = coalesce(${patch.timezone ?? null}, timezone),
           unique_key = coalesce(${patch.unique_key ?? null}, unique_key),
           settings = settings || ${JSON.stringify(patch.settings ?? {})}::jsonb
     where id = ${id}`);
  return getWorkspace(q, id);
}

export async function getOrCreateSecret(q: Queryable): Promise<string> {
  const fresh = randomBytes(32).toString('base64url');
  await q.query(sql`insert into instance_settings (name, value) values ('secret', ${fresh}) on conflict do nothing`);
  const { rows } = await q.query<{ value: string }>(`select value from instance_settings where name = 'secret'`);
  return rows[0].value;
}
