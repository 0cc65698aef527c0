import { z } from 'zod';
import { id, pageOf, timestamp } from '../http/schemas.ts';
import { EMAIL_STATUSES, SMS_STATUSES } from './consent.ts';
import { BULK_ACTIONS } from './bulk.ts';
import { COUNT_CAP } from './browse.ts';
// the level is the engagement module's (segments); the contact record shows it beside the rest
import { currentLevel } from '../segments/engagement-schemas.ts';

/** What the contacts, lists, custom fields, tags and events routes answer (issue 18: the typed contract). */

const emailStatus = z.enum(EMAIL_STATUSES).meta({ description: 'email consent (C-4): bounced and complained are set by delivery' });
const smsStatus = z.enum(SMS_STATUSES).meta({ description: 'SMS consent (C-4): none until the contact opts in' });
const joinSource = z.enum(['api', 'import', 'form', 'manual', 'journey']).meta({ description: 'how the contact joined the list' });

export const contact = z
  .object({
    id,
    key: z.string().meta({ description: "the value of the workspace's unique key (the lower-cased email by default, K-2)" }),
    email: z.string().nullable(),
    phone: z.string().nullable().meta({ description: 'E.164 (+33612345678)' }),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    language: z.string().nullable().meta({ description: 'a language tag (fr, en-GB): picks the message language version' }),
    timezone: z.string().nullable().meta({ description: 'IANA time zone; null: the workspace’s' }),
    birthday: z.string().nullable().meta({ description: 'YYYY-MM-DD' }),
    fields: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .meta({ description: 'custom field key → value (GET /api/v1/fields); dates as YYYY-MM-DD' }),
    email_status: emailStatus,
    sms_status: smsStatus,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Contact' });

const contactList = z.object({ id, name: z.string(), joined_at: timestamp, source: joinSource });

/** A contact with its lists and tags (what a consent change answers). */
export const contactDetail = contact
  .extend({
    lists: z.array(contactList).meta({ description: 'the lists the contact is a member of' }),
    tags: z.array(z.string()),
  })
  .meta({ id: 'ContactDetail' });

/** The record GET /contacts/{id} answers (C-6). */
export const contactRecord = contactDetail.extend({ engagement: currentLevel }).meta({ id: 'ContactRecord' });

export const contactPage = pageOf(contact).extend({
  offset: z.number().int().min(0).meta({ description: "the position of the page's first contact in the sort order (0 on the first page)" }),
  total: z.number().int().min(0).meta({ description: `the matching contacts, exact up to ${COUNT_CAP.toLocaleString('en')}; beyond, ${COUNT_CAP.toLocaleString('en')} with total_exact false` }),
  total_exact: z.boolean().meta({ description: `false when more than ${COUNT_CAP.toLocaleString('en')} contacts match: total is then "at least"` }),
});

export const consentEntry = z
  .object({
    channel: z.enum(['email', 'sms']),
    status: z.string().meta({ description: 'the status set: an email_status or an sms_status' }),
    source: z.string().meta({ description: 'api, manual, import, form, unsubscribe, bounce, sms_keyword, …' }),
    ip: z.string().nullable(),
    actor: z.string().nullable().meta({ description: 'who made the change: a user, an API key, or the contact themself' }),
    reason: z.string().nullable(),
    proof: z
      .object({ reason: z.string(), consented_at: z.string().meta({ description: 'ISO 8601' }), source: z.string() })
      .nullable()
      .meta({ description: 'the proof of consent given for a re-subscription' }),
    occurred_at: timestamp,
  })
  .meta({ id: 'ConsentChange' });

export const timelinePage = z.object({
  data: z.array(
    z
      .object({
        id,
        type: z.string().meta({ description: 'contact.created, contact.updated, list.joined, tag.added, consent.changed, message.*, or a custom type' }),
        data: z.unknown().meta({ description: "the event's properties (for contact.updated: field, old, new)" }),
        occurred_at: timestamp,
        created_at: timestamp,
      })
      .meta({ id: 'ContactEvent' }),
  ),
  next_before: id.nullable().meta({ description: 'pass as `before` for the next page; null on the last' }),
});

export const accepted = z.object({ accepted: z.number().int().meta({ description: 'events recorded' }) });

export const bulkAnswer = z.union([
  z.object({
    action: z.enum(BULK_ACTIONS),
    contacts: z.number().int().meta({ description: 'contacts acted on' }),
    changed: z.number().int().meta({ description: 'what changed: tags added or removed, memberships made or ended, contacts deleted' }),
  }),
  z.object({
    lists_joined: z.number().int(),
    lists_left: z.number().int(),
    tags_added: z.number().int(),
    tags_removed: z.number().int(),
  }).meta({ description: 'the older form (without action)' }),
]);

export const field = z
  .object({
    id,
    key: z.string().meta({ description: 'the key in a contact’s fields and in Liquid ({{ contact.fields.key }})' }),
    label: z.string(),
    type: z.enum(['text', 'number', 'date', 'boolean']),
    created_at: timestamp,
  })
  .meta({ id: 'CustomField' });

export const list = z
  .object({ id, name: z.string(), description: z.string(), created_at: timestamp, member_count: z.number().int() })
  .meta({ id: 'List' });

export const membersAdded = z.object({ added: z.number().int().meta({ description: 'new members (those already in the list are not counted)' }) });

export const tag = z.object({ tag: z.string(), contact_count: z.number().int() }).meta({ id: 'Tag' });
export const tagChanged = z.object({ contacts: z.number().int().meta({ description: 'contacts that had the tag' }) });
