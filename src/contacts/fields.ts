import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { queueFieldIndexes } from './field-index.ts';
import { RESERVED_KEYS, type ContactRules, type FieldDef, type FieldType } from './validate.ts';

const KEY = /^[a-z][a-z0-9_]{0,62}$/;

export async function loadFieldDefs(q: Queryable, workspaceId: number): Promise<Map<string, FieldDef>> {
  const { rows } = await q.query<FieldDef>(sql`select key, type from custom_fields where workspace_id = ${workspaceId}`);
  return new Map(rows.map((r) => [r.key, r]));
}

/** The workspace's settings.contacts that contact values are read with (a country for national phone numbers). */
export async function loadContactRules(q: Queryable, workspaceId: number): Promise<ContactRules> {
  const { rows } = await q.query<{ c: unknown }>(sql`select settings -> 'contacts' ->> 'default_country' as c from workspaces where id = ${workspaceId}`);
  const c = rows[0]?.c;
  return { defaultCountry: typeof c === 'string' && c ? c : null };
}

export async function listFields(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(
    sql`select id, key, label, type, created_at from custom_fields where workspace_id = ${workspaceId} order by id`,
  );
  return rows;
}

export async function createField(q: Queryable, clock: Clock, workspaceId: number, input: { key: string; label?: string; type: FieldType }) {
  if (!KEY.test(input.key)) throw invalid('key', 'use lower-case letters, digits and _ (starting with a letter)');
  if (RESERVED_KEYS.has(input.key)) throw invalid('key', `"${input.key}" is a standard field`);
  const { rows } = await q.query(sql`
    insert into custom_fields (workspace_id, key, label, type, created_at)
    values (${workspaceId}, ${input.key}, ${input.label ?? input.key}, ${input.type}, ${clock.now()})
    on conflict (workspace_id, key) do nothing
    returning id, key, label, type, created_at`);
  if (!rows[0]) throw new AppError('conflict', `a field "${input.key}" already exists`, [{ path: 'key', message: 'already exists' }]);
  if (input.type === 'number') await queueFieldIndexes(q, clock, workspaceId, rows[0].id as number);
  return rows[0];
}

export async function updateField(q: Queryable, workspaceId: number, key: string, label: string) {
  const { rows } = await q.query(sql`
    update custom_fields set label = ${label} where workspace_id = ${workspaceId} and key = ${key}
    returning id, key, label, type, created_at`);
  if (!rows[0]) throw notFound('field');
  return rows[0];
}

/** Deletes a field definition and its values; refused while it is the workspace's unique key. */
export async function deleteField(q: Queryable, clock: Clock, workspaceId: number, key: string) {
  const ws = await q.query<{ unique_key: string }>(sql`select unique_key from workspaces where id = ${workspaceId}`);
  if (ws.rows[0]?.unique_key === key) throw new AppError('conflict', 'this field is the workspace unique key');
  const { rows } = await q.query<{ id: number; type: FieldType }>(sql`
    delete from custom_fields where workspace_id = ${workspaceId} and key = ${key} returning id, type`);
  if (!rows[0]) throw notFound('field');
  if (rows[0].type === 'number') await queueFieldIndexes(q, clock, workspaceId, rows[0].id);
  await q.query(sql`update contacts set fields = fields - ${key} where workspace_id = ${workspaceId} and fields ? ${key}`);
}
