import { sql } from '../../db/index.ts';
import { completeJob, PermanentJobError, type Job, type JobContext } from '../../queue/index.ts';
import { AppError } from '../../errors.ts';
import { loadFieldDefs } from '../fields.ts';
import { assertLists } from '../lists.ts';
import type { StandardField } from '../validate.ts';
import { csvParser, CsvStructureError, normalizeHeader, type CsvRow } from './csv.ts';
import { checkMapping, mappedColumns, tagsColumn, type Mapping } from './mapping.ts';
import { workspaceUniqueKey } from './imports.ts';
import { deleteUploadData, getUpload, readUpload, type Upload } from './upload.ts';
import { BatchRaceError, ImportTargetGoneError, type BatchPlan } from './write-batch.ts';
import { Batch, commitBatch, recordProgress, type RowReader } from './batch.ts';
import { committedSpan, rowsCommitted, settled, START, type Checkpoint } from './checkpoint.ts';

export const BATCH_ROWS = 5000;
/**
 * Rows per transaction on the embedded database, which runs one transaction at a time: a batch
 * of 5,000 held every request for 0.7–0.9 s there; 300 (~60 ms) keep an API request within
 * 100 ms while an import runs (bench/latency-under-load.ts), for ~15 % fewer rows/s than 1,000 (O-1).
 */
export const EMBEDDED_BATCH_ROWS = 300;
/**
 * Batches written at once on PostgreSQL, each in its own transaction and connection: one writer
 * leaves the server's second core idle. PGlite has one connection, so one writer.
 */
export const WRITERS = 2;

interface ImportRow {
  id: number;
  upload_id: number;
  status: string;
  mapping: Mapping;
  list_ids: number[];
  tags: string[];
  update_existing: boolean;
  source: string;
  default_country: string | null;
}

interface Run {
  ctx: JobContext;
  job: Job;
  imp: ImportRow;
  upload: Upload;
  reader: RowReader;
  plan: BatchPlan;
}

class FatalImportError extends Error {}

