import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { appendEvents, type NewEvent } from '../events/index.ts';
import { loadContactRules, loadFieldDefs } from './fields.ts';
import { normalizeContact, uniqueKeyOf, STANDARD_FIELDS, type ContactValues } from './validate.ts';
import { assertMayResubscribe, recordConsent, type ConsentChange, type ConsentProof } from './consent.ts';
import { assertLists, contactLists, joinLists, type JoinSource } from './lists.ts';
import { addTags, checkTag, contactTags } from './tags.ts';

export interface ContactInput extends ContactValues {
  email_status?: 'subscribed' | 'unsubscribed';
  sms_status?: 'none' | 'opted_in' | 'opted_out';
  list_ids?: number[];
  tags?: string[];
}

export interface WriteOptions {
  source: JoinSource;
  ip?: string | null;
  /** Who writes (a user or an API key), for the consent history. */
  actor?: string | null;
  /** Needed to re-subscribe a contact who unsubscribed, bounced or complained (issue 16). */
  proof?: ConsentProof | null;
}

export const CONTACT_COLUMNS = sql`id, key, email, phone, first_name, last_name, language, timezone, to_char(birthday, 'YYYY-MM-DD') as birthday, fields,
  email_status, sms_status, created_at, updated_at`;

type Row = Record<string, any> & { id: number; fields: Record<string, unknown> };

/**
 * With `lock` (a contact is about to be created), locks the workspace FOR KEY SHARE until
 * commit, as the foreign key check of a new contact did (migration 017).
 */
async function uniqueKeyOfWorkspace(q: Queryable, workspaceId: number, lock = false): Promise<string> {
  const { rows } = await q.query<{ unique_key: string }>(sql`select unique_key from workspaces where id = ${workspaceId} ${lock ? sql`for key share` : sql``}`);
  if (!rows[0]) throw notFound('workspace');
  return rows[0].unique_key;
}

async function validated(q: Queryable, workspaceId: number, input: ContactValues) {
  const defs = await loadFieldDefs(q, workspaceId);
  const { values, errors } = normalizeContact(input, defs, '', await loadContactRules(q, workspaceId));
  if (errors.length) throw new AppError('validation', errors[0].message, errors);
  return values;
}

function conflict(key: string, id?: number) {
  return new AppError('conflict', `a contact with key "${key}" already exists`, [
    { path: 'key', message: id ? `already used by contact ${id}` : 'already used' },
  ]);
}

