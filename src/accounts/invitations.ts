import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { systemMessage } from '../messages/index.ts';
import { scheduleDeliveries } from '../delivery/index.ts';
import { addMember, createUser, findUserByEmail } from './accounts.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Role } from './roles.ts';

/**
 * Invitations (issue 16, P-3). An admin cannot put someone's existing account in their workspace:
 * they invite an address, the answer is the same whether an account has it or not, and the
 * person joins only by following the mailed link, with their own password (or a new account's).
 * An invitation lasts 7 days, can be revoked, and is used once.
 */
const DAYS = 7;
const MAIL_NAME = '[system] Invitation to a workspace';
const MAIL = {
  format: 'html',
  subject: 'You are invited to {{ workspace.name }} on Parcours',
  body: '<p>Hello,</p><p>{{ data.invited_by }} invites you to the workspace {{ workspace.name }} on Parcours, as {{ data.role }}.</p><p><a href="{{ data.accept_url }}">Accept the invitation</a></p><p>The link works for 7 days. If you did not expect it, ignore this email.</p>',
};
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface Invitation {
  id: number;
  email: string;
  role: Role;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
}

export async function invite(ctx: Ctx, workspaceId: number, input: { email: string; role: Role }, invitedBy: string): Promise<Invitation> {
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const token = randomBytes(24).toString('base64url');
    // a pending invitation of the same address is replaced: one live link per address
    await tx.query(sql`update invitations set revoked_at = ${now} where workspace_id = ${workspaceId} and lower(email) = lower(${input.email}) and accepted_at is null and revoked_at is null`);
    const { rows } = await tx.query<Invitation>(sql`
      insert into invitations (workspace_id, email, role, token_hash, invited_by, created_at, expires_at)
      values (${workspaceId}, ${input.email}, ${input.role}, ${sha256(token)}, ${invitedBy}, ${now}, ${new Date(now.getTime() + DAYS * 86_400_000)})
      returning id, email, role, invited_by, created_at, expires_at`);
    const message = await systemMessage(tx, ctx.clock, workspaceId, { name: MAIL_NAME, channel: 'email', content: MAIL });
    await scheduleDeliveries(tx, now, [{
      workspaceId, idempotencyKey: `invitation:${rows[0].id}:${randomUUID()}`, contactId: null, messageId: message.id, messageVersion: message.version,
      channel: 'email', to: input.email, source: 'system', transactional: true, sendAt: now,
      data: { invited_by: invitedBy, role: input.role, accept_url: `${ctx.config.publicUrl}/invite/${token}` },
    }]);
    return rows[0];
  });
}

export async function listInvitations(q: Queryable, workspaceId: number, now: Date): Promise<Invitation[]> {
  const { rows } = await q.query<Invitation>(sql`
    select id, email, role, invited_by, created_at, expires_at from invitations
     where workspace_id = ${workspaceId} and accepted_at is null and revoked_at is null and expires_at > ${now} order by id`);
  return rows;
}

export async function revokeInvitation(q: Queryable, workspaceId: number, id: number, now: Date) {
  const r = await q.query(sql`update invitations set revoked_at = ${now} where workspace_id = ${workspaceId} and id = ${id} and accepted_at is null and revoked_at is null`);
  if (r.rowCount === 0) throw notFound('invitation');
}

interface Live {
  workspace_id: number;
  id: number;
  email: string;
  role: Role;
  workspace: string;
}

async function live(q: Queryable, token: string, now: Date, lock = false): Promise<Live> {
  const { rows } = await q.query<Live & { accepted_at: Date | null; revoked_at: Date | null; expires_at: Date }>(sql`
    select i.workspace_id, i.id, i.email, i.role, w.name as workspace, i.accepted_at, i.revoked_at, i.expires_at
      from invitations i join workspaces w on w.id = i.workspace_id where i.token_hash = ${sha256(token)} ${lock ? sql`for update of i` : sql``}`);
  const i = rows[0];
  const gone = (why: string) => new AppError('not_found', `this invitation ${why}`, [{ path: 'token', message: why }]);
  if (!i) throw gone('does not exist');
  if (i.accepted_at) throw gone('was already accepted');
  if (i.revoked_at) throw gone('was revoked');
  if (i.expires_at.getTime() <= now.getTime()) throw gone('has expired: ask for a new one');
  return i;
}

/** What the accept page shows: only to whoever holds the link, so it may say whether the address has an account. */
export async function previewInvitation(ctx: Ctx, token: string) {
  const i = await live(ctx.db, token, ctx.clock.now());
  return { workspace: i.workspace, email: i.email, role: i.role, account_exists: (await findUserByEmail(ctx.db, i.email)) !== null };
}

/**
 * Accepts: with the password of the address's account, or, when it has none, creating the
 * account with the password given. Joins the workspace with the invited role, once.
 */
export async function acceptInvitation(ctx: Ctx, token: string, input: { password: string; name?: string }) {
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const i = await live(tx, token, now, true);
    let uid = await findUserByEmail(tx, i.email);
    if (uid) {
      const { rows } = await tx.query<{ password_hash: string }>(sql`select password_hash from users where id = ${uid}`);
      if (!(await verifyPassword(input.password, rows[0].password_hash))) throw new AppError('unauthenticated', `wrong password for ${i.email}`, [{ path: 'password', message: 'wrong password' }]);
    } else {
      if (input.password.length < 10) throw new AppError('validation', 'password: at least 10 characters', [{ path: 'password', message: 'at least 10 characters' }]);
      uid = await createUser(tx, ctx.clock, { email: i.email, name: input.name, password: input.password });
    }
    await addMember(tx, ctx.clock, i.workspace_id, uid, i.role);
    await tx.query(sql`update invitations set accepted_at = ${now}, accepted_user_id = ${uid} where workspace_id = ${i.workspace_id} and id = ${i.id}`);
    return { workspace_id: i.workspace_id, user_id: uid, email: i.email, role: i.role };
  });
}
