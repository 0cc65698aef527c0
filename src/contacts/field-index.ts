import { sql, type Db, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { enqueue, type JobContext, type JobHandler } from '../queue/index.ts';

/**
 * Each number custom field has an index of its own over `parcours_number(fields, key)`
 * (migration 013), partial on its workspace and on a value being there: a segment test such
 * as "score > 90" reads the matching contacts instead of the JSON of all of them (S-1).
 * Created by a job, outside any transaction, so that on PostgreSQL it is built CONCURRENTLY
 * and a workspace's contacts stay writable meanwhile; dropped the same way.
 */
export const FIELD_INDEX_JOB = 'contacts.field_indexes';

const prefix = (workspaceId: number) => `contacts_field_${workspaceId}_`;

/** Queues the reconciliation of a workspace's field indexes, in the caller's transaction. */
export async function queueFieldIndexes(q: Queryable, clock: Clock, workspaceId: number, fieldId: number) {
  await enqueue(q, clock, { workspaceId, kind: FIELD_INDEX_JOB, uniqueKey: `field-index:${fieldId}` });
}

/**
 * Brings the workspace's field indexes in line with its number fields: builds the missing
 * ones (and any left invalid by an interrupted concurrent build), drops those of deleted
 * fields. Idempotent: a job that died halfway runs again to the same end.
 */
export async function syncFieldIndexes(db: Db, workspaceId: number): Promise<{ created: string[]; dropped: string[] }> {
  const concurrently = db.kind === 'postgres' ? 'concurrently ' : '';
  const { rows: wanted } = await db.query<{ name: string; key: string }>(sql`
    select ${prefix(workspaceId)} || id as name, key from custom_fields where workspace_id = ${workspaceId} and type = 'number'`);
  const { rows: present } = await db.query<{ name: string; valid: boolean }>(sql`
    select i.relname as name, x.indisvalid as valid
      from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     where t.relname = 'contacts' and t.relnamespace = current_schema()::regnamespace
       and starts_with(i.relname, ${prefix(workspaceId)})`);
  const valid = new Set(present.filter((p) => p.valid).map((p) => p.name));
  const keep = new Set(wanted.map((w) => w.name));
  const dropped: string[] = [];
  for (const p of present) {
    if (keep.has(p.name) && p.valid) continue;
    await db.query(`drop index ${concurrently}if exists ${ident(p.name)}`);
    dropped.push(p.name);
  }
  const created: string[] = [];
  for (const w of wanted) {
    if (valid.has(w.name)) continue;
    // DDL takes no parameters: the key is a field key (^[a-z][a-z0-9_]*$), quoted as a literal
    const value = `parcours_number(fields, ${literal(w.key)})`;
    await db.query(`create index ${concurrently}if not exists ${ident(w.name)} on contacts (${value})
                     where workspace_id = ${Number(workspaceId)} and ${value} is not null`);
    created.push(w.name);
  }
  return { created, dropped };
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function fieldIndexJobHandlers(ctx: JobContext): [string, JobHandler][] {
  return [[FIELD_INDEX_JOB, (job) => syncFieldIndexes(ctx.db, job.workspace_id as number)]];
}
