import { sql, type Queryable } from '../../db/index.ts';
import { checkpointJob, completeJob, JOB_LEASE_MS, PermanentJobError, type Job, type JobContext } from '../../queue/index.ts';
import { loadFieldDefs } from '../fields.ts';
import type { FieldDef, StandardField } from '../validate.ts';
import { csvParser, CsvStructureError, normalizeHeader, type CsvRow } from './csv.ts';
import { checkMapping, mappedColumns, rowToContact, type MappedColumn, type Mapping } from './mapping.ts';
import { workspaceUniqueKey } from './imports.ts';
import { deleteUploadData, getUpload, readUpload } from './upload.ts';
import { BatchRaceError, writeBatch, type BatchPlan, type BatchRow } from './write-batch.ts';

export const BATCH_ROWS = 5000;
/** Beyond this many stored problems only the counters grow (a wrong file would store millions). */
export const MAX_STORED_ERRORS = 50_000;

/** The job checkpoint: where to resume reading, and the counters up to there. */
export interface Checkpoint {
  byte: number;
  line: number;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
  stored_errors: number;
}
const START: Checkpoint = { byte: 0, line: 0, rows: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0, stored_errors: 0 };

interface ImportRow {
  id: number;
  upload_id: number;
  status: string;
  mapping: Mapping;
  list_ids: number[];
  tags: string[];
  update_existing: boolean;
  source: string;
}

/** Rows read since the last checkpoint: the valid ones by key (the last duplicate wins), and the rejected lines. */
class Batch {
  rows: BatchRow[] = [];
  byKey = new Map<string, number>();
  errors: { line: number; column: string | null; reason: string }[] = [];
  badLines = 0;
  duplicates = 0;
  records = 0;
  end = 0;
  endLine = 0;
}

class FatalImportError extends Error {}

