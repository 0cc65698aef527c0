import { z } from 'zod';

/** Message content as stored in a version (M-1, M-6). Language versions override the default. */
const emailParts = {
  subject: z.string().max(998),
  preheader: z.string().max(500).optional(),
  body: z.string().max(1_000_000),
  text: z.string().max(1_000_000).optional(),
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
  format: z.enum(['mjml', 'html']).default('html'),
  editor: editorDocument.optional(),
  sender_id: z.number().int().positive().optional(),
  languages: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'a language code such as fr or fr-CA'), z.strictObject({
    subject: emailParts.subject.optional(),
    preheader: emailParts.preheader,
    body: emailParts.body.optional(),
    text: emailParts.text,
  })).optional(),
});

export const smsContent = z.strictObject({
  text: z.string().min(1).max(1600),
  languages: z.record(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/), z.strictObject({ text: z.string().min(1).max(1600) })).optional(),
});

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
