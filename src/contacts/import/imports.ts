import { sql, type Queryable } from '../../db/index.ts';
import type { Ctx } from '../../context.ts';
import { AppError, notFound } from '../../errors.ts';
import { enqueue } from '../../queue/index.ts';
import { createField, loadContactRules, loadFieldDefs } from '../fields.ts';
import type { FieldType } from '../validate.ts';
import { assertLists } from '../lists.ts';
import { checkTag } from '../tags.ts';
import { checkMapping, type Mapping } from './mapping.ts';
import { getUpload } from './upload.ts';

export const IMPORT_JOB = 'contacts.import';

export interface ImportInput {
  upload_id: number;
  mapping: Mapping;
  list_ids?: number[];
  tags?: string[];
  update_existing?: boolean;
  source?: string;
  /** Custom fields to create with the import (the mapping names them as fields.<key>). */
  create_fields?: { key: string; type: FieldType; label?: string }[];
}

export async function workspaceUniqueKey(q: Queryable, workspaceId: number): Promise<string> {
  const { rows } = await q.query<{ unique_key: string }>(sql`select unique_key from workspaces where id = ${workspaceId}`);
  if (!rows[0]) throw notFound('workspace');
  return rows[0].unique_key;
}

/**
 * Creates the custom fields the mapping screen added, checks the mapping, lists and tags, then
 * records the import and schedules its job in one transaction: all of it exists or none (a
 * refused import leaves no field behind, so trying again does not meet "already exists").
 * An upload feeds one import only.
 */
export async function createImport(ctx: Ctx, workspaceId: number, input: ImportInput) {
  return ctx.db.tx(async (tx) => {
    const upload = await getUpload(tx, workspaceId, input.upload_id);
    if (!upload || upload.status === 'receiving')
      throw new AppError('validation', `upload_id: no upload ${input.upload_id} in this workspace`, [{ path: 'upload_id', message: 'no such upload' }]);
    if (upload.status === 'used')
      throw new AppError('conflict', 'this upload was already imported; upload the file again', [{ path: 'upload_id', message: 'already imported' }]);
    for (const [i, f] of (input.create_fields ?? []).entries()) {
      await createField(tx, ctx.clock, workspaceId, f).catch((err) => {
        if (!(err instanceof AppError)) throw err;
        const details = err.details.map((d) => ({ ...d, path: `create_fields[${i}].${d.path}` }));
        throw new AppError(err.code, `create_fields[${i}]: ${err.message}`, details.length ? details : [{ path: `create_fields[${i}]`, message: err.message }]);
      });
    }
    const defs = await loadFieldDefs(tx, workspaceId);
    const errors = checkMapping(input.mapping, upload.columns, defs, await workspaceUniqueKey(tx, workspaceId));
    if (errors.length) throw new AppError('validation', `${errors[0].path}: ${errors[0].message}`, errors);
    const listIds = [...new Set(input.list_ids ?? [])];
    await assertLists(tx, workspaceId, listIds);
    const tags = [...new Set((input.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`)))];
    const now = ctx.clock.now();
    // national phone numbers are read in the country set when the import starts, to its end
    const { defaultCountry } = await loadContactRules(tx, workspaceId);
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into imports (workspace_id, upload_id, filename, mapping, list_ids, tags, update_existing, source,
                           total_bytes, total_rows, created_at, default_country)
      values (${workspaceId}, ${upload.id}, ${upload.filename}, ${JSON.stringify(input.mapping)}, ${listIds}::bigint[], ${tags}::text[],
              ${input.update_existing ?? true}, ${input.source ?? 'import'}, ${upload.size_bytes}, ${upload.row_count}, ${now}, ${defaultCountry})
      returning id`);
    const id = rows[0].id;
    const jobId = await enqueue(tx, ctx.clock, { workspaceId, kind: IMPORT_JOB, payload: { importId: id }, uniqueKey: `import:${id}` });
    await tx.query(sql`update imports set job_id = ${jobId} where workspace_id = ${workspaceId} and id = ${id}`);
    await tx.query(sql`update import_uploads set status = 'used' where workspace_id = ${workspaceId} and id = ${upload.id}`);
    return getImport(tx, workspaceId, id);
  });
}

// A job that gave up (attempts exhausted) fails its import even though no handler said so.
const IMPORT_COLUMNS = sql`
  i.id, i.upload_id, i.filename, u.delimiter, i.default_country,
  case when i.status in ('done', 'failed') then i.status when j.status = 'failed' then 'failed' else i.status end as status,
  i.mapping, to_jsonb(i.list_ids) as list_ids, i.tags, i.update_existing, i.source, i.total_bytes, i.total_rows, i.bytes_done, i.rows_done,
  case when i.status = 'done' then 100
       else floor(100.0 * i.bytes_done / greatest(i.total_bytes, 1))::int end as progress,
  i.created_count as created, i.updated_count as updated, i.unchanged_count as unchanged, i.skipped_count as skipped,
  i.error_count, case when i.status = 'done' then null else coalesce(i.error, j.last_error) end as error,
  coalesce(j.attempts, 0) as attempts,
  i.created_at, i.started_at, coalesce(i.finished_at, j.finished_at) as finished_at`;

export async function getImport(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query(sql`
    select ${IMPORT_COLUMNS} from imports i left join jobs j on j.id = i.job_id
      left join import_uploads u on u.workspace_id = i.workspace_id and u.id = i.upload_id
     where i.workspace_id = ${workspaceId} and i.id = ${id}`);
  if (!rows[0]) throw notFound('import');
  return rows[0];
}

export async function listImports(q: Queryable, workspaceId: number, limit: number, before?: number) {
  const { rows } = await q.query<{ id: number }>(sql`
    select ${IMPORT_COLUMNS} from imports i left join jobs j on j.id = i.job_id
      left join import_uploads u on u.workspace_id = i.workspace_id and u.id = i.upload_id
     where i.workspace_id = ${workspaceId} ${before ? sql`and i.id < ${before}` : sql``}
     order by i.id desc limit ${limit}`);
  return { data: rows, next_before: rows.length === limit ? rows[rows.length - 1].id : null };
}

/** Rejected lines in file order, with keyset pagination on the error id. */
export async function listImportErrors(q: Queryable, workspaceId: number, importId: number, limit: number, after?: number) {
  await getImport(q, workspaceId, importId);
  const { rows } = await q.query<{ id: number; line: number; column: string | null; reason: string }>(sql`
    select id, line, column_name as column, reason from import_errors
     where workspace_id = ${workspaceId} and import_id = ${importId} ${after ? sql`and id > ${after}` : sql``}
     order by id limit ${limit}`);
  return {
    data: rows.map((r) => (r.column === null ? { line: r.line, reason: r.reason } : { line: r.line, column: r.column, reason: r.reason })),
    next_after: rows.length === limit ? rows[rows.length - 1].id : null,
  };
}
