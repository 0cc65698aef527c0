import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { isEmail, normalizeContact, updateContact, upsertContact, type FieldDef } from '../contacts/index.ts';
import type { ErrorDetail } from '../errors.ts';

/** The standard fields a shop or a tracking library may tell us about a person. */
export interface Person {
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  phone?: string | null;
  language?: string | null;
  timezone?: string | null;
  birthday?: string | null;
  fields?: Record<string, unknown>;
  /** The platform's marketing opt-in, when it has one: used only for a contact created now. */
  accepts_marketing?: boolean;
}

const PERSON_FIELDS = ['email', 'first_name', 'last_name', 'phone', 'language', 'timezone', 'birthday'] as const;

export async function workspaceUniqueKey(q: Queryable, workspaceId: number): Promise<string> {
  const { rows } = await q.query<{ unique_key: string }>(sql`select unique_key from workspaces where id = ${workspaceId}`);
  return rows[0]?.unique_key ?? 'email';
}

export async function contactIdByEmail(q: Queryable, workspaceId: number, email: string): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(sql`
    select id from contacts where workspace_id = ${workspaceId} and lower(email) = lower(${email.trim()}) order by id limit 1`);
  return rows[0]?.id ?? null;
}

/**
 * Keeps the values that validate and reports the others: a shop's "555-555-BILL" is no E.164
 * number, and an order must not be refused for it.
 */
export function validValues(person: Person, defs: Map<string, FieldDef> = new Map()): { values: Person; rejected: ErrorDetail[] } {
  const input: Record<string, unknown> = {};
  for (const f of PERSON_FIELDS) if (typeof person[f] === 'string' && person[f]!.trim() !== '') input[f] = person[f];
  if (person.fields) input.fields = person.fields;
  const { values, errors } = normalizeContact(input as any, defs);
  const bad = new Set(errors.map((e) => e.path));
  const out: Person = {};
  for (const f of PERSON_FIELDS) if (values[f] && !bad.has(f)) out[f] = values[f];
  if (values.fields) {
    const fields = Object.fromEntries(Object.entries(values.fields).filter(([k]) => !bad.has(`fields.${k}`)));
    if (Object.keys(fields).length) out.fields = fields;
  }
  return { values: out, rejected: errors };
}

/**
 * The contact holding this email, created when missing (source 'api'); missing names and phone
 * are filled in, existing ones are left alone unless `overwrite`. Null when the email is not
 * valid, or when the workspace's unique key is a custom field the person does not carry.
 */
export async function contactForPerson(ctx: Ctx, workspaceId: number, person: Person, opts: { overwrite?: boolean } = {}) {
  if (!person.email || !isEmail(person.email.trim())) return null;
  const { values } = validValues(person);
  const { rows } = await ctx.db.query<Record<string, any>>(sql`
    select id, first_name, last_name, phone, language, timezone, birthday from contacts
     where workspace_id = ${workspaceId} and lower(email) = lower(${values.email!}) order by id limit 1`);
  const existing = rows[0];
  if (existing) {
    const patch: Record<string, string> = {};
    for (const f of PERSON_FIELDS) {
      const v = values[f];
      if (f === 'email' || !v) continue;
      if (opts.overwrite ? existing[f] !== v : existing[f] === null) patch[f] = v;
    }
    if (Object.keys(patch).length) await updateContact(ctx, workspaceId, existing.id, patch, { source: 'api' });
    return { id: existing.id as number, created: false };
  }
  if ((await workspaceUniqueKey(ctx.db, workspaceId)) !== 'email') return null;
  const status = person.accepts_marketing === undefined ? {} : { email_status: person.accepts_marketing ? ('subscribed' as const) : ('unsubscribed' as const) };
  const r = await upsertContact(ctx, workspaceId, { ...values, fields: undefined, ...status }, { source: 'api' });
  return { id: r.contact.id as number, created: r.created };
}
