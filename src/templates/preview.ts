import type { Queryable } from '../db/index.ts';
import { getWorkspace } from '../accounts/index.ts';
import { emailVersion, smsVersion, type EmailContent, type SmsContent } from '../messages/index.ts';
import { compileEmail, compileSms, renderEmail, renderSms } from '../messages/render/index.ts';
import type { Template } from './templates.ts';

/** The contact a gallery preview is shown for: a template has no recipient yet. */
export const SAMPLE_CONTACT = { first_name: 'Alex', last_name: 'Morgan', email: 'alex@example.com', phone: '+15555550100', language: null };

export type TemplatePreview = { channel: 'email'; subject: string; html: string } | { channel: 'sms'; text: string };

/**
 * A template rendered for the gallery's thumbnails: MJML compiled, Liquid filled with a sample
 * contact and the workspace's own fields; the links point nowhere (`#`). Nothing is stored.
 */
export async function previewTemplate(q: Queryable, workspaceId: number, t: Template): Promise<TemplatePreview> {
  const w = await getWorkspace(q, workspaceId);
  const profile = (w.settings as { profile?: Record<string, unknown> }).profile ?? {};
  const vars = { contact: SAMPLE_CONTACT, workspace: { id: w.id, name: w.name, ...profile }, unsubscribe_url: '#', preferences_url: '#', view_online_url: '#', sms_optin_url: '#' };
  if (t.channel === 'sms') return { channel: 'sms', text: renderSms(compileSms(smsVersion(t.content as SmsContent, null)), vars) };
  const out = renderEmail(compileEmail(emailVersion(t.content as EmailContent, null)), vars);
  return { channel: 'email', subject: out.subject, html: out.html };
}