/** Checks again what may have changed since the import was queued: fields, unique key, lists. */
async function prepare(ctx: JobContext, job: Job, imp: ImportRow): Promise<Run> {
  const workspaceId = job.workspace_id as number;
  const upload = await getUpload(ctx.db, workspaceId, imp.upload_id);
  if (!upload) throw new FatalImportError('the uploaded file is gone');
  if (upload.columns.length === 0) throw new FatalImportError('the file has no header line');
  const defs = await loadFieldDefs(ctx.db, workspaceId);
  const uniqueKey = await workspaceUniqueKey(ctx.db, workspaceId);
  const problems = checkMapping(imp.mapping, upload.columns, defs, uniqueKey);
  if (problems.length) throw new FatalImportError(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  await assertLists(ctx.db, workspaceId, imp.list_ids).catch((err: AppError) => {
    throw new FatalImportError(err.message);
  });
  const cols = mappedColumns(imp.mapping, upload.columns);
  const tags = tagsColumn(imp.mapping, upload.columns);
  const plan: BatchPlan = {
    workspaceId,
    fields: cols.filter((c) => !c.custom).map((c) => c.field as StandardField),
    hasCustom: cols.some((c) => c.custom),
    listIds: [...new Set(imp.list_ids)], // an import queued before 71b6aa4 may name a list twice
    tags: imp.tags,
    rowTags: tags !== null,
    updateExisting: imp.update_existing,
    source: imp.source,
  };
  const rules = { defaultCountry: imp.default_country };
  return { ctx, job, imp, upload, plan, reader: { width: upload.columns.length, cols, tags, defs, uniqueKey, rules } };
}

async function failImport(ctx: JobContext, workspaceId: number, imp: ImportRow, message: string): Promise<never> {
  await ctx.db.tx(async (tx) => {
    await tx.query(sql`
      update imports set status = 'failed', error = ${message}, finished_at = ${ctx.clock.now()}
       where workspace_id = ${workspaceId} and id = ${imp.id}`);
    await deleteUploadData(tx, workspaceId, imp.upload_id);
  });
  throw new PermanentJobError(message);
}

/**
 * Runs an import from its checkpoint. A fatal problem found before the first row (no header,
 * a mapped column, field or list gone) fails it with nothing written; a transient error
 * leaves the batch in hand uncommitted and the queue retries the job from the checkpoint.
 */
export async function runImport(ctx: JobContext, job: Job) {
  const workspaceId = job.workspace_id as number;
  const { rows } = await ctx.db.query<ImportRow>(sql`
    select id, upload_id, status, mapping, list_ids, tags, update_existing, source, default_country
      from imports where workspace_id = ${workspaceId} and id = ${job.payload.importId}`);
  const imp = rows[0];
  if (!imp || imp.status === 'done' || imp.status === 'failed') return { skipped: true };
  imp.list_ids = imp.list_ids.map(Number); // node-pg returns bigint[] elements as strings
  const from: Checkpoint = { ...START, ...(job.progress ?? {}) };
  let run: Run;
  try {
    run = await prepare(ctx, job, imp);
  } catch (err) {
    if (err instanceof FatalImportError) return failImport(ctx, workspaceId, imp, err.message);
    throw err;
  }
  await ctx.db.query(sql`
    update imports set status = 'running', started_at = coalesce(started_at, ${ctx.clock.now()})
     where workspace_id = ${workspaceId} and id = ${imp.id}`);
  const progress = { cp: from };
  try {
    await importRows(run, progress);
  } catch (err) {
    if (!(err instanceof FatalImportError || err instanceof CsvStructureError)) throw err;
    const done = progress.cp.rows > 0 ? ` (the rows before line ${progress.cp.line + 1} were imported)` : '';
    return failImport(ctx, workspaceId, imp, err.message + done);
  }
  const cp = settled(progress.cp);
  const result = { created: cp.created, updated: cp.updated, unchanged: cp.unchanged, skipped: cp.skipped, errors: cp.errors };
  await ctx.db.tx(async (tx) => {
    await tx.query(sql`
      update imports set status = 'done', finished_at = ${ctx.clock.now()}, bytes_done = total_bytes
       where workspace_id = ${workspaceId} and id = ${imp.id}`);
    await recordProgress(tx, workspaceId, imp.id, cp);
    await deleteUploadData(tx, workspaceId, imp.upload_id);
    await completeJob(tx, ctx.clock, job.id, result);
  });
  return result;
}

/**
 * Streams the stored file from the checkpoint through the parser, in batches of BATCH_ROWS
 * records; the next batch is parsed and validated while up to WRITERS earlier ones are written.
 * Two batches that write the same contact are never written at once: the later one waits, so
 * the last row of a key still wins and the writers cannot deadlock on each other's rows.
 */
async function importRows(run: Run, progress: { cp: Checkpoint }) {
  const { ctx, job, imp, upload, plan, reader } = run;
  const resumedFrom = progress.cp;
  const commit = async (b: Batch) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const cp = await ctx.db.tx((tx) => commitBatch(tx, ctx, job, imp.id, plan, b));
        // commits land in any order: keep the checkpoint that includes the most
        if (rowsCommitted(cp) > rowsCommitted(progress.cp)) progress.cp = cp;
        return;
      } catch (err) {
        if (err instanceof ImportTargetGoneError) throw new FatalImportError(err.message);
        // another writer created some of these contacts meanwhile: the next try sees them
        if (!(err instanceof BatchRaceError) || attempt >= 3) throw err;
      }
    }
  };
  const writers = ctx.db.kind === 'postgres' ? WRITERS : 1;
  const batchRows = ctx.db.kind === 'postgres' ? BATCH_ROWS : EMBEDDED_BATCH_ROWS;
  // The first batch is written alone: a statement planned while the contacts table is still
  // empty picks any index on workspace_id for its per-key probe, and run next to a writer that
  // is filling the table, that probe read every new row once per key (one batch took 55 s).
  let committedOne = false;
  const writing = new Map<Batch, Promise<void>>();
  let failure: { err: unknown } | undefined;
  const check = () => {
    if (failure) throw failure.err;
  };
  const dispatch = async (b: Batch) => {
    // written before a crash, counted in the checkpoint's `ahead`: the rows are in already
    if (committedSpan(resumedFrom, b.start, b.end)) return;
    while (writing.size >= (committedOne ? writers : 1)) await Promise.race(writing.values());
    for (const [other, done] of writing) if (b.sharesKeys(other)) await done;
    check();
    const done = commit(b).then(
      () => {
        writing.delete(b);
        committedOne = true;
      },
      (err) => {
        writing.delete(b);
        failure ??= { err };
      },
    );
    writing.set(b, done);
  };

  const start = { byte: progress.cp.byte, line: progress.cp.line };
  const records = csvParser<CsvRow>(readUpload(ctx.db, plan.workspaceId, upload.id, start.byte), start, (r) => r, { delimiter: upload.delimiter });
  let header = start.byte === 0;
  let batch = new Batch(start.byte);
  try {
    for await (const rec of records) {
      if (header) {
        header = false;
        if (normalizeHeader(rec.fields).join('\u0000') !== upload.columns.join('\u0000')) throw new FatalImportError('the header of the file changed since it was uploaded');
        continue; // the first batch covers it: its span starts at byte 0
      }
      batch.add(rec, reader);
      if (batch.records < batchRows) continue;
      const full = batch;
      batch = new Batch(full.end);
      await dispatch(full);
      check();
    }
    if (batch.records > 0) await dispatch(batch);
  } finally {
    // a batch in flight commits or rolls back before the job answers (no half-written batch)
    while (writing.size) await Promise.race(writing.values());
  }
  check();
}