/** Creates a contact, with its consent, lists and tags, and logs it all (C-1, C-3, C-4). */
export async function createContact(ctx: Ctx, workspaceId: number, input: ContactInput, opts: WriteOptions) {
  return ctx.db.tx(async (tx) => {
    const values = await validated(tx, workspaceId, input);
    const uk = await uniqueKeyOfWorkspace(tx, workspaceId, true);
    const key = uniqueKeyOf(uk, values);
    if (!key) throw new AppError('validation', `${uk} is required: it is this workspace's unique key`, [{ path: uk === 'email' ? 'email' : `fields.${uk}`, message: 'required (unique key)' }]);
    await assertLists(tx, workspaceId, input.list_ids ?? []);
    const tags = (input.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`));
    const now = ctx.clock.now();
    const emailStatus = input.email_status ?? 'subscribed';
    const smsStatus = input.sms_status ?? 'none';
    const { rows } = await tx.query<Row>(sql`
      insert into contacts (workspace_id, key, email, phone, first_name, last_name, language, timezone, birthday,
                            fields, email_status, sms_status, created_at, updated_at)
      values (${workspaceId}, ${key}, ${values.email ?? null}, ${values.phone ?? null}, ${values.first_name ?? null},
              ${values.last_name ?? null}, ${values.language ?? null}, ${values.timezone ?? null}, ${values.birthday ?? null},
              ${JSON.stringify(values.fields ?? {})}, ${emailStatus}, ${smsStatus}, ${now}, ${now})
      on conflict (workspace_id, key) do nothing
      returning ${CONTACT_COLUMNS}`);
    if (!rows[0]) {
      const existing = await tx.query<{ id: number }>(sql`select id from contacts where workspace_id = ${workspaceId} and key = ${key}`);
      throw conflict(key, existing.rows[0]?.id);
    }
    const c = rows[0];
    await appendEvents(tx, now, [{ workspaceId, contactId: c.id, type: 'contact.created', data: { source: opts.source } }]);
    const consent: (ConsentChange & { contactId: number; previous: null })[] = [];
    const who = { source: opts.source, ip: opts.ip, actor: opts.actor, proof: opts.proof, reason: opts.proof?.reason };
    if (values.email) consent.push({ contactId: c.id, channel: 'email', status: emailStatus, ...who, previous: null });
    if (smsStatus !== 'none') consent.push({ contactId: c.id, channel: 'sms', status: smsStatus, ...who, previous: null });
    await recordConsent(tx, now, workspaceId, consent);
    await joinLists(tx, now, workspaceId, [c.id], input.list_ids ?? [], opts.source);
    await addTags(tx, now, workspaceId, [c.id], tags);
    return c;
  });
}

/**
 * Updates fields, consent, lists and tags of one contact. Each changed field is logged as
 * contact.updated with its old and new value; unchanged values log nothing.
 */
export async function updateContact(ctx: Ctx, workspaceId: number, id: number, input: ContactInput, opts: WriteOptions) {
  return ctx.db.tx((tx) => updateContactIn(ctx, tx, workspaceId, id, input, opts));
}

/** The same update inside a transaction the caller holds (journey actions, imports). */
export async function updateContactIn(ctx: Ctx, tx: Queryable, workspaceId: number, id: number, input: ContactInput, opts: WriteOptions) {
  const { rows } = await tx.query<Row>(sql`select ${CONTACT_COLUMNS} from contacts where workspace_id = ${workspaceId} and id = ${id} for update`);
  const old = rows[0];
  if (!old) throw notFound('contact');
  return applyUpdate(ctx, tx, workspaceId, old, input, opts);
}

async function applyUpdate(ctx: Ctx, tx: Queryable, workspaceId: number, old: Row, input: ContactInput, opts: WriteOptions) {
  const values = await validated(tx, workspaceId, input);
  await assertLists(tx, workspaceId, input.list_ids ?? []);
  const tags = (input.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`));
  const now = ctx.clock.now();
  const events: NewEvent[] = [];
  const next: Row = { ...old, fields: { ...old.fields } };
  for (const f of STANDARD_FIELDS) {
    if (!(f in values) || values[f] === old[f]) continue;
    events.push({ workspaceId, contactId: old.id, type: 'contact.updated', data: { field: f, old: old[f], new: values[f] } });
    next[f] = values[f];
  }
  for (const [k, v] of Object.entries(values.fields ?? {})) {
    const before = old.fields[k] ?? null;
    if (JSON.stringify(before) === JSON.stringify(v)) continue;
    events.push({ workspaceId, contactId: old.id, type: 'contact.updated', data: { field: k, old: before, new: v } });
    if (v === null) delete next.fields[k];
    else next.fields[k] = v;
  }
  const uk = await uniqueKeyOfWorkspace(tx, workspaceId);
  const key = uniqueKeyOf(uk, next);
  if (!key) throw new AppError('validation', `${uk} cannot be emptied: it is this workspace's unique key`, [{ path: uk === 'email' ? 'email' : `fields.${uk}`, message: 'required (unique key)' }]);
  const consent: (ConsentChange & { contactId: number; previous: string })[] = [];
  const who = { source: opts.source, ip: opts.ip, actor: opts.actor, proof: opts.proof, reason: opts.proof?.reason };
  if (input.email_status && input.email_status !== old.email_status) {
    assertMayResubscribe('email', old.email_status, input.email_status, opts.proof, 'consent_proof');
    consent.push({ contactId: old.id, channel: 'email', status: input.email_status, ...who, previous: old.email_status });
  }
  if (input.sms_status && input.sms_status !== old.sms_status) {
    assertMayResubscribe('sms', old.sms_status, input.sms_status, opts.proof, 'consent_proof');
    consent.push({ contactId: old.id, channel: 'sms', status: input.sms_status, ...who, previous: old.sms_status });
  }
  if (events.length || consent.length) {
    try {
      const r = await tx.query<Row>(sql`
        update contacts set key = ${key}, email = ${next.email}, phone = ${next.phone}, first_name = ${next.first_name},
               last_name = ${next.last_name}, language = ${next.language}, timezone = ${next.timezone},
               birthday = ${next.birthday}, fields = ${JSON.stringify(next.fields)},
               email_status = ${input.email_status ?? old.email_status}, sms_status = ${input.sms_status ?? old.sms_status},
               updated_at = ${now}
         where workspace_id = ${workspaceId} and id = ${old.id}
        returning ${CONTACT_COLUMNS}`);
      Object.assign(next, r.rows[0]);
    } catch (err: any) {
      if (err?.code === '23505') throw conflict(key);
      throw err;
    }
  }
  await appendEvents(tx, now, events);
  await recordConsent(tx, now, workspaceId, consent);
  await joinLists(tx, now, workspaceId, [old.id], input.list_ids ?? [], opts.source);
  await addTags(tx, now, workspaceId, [old.id], tags);
  return next;
}

/** Creates the contact, or updates the one holding the same unique key. */
export async function upsertContact(ctx: Ctx, workspaceId: number, input: ContactInput, opts: WriteOptions) {
  const existing = await ctx.db.tx(async (tx) => {
    const values = await validated(tx, workspaceId, input);
    const key = uniqueKeyOf(await uniqueKeyOfWorkspace(tx, workspaceId), values);
    if (!key) return null;
    const { rows } = await tx.query<Row>(sql`select ${CONTACT_COLUMNS} from contacts where workspace_id = ${workspaceId} and key = ${key} for update`);
    return rows[0] ? { created: false, contact: await applyUpdate(ctx, tx, workspaceId, rows[0], input, opts) } : null;
  });
  if (existing) return existing;
  try {
    return { created: true, contact: await createContact(ctx, workspaceId, input, opts) };
  } catch (err) {
    // created by someone else meanwhile: update it instead
    if (err instanceof AppError && err.code === 'conflict') return upsertContact(ctx, workspaceId, input, opts);
    throw err;
  }
}

/** The contact with this email address (any case), if any: the oldest when several share it. */
export async function findContactByEmail(q: Queryable, workspaceId: number, email: string) {
  const { rows } = await q.query<Row>(sql`
    select ${CONTACT_COLUMNS} from contacts where workspace_id = ${workspaceId} and lower(email) = lower(${email}) order by id limit 1`);
  return rows[0] ?? null;
}

export async function getContact(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query<Row>(sql`select ${CONTACT_COLUMNS} from contacts where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('contact');
  return { ...rows[0], lists: await contactLists(q, workspaceId, id), tags: await contactTags(q, workspaceId, id) };
}

export async function deleteContact(q: Queryable, workspaceId: number, id: number) {
  const r = await q.query(sql`delete from contacts where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('contact');
}

/** Resolves contact references (id, unique key or email) to ids; unknown ones are reported by index. */
export async function resolveContactIds(q: Queryable, workspaceId: number, ids: number[], path: string) {
  const { rows } = await q.query<{ id: number }>(sql`select id from contacts where workspace_id = ${workspaceId} and id = any(${ids}::bigint[])`);
  const found = new Set(rows.map((r) => r.id));
  const missing = ids.map((id, i) => ({ id, i })).filter((x) => !found.has(x.id));
  if (missing.length)
    throw new AppError('validation', `unknown contact id ${missing[0].id}`, missing.map((m) => ({ path: `${path}[${m.i}]`, message: `no contact ${m.id} in this workspace` })));
}

/**
 * Changes the workspace's unique key (K-2) and recomputes every contact's key in one
 * statement; refused when a contact lacks the field or two contacts would share a key.
 */
export async function changeUniqueKey(q: Queryable, workspaceId: number, uniqueKey: string) {
  if (uniqueKey !== 'email') {
    const f = await q.query(sql`select 1 from custom_fields where workspace_id = ${workspaceId} and key = ${uniqueKey}`);
    if (!f.rows[0]) throw new AppError('validation', `unique_key: no custom field "${uniqueKey}"`, [{ path: 'unique_key', message: 'must be email or a custom field key' }]);
  }
  const expr = uniqueKey === 'email' ? sql`lower(email)` : sql`fields ->> ${uniqueKey}`;
  const missing = await q.query<{ n: number }>(sql`select count(*)::int as n from contacts where workspace_id = ${workspaceId} and coalesce(${expr}, '') = ''`);
  if (missing.rows[0].n > 0)
    throw new AppError('conflict', `${missing.rows[0].n} contacts have no ${uniqueKey}`, [{ path: 'unique_key', message: 'some contacts lack this field' }]);
  const dup = await q.query<{ k: string }>(sql`select ${expr} as k from contacts where workspace_id = ${workspaceId} group by 1 having count(*) > 1 limit 1`);
  if (dup.rows[0])
    throw new AppError('conflict', `several contacts share ${uniqueKey} "${dup.rows[0].k}"`, [{ path: 'unique_key', message: 'values are not unique' }]);
  // two passes so the unique index never sees a transient clash between old and new keys
  await q.query(sql`update contacts set key = '~' || id::text where workspace_id = ${workspaceId}`);
  await q.query(sql`update contacts set key = ${expr} where workspace_id = ${workspaceId}`);
  await q.query(sql`update workspaces set unique_key = ${uniqueKey} where id = ${workspaceId}`);
}
