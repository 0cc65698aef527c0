import { z } from 'zod';
import { id, timestamp } from '../http/schemas.ts';
import { PERMISSIONS, ROLES } from './roles.ts';

/** What the accounts routes answer (issue 18: the typed contract). */
export const role = z.enum(ROLES).meta({ description: 'owner > admin > author / approver > viewer (P-3)' });

export const workspaceBody = z
  .object({
    id,
    name: z.string(),
    unique_key: z.string().meta({ description: "the field that identifies a contact: 'email' or a custom field's key (K-2)" }),
    timezone: z.string().meta({ description: 'IANA time zone: reports, windows and dates without a zone use it' }),
    settings: z.record(z.string(), z.unknown()).meta({ description: 'contacts.default_country, default_window, engagement, segments.refresh_minutes, profile, …' }),
    created_at: timestamp,
  })
  .meta({ id: 'Workspace' });

export const loginAnswer = z.object({ user_id: id, workspace_id: id, role, csrf_token: z.string().meta({ description: 'send it as X-CSRF-Token on every mutation made with the cookie' }) });

export const meAnswer = z.object({
  user_id: id.nullable().meta({ description: 'null for an API key' }),
  role,
  permissions: z.array(z.enum(PERMISSIONS)).meta({ description: "what the role may do (P-3): the UI shows only the actions it grants; the server checks every request anyway" }),
  via: z.enum(['session', 'api_key']),
  csrf_token: z.string().nullable(),
  workspace: workspaceBody,
  workspaces: z.array(z.object({ id, name: z.string(), role })).meta({ description: "the user's workspaces (empty for an API key)" }),
});

export const member = z.object({ id, email: z.string(), name: z.string().nullable(), role, created_at: timestamp }).meta({ id: 'Member' });

export const invitation = z
  .object({ id, email: z.string(), role, invited_by: z.string(), created_at: timestamp, expires_at: timestamp })
  .meta({ id: 'Invitation' });

export const invitationPreview = z.object({ workspace: z.string(), email: z.string(), role, account_exists: z.boolean() });
export const invitationAccepted = z.object({ workspace_id: id, user_id: id, email: z.string(), role });

export const apiKey = z
  .object({ id, name: z.string(), role, prefix: z.string().meta({ description: 'the first characters of the key, to recognise it' }), created_at: timestamp, last_used_at: timestamp.nullable() })
  .meta({ id: 'ApiKey' });
export const apiKeyCreated = z.object({ id, name: z.string(), role, prefix: z.string(), key: z.string().meta({ description: 'the secret: shown in this answer only' }) });
