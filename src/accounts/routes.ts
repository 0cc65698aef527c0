import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal, SESSION_COOKIE } from '../http/auth.ts';
import { idParams, id, ok, listOf } from '../http/schemas.ts';
import { apiKey, apiKeyCreated, invitation, invitationAccepted, invitationPreview, loginAnswer, meAnswer, member, workspaceBody } from './schemas.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { changeUniqueKey, contactSettingsSchema } from '../contacts/index.ts';
import * as accounts from './accounts.ts';
import { permissionsOf } from './roles.ts';
import * as invitations from './invitations.ts';
import { ROLES } from './roles.ts';
import { IANAZone } from 'luxon';
import { validateWindow, type DeliveryWindow } from '../delivery/index.ts';

const role = z.enum(ROLES);

/** settings.default_window (the window the UI proposes for new journeys and campaigns) must be a valid window or null (M-4). */
function checkDefaultWindow(w: unknown) {
  if (w === undefined || w === null) return;
  const win = w as DeliveryWindow;
  const errors = validateWindow({ ...win, timezone: win?.timezone === 'contact' ? 'UTC' : win?.timezone }).map((e) => ({ ...e, path: `settings.default_window.${e.path}` }));
  if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors);
}

const email = z.string().trim().max(254).email();

export function accountRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.post('/api/v1/auth/login', {
      config: { permission: 'public' },
      schema: { tags: ['auth'], summary: 'Log in with a password; sets the session cookie', body: z.strictObject({ email, password: z.string().min(1).max(200), workspace_id: id.optional() }), response: { 200: loginAnswer } },
    }, async (req, reply) => {
      const s = await accounts.login(ctx, req.body.email, req.body.password, req.body.workspace_id);
      reply.setCookie(SESSION_COOKIE, s.token, { httpOnly: true, sameSite: 'lax', path: '/', secure: ctx.config.publicUrl.startsWith('https:'), maxAge: 14 * 86400 });
      return { user_id: s.userId, workspace_id: s.workspaceId, role: s.role, csrf_token: s.csrfToken };
    });

    r.post('/api/v1/auth/logout', { config: { permission: 'session' }, schema: { tags: ['auth'], summary: 'Log out: ends the session and clears its cookie', response: { 200: ok } } }, async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await accounts.logout(ctx.db, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true };
    });

    r.get('/api/v1/me', { config: { permission: 'session' }, schema: { tags: ['auth'], summary: 'Who is calling, in which workspace, with which role', response: { 200: meAnswer } } }, async (req) => {
      const p = principal(req);
      return {
        user_id: p.userId,
        role: p.role,
        permissions: permissionsOf(p.role),
        via: p.via,
        csrf_token: p.csrfToken ?? null,
        workspace: await accounts.getWorkspace(ctx.db, p.workspaceId),
        workspaces: p.userId ? await accounts.listUserWorkspaces(ctx.db, p.userId) : [],
      };
    });

    r.post('/api/v1/auth/workspace', {
      config: { permission: 'session' },
      schema: { tags: ['auth'], summary: 'Switch the session to another workspace of the user', body: z.strictObject({ workspace_id: id }), response: { 200: ok } },
    }, async (req) => {
      const p = principal(req);
      if (!p.userId) throw new AppError('forbidden', 'an API key belongs to one workspace');
      await accounts.switchWorkspace(ctx, req.cookies[SESSION_COOKIE]!, p.userId, req.body.workspace_id);
      return { ok: true };
    });

    r.post('/api/v1/workspaces', {
      config: { permission: 'session' },
      schema: { tags: ['workspaces'], summary: 'Create a workspace; the user becomes its owner', body: z.strictObject({ name: z.string().trim().min(1).max(200) }), response: { 201: workspaceBody } },
    }, async (req, reply) => {
      const p = principal(req);
      if (!p.userId) throw new AppError('forbidden', 'only a logged-in user can create a workspace');
      const ws = await ctx.db.tx((tx) => accounts.createWorkspace(tx, ctx.clock, req.body.name, p.userId!));
      return reply.status(201).send(ws);
    });

    r.get('/api/v1/workspace', { schema: { tags: ['workspaces'], summary: 'The current workspace', response: { 200: workspaceBody } } }, async (req) => accounts.getWorkspace(ctx.db, principal(req).workspaceId));

    r.patch('/api/v1/workspace', {
      config: { permission: 'admin' },
      schema: {
        tags: ['workspaces'],
        summary: 'Rename, set the time zone, the unique key (email or a custom field) or settings',
        body: z.strictObject({
          name: z.string().trim().min(1).max(200).optional(),
          timezone: z.string().refine((t) => IANAZone.isValidZone(t), 'not an IANA time zone').optional(),
          unique_key: z.string().min(1).max(63).optional(),
          settings: z
            .looseObject({ contacts: contactSettingsSchema.nullable().optional() })
            .optional()
            .describe('Merged into the stored settings, one top-level key at a time: contacts.default_country, default_window, engagement, segments.refresh_minutes, profile, …'),
        }),
        response: { 200: workspaceBody },
      },
    }, async (req) => {
      const ws = principal(req).workspaceId;
      checkDefaultWindow(req.body.settings?.default_window);
      return ctx.db.tx(async (tx) => {
        if (req.body.unique_key) await changeUniqueKey(tx, ws, req.body.unique_key);
        return accounts.updateWorkspace(tx, ws, { ...req.body, unique_key: undefined });
      });
    });

    r.get('/api/v1/users', { schema: { tags: ['users'], summary: 'Members of the workspace', response: { 200: listOf(member) } } }, async (req) => ({ data: await accounts.listMembers(ctx.db, principal(req).workspaceId) }));

    // joining takes the invitee's own step (issue 16): no route adds an existing account directly
    r.post('/api/v1/invitations', {
      config: { permission: 'admin' },
      schema: {
        tags: ['users'],
        summary: 'Invite an email address to the workspace with a role: a link is mailed to it, and the person joins by accepting it (the same answer whether the address has an account or not)',
        body: z.strictObject({ email, role }),
        response: { 201: invitation },
      },
    }, async (req, reply) => {
      const p = principal(req);
      if (req.body.role === 'owner' && p.role !== 'owner') throw new AppError('forbidden', 'only an owner can invite an owner');
      return reply.status(201).send(await invitations.invite(ctx, p.workspaceId, req.body, p.actor));
    });
    r.get('/api/v1/invitations', { config: { permission: 'admin' }, schema: { tags: ['users'], summary: 'Invitations not yet accepted, revoked or expired', response: { 200: listOf(invitation) } } }, async (req) =>
      ({ data: await invitations.listInvitations(ctx.db, principal(req).workspaceId, ctx.clock.now()) }));
    r.delete('/api/v1/invitations/:id', { config: { permission: 'admin' }, schema: { tags: ['users'], summary: 'Revoke an invitation: its link stops working', params: idParams, response: { 200: ok } } }, async (req) => {
      await invitations.revokeInvitation(ctx.db, principal(req).workspaceId, req.params.id, ctx.clock.now());
      return { ok: true };
    });
    const token = z.string().min(10).max(200);
    r.get('/api/v1/invitations/preview', {
      config: { permission: 'public' },
      schema: { tags: ['users'], summary: 'What an invitation link is for (the accept page): workspace, address, role, and whether the address already has an account', querystring: z.strictObject({ token }), response: { 200: invitationPreview } },
    }, async (req) => invitations.previewInvitation(ctx, req.query.token));
    r.post('/api/v1/invitations/accept', {
      config: { permission: 'public' },
      schema: {
        tags: ['users'],
        summary: "Accept an invitation: with the password of the address's account, or a new one (10 characters or more) that creates it",
        body: z.strictObject({ token, password: z.string().min(1).max(200), name: z.string().trim().max(200).optional() }),
        response: { 200: invitationAccepted },
      },
    }, async (req) => invitations.acceptInvitation(ctx, req.body.token, req.body));

    r.patch('/api/v1/users/:id', {
      config: { permission: 'admin' },
      schema: { tags: ['users'], summary: "Change a member's role", params: idParams, body: z.strictObject({ role }), response: { 200: z.object({ id, role }) } },
    }, async (req) => {
      const p = principal(req);
      if (req.body.role === 'owner' && p.role !== 'owner') throw new AppError('forbidden', 'only an owner can grant the owner role');
      const members = await accounts.listMembers(ctx.db, p.workspaceId);
      const m = members.find((x: any) => x.id === req.params.id);
      if (!m) throw notFound('user');
      if (m.role === 'owner' && req.body.role !== 'owner' && members.filter((x: any) => x.role === 'owner').length === 1)
        throw new AppError('conflict', 'a workspace keeps at least one owner');
      await accounts.addMember(ctx.db, ctx.clock, p.workspaceId, req.params.id, req.body.role);
      return { id: req.params.id, role: req.body.role };
    });

    r.delete('/api/v1/users/:id', { config: { permission: 'admin' }, schema: { tags: ['users'], summary: 'Remove a member from the workspace (its last owner stays)', params: idParams, response: { 200: ok } } }, async (req) => {
      await accounts.removeMember(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.get('/api/v1/api-keys', { config: { permission: 'admin' }, schema: { tags: ['api keys'], summary: 'API keys of the workspace (not revoked; the secrets are never shown again)', response: { 200: listOf(apiKey) } } }, async (req) => ({ data: await accounts.listApiKeys(ctx.db, principal(req).workspaceId) }));

    r.post('/api/v1/api-keys', {
      config: { permission: 'admin' },
      schema: { tags: ['api keys'], summary: 'Create an API key: the key is in this answer only', body: z.strictObject({ name: z.string().trim().min(1).max(100), role: role.default('admin') }), response: { 201: apiKeyCreated } },
    }, async (req, reply) => {
      const p = principal(req);
      if (req.body.role === 'owner' && p.role !== 'owner') throw new AppError('forbidden', 'only an owner can create an owner key');
      return reply.status(201).send(await accounts.createApiKey(ctx.db, ctx.clock, p.workspaceId, req.body.name, req.body.role));
    });

    r.delete('/api/v1/api-keys/:id', { config: { permission: 'admin' }, schema: { tags: ['api keys'], summary: 'Revoke an API key: it stops working at once', params: idParams, response: { 200: ok } } }, async (req) => {
      await accounts.revokeApiKey(ctx.db, ctx.clock, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });
  };
}
