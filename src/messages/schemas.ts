import { z } from 'zod';
import { checkedByHandler, id, timestamp, version } from '../http/schemas.ts';
import { emailContent, smsContent } from './content.ts';

/** What the messages, senders and DKIM routes take and answer (issue 18: the typed contract). */

/** A message's content: its channel's schema is applied by the handler (the channel of the body, or of the stored message on PATCH). */
export const messageContent = checkedByHandler(z.xor([emailContent, smsContent])).meta({
  description: "By the message's channel: an email's subject, body (MJML or HTML), preheader, text part and language versions (EmailContent), or an SMS's text (SmsContent). Checked against the channel's schema, and its Liquid templates compiled: a 400 names the field, with line and column.",
});

const channel = z.enum(['email', 'sms']);
const smsSegments = z.object({
  encoding: z.enum(['GSM-7', 'UCS-2']).meta({ description: 'UCS-2 as soon as one character is outside the GSM-7 alphabet' }),
  characters: z.number().int().meta({ description: 'units billed: GSM-7 septets (extension characters count 2) or UTF-16 code units' }),
  segments: z.number().int().meta({ description: 'the SMS parts it is sent as' }),
  per_segment: z.number().int().meta({ description: 'capacity of each part: 160 or 70 alone, 153 or 67 once split' }),
});

export const messageSummary = z
  .object({ id, name: z.string(), channel, version: version.meta({ description: 'the current version: every content edit adds one' }), created_at: timestamp, updated_at: timestamp })
  .meta({ id: 'MessageSummary' });

const messageFields = {
  id,
  name: z.string(),
  version: version.meta({ description: 'the version shown (the current one, or ?version)' }),
  created_at: timestamp,
  updated_at: timestamp,
};

export const message = z
  .discriminatedUnion('channel', [
    z.object({ ...messageFields, channel: z.literal('email'), content: emailContent }),
    z.object({
      ...messageFields,
      channel: z.literal('sms'),
      content: smsContent,
      sms_segments: z.object({ default: smsSegments, languages: z.record(z.string(), smsSegments) }).meta({ description: 'how the default text and each language version are split into SMS parts' }),
    }),
  ])
  .meta({ id: 'Message', description: 'A message at one version, with its content.' });

export const sender = z
  .object({
    id,
    from_name: z.string(),
    from_email: z.string(),
    reply_to: z.string().nullable().meta({ description: 'null: replies go to from_email' }),
    created_at: timestamp,
  })
  .meta({ id: 'SenderIdentity', description: 'A From name and address (and Reply-To) messages go out from (M-1).' });

export const dkimKey = z
  .object({
    domain: z.string().meta({ description: 'the sending domain, lower-cased: mail from it is signed' }),
    selector: z.string().meta({ description: 'the DNS selector: the public key is published at <selector>._domainkey.<domain>' }),
    created_at: timestamp,
  })
  .meta({ id: 'DkimKey', description: 'A DKIM key (the private key is never answered).' });

export const dkimKeySet = dkimKey.omit({ created_at: true });
