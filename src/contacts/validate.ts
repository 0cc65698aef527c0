import { DateTime, IANAZone } from 'luxon';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { ErrorDetail } from '../errors.ts';

/** Standard contact fields; custom field keys may not reuse these names. */
export const STANDARD_FIELDS = ['email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday'] as const;
export type StandardField = (typeof STANDARD_FIELDS)[number];
export const RESERVED_KEYS = new Set<string>([...STANDARD_FIELDS, 'id', 'key', 'created_at', 'updated_at', 'email_status', 'sms_status', 'fields', 'tags', 'lists']);

export type FieldType = 'text' | 'number' | 'date' | 'boolean';
export interface FieldDef {
  key: string;
  type: FieldType;
}

export type ContactValues = Partial<Record<StandardField, string | null>> & { fields?: Record<string, unknown> };

// Pragmatic address check (RFC 5322 allows more, mailbox providers accept less).
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** How contact values are read beyond their own text: the workspace's settings.contacts. */
export interface ContactRules {
  /** ISO 3166 alpha-2: national phone numbers ("06 12 34 56 78") are read in this country. */
  defaultCountry?: string | null;
}

/** settings.contacts of a workspace, as PATCH /workspace accepts it. */
export const contactSettingsSchema = z
  .strictObject({
    default_country: z
      .string()
      .refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), 'an ISO 3166 alpha-2 country code in upper case, e.g. FR')
      .nullable()
      .optional()
      .describe('Country in which phone numbers written without a country code (06 12 34 56 78) are read, by imports and the API; none by default: such numbers are refused'),
  })
  .describe('How contact values are read');

const PHONE_CHARS = /^[+\d\s().\/-]+$/;

/** A phone number as E.164: as written when it is E.164 already, else read in the default country. */
export function normalizePhone(v: string, rules: ContactRules): { phone: string } | { error: string } {
  const compact = v.replace(/[\s().-]/g, '');
  if (E164.test(compact)) return { phone: compact };
  const country = rules.defaultCountry;
  if (!country)
    return { error: 'not an E.164 phone number (e.g. +33612345678); to read national numbers such as 06 12 34 56 78, set the workspace setting settings.contacts.default_country' };
  const p = PHONE_CHARS.test(v) ? parsePhoneNumberFromString(v, country as CountryCode) : undefined;
  if (!p || !p.isValid() || p.ext) return { error: `not a phone number in ${country} or in E.164 (e.g. +33612345678)` };
  return { phone: p.number };
}

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL.test(s);
}

/** Parses a date given as YYYY-MM-DD (or a full ISO timestamp) into YYYY-MM-DD. */
export function parseDate(s: string): string | null {
  const t = s.trim();
  // the common case without luxon (a tenth of an import's CPU went to parsing birthdays)
  const m = YMD.exec(t);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const at = new Date(0);
    at.setUTCFullYear(y, mo - 1, d);
    return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? t : null;
  }
  const dt = DateTime.fromISO(t, { zone: 'utc' });
  return dt.isValid ? dt.toISODate() : null;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Turns one custom-field value (JSON or CSV text) into its typed form, or explains why not. */
export function coerceFieldValue(type: FieldType, raw: unknown): { value: unknown } | { error: string } {
  if (raw === null || raw === undefined || raw === '') return { value: null };
  switch (type) {
    case 'text':
      if (typeof raw === 'string') return raw.length > 10_000 ? { error: 'longer than 10000 characters' } : { value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return { error: 'expected text' };
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: 'expected a number' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'oui', 'y'].includes(s)) return { value: true };
      if (['false', '0', 'no', 'non', 'n'].includes(s)) return { value: false };
      return { error: 'expected true or false' };
    }
    case 'date': {
      const d = typeof raw === 'string' ? parseDate(raw) : null;
      return d ? { value: d } : { error: 'expected a date (YYYY-MM-DD)' };
    }
  }
}

/**
 * Validates and normalises contact values, shared by the API and CSV import.
 * Emails are trimmed, phones become E.164 (national ones read in rules.defaultCountry),
 * custom fields must be defined and well typed.
 */
export function normalizeContact(input: ContactValues, defs: Map<string, FieldDef>, at = '', rules: ContactRules = {}): { values: ContactValues; errors: ErrorDetail[] } {
  const errors: ErrorDetail[] = [];
  const out: ContactValues = {};
  const p = (f: string) => (at ? `${at}.${f}` : f);
  for (const f of STANDARD_FIELDS) {
    if (!(f in input)) continue;
    const raw = input[f];
    if (raw === null || raw === undefined || raw === '') {
      out[f] = null;
      continue;
    }
    const v = String(raw).trim();
    switch (f) {
      case 'email':
        if (!isEmail(v)) errors.push({ path: p(f), message: `not a valid email address: ${JSON.stringify(v.slice(0, 80))}` });
        else out.email = v;
        break;
      case 'phone': {
        const r = normalizePhone(v, rules);
        if ('error' in r) errors.push({ path: p(f), message: r.error });
        else out.phone = r.phone;
        break;
      }
      case 'language':
        if (!LANGUAGE.test(v)) errors.push({ path: p(f), message: 'not a language code (e.g. fr or fr-CA)' });
        else out.language = v;
        break;
      case 'timezone':
        if (!IANAZone.isValidZone(v)) errors.push({ path: p(f), message: 'not an IANA time zone (e.g. Europe/Paris)' });
        else out.timezone = v;
        break;
      case 'birthday': {
        const d = parseDate(v);
        if (!d) errors.push({ path: p(f), message: 'expected a date (YYYY-MM-DD)' });
        else out.birthday = d;
        break;
      }
      default:
        if (v.length > 500) errors.push({ path: p(f), message: 'longer than 500 characters' });
        else out[f] = v;
    }
  }
  if (input.fields) {
    out.fields = {};
    for (const [k, raw] of Object.entries(input.fields)) {
      const def = defs.get(k);
      if (!def) {
        errors.push({ path: p(`fields.${k}`), message: 'no such custom field (create it first)' });
        continue;
      }
      const r = coerceFieldValue(def.type, raw);
      if ('error' in r) errors.push({ path: p(`fields.${k}`), message: r.error });
      else out.fields[k] = r.value;
    }
  }
  return { values: out, errors };
}

/** The value of the workspace's unique key for these values (lower-cased email by default). */
export function uniqueKeyOf(uniqueKey: string, v: ContactValues): string | null {
  if (uniqueKey === 'email') return v.email ? v.email.toLowerCase() : null;
  const f = v.fields?.[uniqueKey];
  return f === null || f === undefined || f === '' ? null : String(f);
}
