import { z } from 'zod';

/** Message content as stored in a version (M-1, M-6). Language versions override the default. */
const emailParts = {
  subject: z.string().max(998).meta({ description: 'the subject line (Liquid)' }),
  preheader: z.string().max(500).optional().meta({ description: 'the preview text inboxes show after the subject (Liquid)' }),
  body: z.string().max(1_000_000).meta({ description: 'MJML or HTML, as `format` says (Liquid)' }),
  text: z.string().max(1_000_000).optional().meta({ description: 'a hand-written plain-text part (Liquid); made from the HTML when absent' }),
};

/** The largest visual editor document kept with a version (its JSON). */
export const MAX_EDITOR_PROJECT_BYTES = 2_000_000;

/**
 * The visual editor's own document (GrapesJS project data), kept beside the MJML it produced so
 * the message reopens as it was built. Only the editor reads it: sends render `body`.
 */
export const editorDocument = z.strictObject({
  kind: z.literal('grapesjs'),
  version: z.string().max(40).meta({ description: 'the GrapesJS version that wrote it' }),
  project: z.record(z.string(), z.unknown()).refine((p) => JSON.stringify(p).length <= MAX_EDITOR_PROJECT_BYTES, `at most ${MAX_EDITOR_PROJECT_BYTES / 1_000_000} MB of JSON`)
    .meta({ description: 'GrapesJS project data (editor.getProjectData())' }),
}).meta({ description: 'The visual editor document this body was built with (MJML messages built in the Visual editor); ignored by rendering' });

export const emailContent = z.strictObject({
  ...emailParts,
  format: z.enum(['mjml', 'html']).default('html').meta({ description: 'what `body` is written in' }),
  editor: editorDocument.optional(),
  sender_id: z.number().int().positive().optional().meta({ description: "the sender identity it goes out from (GET /api/v1/senders); default: the workspace's first" }),
  languages: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'a language code such as fr or fr-CA'), z.strictObject({
    subject: emailParts.subject.optional(),
    preheader: emailParts.preheader,
    body: emailParts.body.optional(),
    text: emailParts.text,
  })).optional().meta({ description: "language versions by code (fr, fr-CA), for contacts of that language or of its base (fr-CA → fr); a part left out is the default's, except text when the version has its own body (M-6)" }),
});

export const smsContent = z.strictObject({
  text: z.string().min(1).max(1600).meta({ description: 'the message (Liquid); long texts are sent as several segments' }),
  languages: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/), z.strictObject({ text: z.string().min(1).max(1600) })).optional()
    .meta({ description: 'language versions by code (fr, fr-CA), for contacts of that language or of its base (M-6)' }),
});

// components of the OpenAPI document (issue 18): the content of a message, by its channel
z.globalRegistry.add(emailContent, { id: 'EmailContent', description: 'The content of an email message (M-1, M-6).' });
z.globalRegistry.add(smsContent, { id: 'SmsContent', description: 'The content of an SMS message (M-1, M-6).' });

export type EmailContent = z.infer<typeof emailContent>;
export type SmsContent = z.infer<typeof smsContent>;

/** The language version to use: the contact's language, its base language, or the default. */
export function pickLanguage(available: string[], wanted?: string | null): string | null {
  if (!wanted) return null;
  if (available.includes(wanted)) return wanted;
  const base = wanted.split('-')[0];
  return available.includes(base) ? base : null;
}

export function emailVersion(c: EmailContent, lang: string | null) {
  const l = lang ? c.languages?.[lang] : undefined;
  return {
    subject: l?.subject ?? c.subject,
    preheader: l?.preheader ?? c.preheader,
    format: c.format,
    body: l?.body ?? c.body,
    text: l ? (l.body !== undefined ? l.text : l.text ?? c.text) : c.text,
  };
}

export function smsVersion(c: SmsContent, lang: string | null): string {
  return (lang ? c.languages?.[lang]?.text : undefined) ?? c.text;
}