async function prepare(ctx: JobContext, workspaceId: number, imp: ImportRow) {
  const upload = await getUpload(ctx.db, workspaceId, imp.upload_id);
  if (!upload) throw new FatalImportError('the uploaded file is gone');
  if (upload.columns.length === 0) throw new FatalImportError('the file has no header line');
  const defs = await loadFieldDefs(ctx.db, workspaceId);
  const uniqueKey = await workspaceUniqueKey(ctx.db, workspaceId);
  // fields may have been deleted, or the unique key changed, since the import was queued
  const problems = checkMapping(imp.mapping, upload.columns, defs, uniqueKey);
  if (problems.length) throw new FatalImportError(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const cols = mappedColumns(imp.mapping, upload.columns);
  const plan: BatchPlan = {
    workspaceId,
    fields: cols.filter((c) => !c.custom).map((c) => c.field as StandardField),
    hasCustom: cols.some((c) => c.custom),
    listIds: imp.list_ids,
    tags: imp.tags,
    updateExisting: imp.update_existing,
    source: imp.source,
  };
  return { upload, defs, uniqueKey, cols, plan };
}

async function failImport(ctx: JobContext, workspaceId: number, imp: ImportRow, message: string) {
  await ctx.db.tx(async (tx) => {
    await tx.query(sql`
      update imports set status = 'failed', error = ${message}, finished_at = ${ctx.clock.now()}
       where workspace_id = ${workspaceId} and id = ${imp.id}`);
    await deleteUploadData(tx, workspaceId, imp.upload_id);
  });
}

/**
 * Runs an import from its checkpoint: the stored file streams through the parser, rows are
 * validated by the shared contact validator and written in batches. Each batch, its rejected
 * lines, the import's counters and the job checkpoint commit in one transaction, so a crash or
 * a retry resumes after the last committed batch and never writes or counts a row twice.
 * A fatal problem (no header, a mapped column or field gone) fails it before any row is written.
 */
export async function runImport(ctx: JobContext, job: Job) {
  const workspaceId = job.workspace_id as number;
  const { rows } = await ctx.db.query<ImportRow>(sql`
    select id, upload_id, status, mapping, list_ids, tags, update_existing, source
      from imports where workspace_id = ${workspaceId} and id = ${job.payload.importId}`);
  const imp = rows[0];
  if (!imp || imp.status === 'done' || imp.status === 'failed') return { skipped: true };
  let cp: Checkpoint = { ...START, ...(job.progress ?? {}) };
  let prepared;
  try {
    prepared = await prepare(ctx, workspaceId, imp);
  } catch (err) {
    if (!(err instanceof FatalImportError)) throw err;
    await failImport(ctx, workspaceId, imp, err.message);
    throw new PermanentJobError(err.message);
  }
  const { upload, defs, uniqueKey, cols, plan } = prepared;
  await ctx.db.query(sql`
    update imports set status = 'running', started_at = coalesce(started_at, ${ctx.clock.now()})
     where workspace_id = ${workspaceId} and id = ${imp.id}`);

  const commit = async (b: Batch) => {
    for (let attempt = 1; ; attempt++) {
      try {
        cp = await ctx.db.tx((tx) => commitBatch(tx, ctx, job, imp, plan, cp, b));
        return;
      } catch (err) {
        if (!(err instanceof BatchRaceError) || attempt >= 3) throw err;
      }
    }
  };

  const source = readUpload(ctx.db, workspaceId, upload.id, cp.byte);
  const records = csvParser<CsvRow>(source, { byte: cp.byte, line: cp.line }, (r) => r);
  let header = cp.byte === 0;
  let batch = new Batch();
  // the next batch is parsed and validated while the previous one is written
  let writing: Promise<void> = Promise.resolve();
  try {
    for await (const rec of records) {
      if (header) {
        header = false;
        if (normalizeHeader(rec.fields).join('\u0000') !== upload.columns.join('\u0000')) throw new FatalImportError('the header of the file changed since it was uploaded');
        continue;
      }
      addRecord(batch, rec, upload.columns.length, cols, defs, uniqueKey);
      if (batch.records >= BATCH_ROWS) {
        const full = batch;
        batch = new Batch();
        await writing;
        writing = commit(full);
        writing.catch(() => {}); // awaited before the next batch or after the loop
      }
    }
    await writing;
    if (batch.records > 0) await commit(batch);
  } catch (err) {
    await writing.catch(() => {});
    if (err instanceof FatalImportError || err instanceof CsvStructureError) {
      const message = cp.rows > 0 ? `${err.message} (rows before line ${cp.line + 1} were imported)` : err.message;
      await failImport(ctx, workspaceId, imp, message);
      throw new PermanentJobError(message);
    }
    throw err;
  }
  const result = { created: cp.created, updated: cp.updated, unchanged: cp.unchanged, skipped: cp.skipped, errors: cp.errors };
  await ctx.db.tx(async (tx) => {
    await tx.query(sql`
      update imports set status = 'done', finished_at = ${ctx.clock.now()}, bytes_done = total_bytes
       where workspace_id = ${workspaceId} and id = ${imp.id}`);
    await deleteUploadData(tx, workspaceId, imp.upload_id);
    await completeJob(tx, ctx.clock, job.id, result);
  });
  return result;
}

function addRecord(b: Batch, rec: CsvRow, width: number, cols: MappedColumn[], defs: Map<string, FieldDef>, uniqueKey: string) {
  b.records++;
  b.end = rec.end;
  b.endLine = rec.endLine;
  const r = rowToContact(rec.fields, width, cols, defs, uniqueKey);
  if ('problems' in r) {
    b.badLines++;
    for (const p of r.problems) b.errors.push({ line: rec.line, column: p.column ?? null, reason: p.reason });
    return;
  }
  const at = b.byKey.get(r.key);
  if (at === undefined) {
    b.byKey.set(r.key, b.rows.length);
    b.rows.push(r);
  } else {
    b.rows[at] = r;
    b.duplicates++;
  }
}

async function commitBatch(tx: Queryable, ctx: JobContext, job: Job, imp: ImportRow, plan: BatchPlan, cp: Checkpoint, b: Batch): Promise<Checkpoint> {
  const ws = plan.workspaceId;
  // No wait for the WAL flush: a batch lost in a crash goes with its checkpoint, so it is redone.
  // No JIT: the batch statement's cost estimate triggers it, and compiling took ~1 s per batch.
  await tx.query('set local synchronous_commit = off; set local jit = off');
  const counts = await writeBatch(tx, plan, b.rows, ctx.clock.now());
  const stored = b.errors.slice(0, Math.max(0, MAX_STORED_ERRORS - cp.stored_errors));
  const next: Checkpoint = {
    byte: b.end,
    line: b.endLine,
    rows: cp.rows + b.records,
    created: cp.created + counts.created,
    updated: cp.updated + counts.updated,
    unchanged: cp.unchanged + (plan.updateExisting ? counts.existing - counts.updated : 0),
    skipped: cp.skipped + b.badLines + b.duplicates + (plan.updateExisting ? 0 : counts.existing),
    errors: cp.errors + b.badLines,
    stored_errors: cp.stored_errors + stored.length,
  };
  if (stored.length)
    await tx.query(sql`
      insert into import_errors (workspace_id, import_id, line, column_name, reason)
      select ${ws}, ${imp.id}, l, c, r
        from unnest(${stored.map((e) => e.line)}::bigint[], ${stored.map((e) => e.column)}::text[], ${stored.map((e) => e.reason)}::text[]) as u(l, c, r)`);
  await tx.query(sql`
    update imports set bytes_done = ${next.byte}, rows_done = ${next.rows}, created_count = ${next.created},
           updated_count = ${next.updated}, unchanged_count = ${next.unchanged}, skipped_count = ${next.skipped},
           error_count = ${next.errors}
     where workspace_id = ${ws} and id = ${imp.id}`);
  await checkpointJob(tx, ctx.clock, job.id, next, JOB_LEASE_MS);
  return next;
}
