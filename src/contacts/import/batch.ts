import { sql, type Queryable } from '../../db/index.ts';
import { checkpointJob, JOB_LEASE_MS, type Job, type JobContext } from '../../queue/index.ts';
import type { FieldDef } from '../validate.ts';
import type { CsvRow } from './csv.ts';
import { rowToContact, type MappedColumn } from './mapping.ts';
import { writeBatch, type BatchPlan, type BatchRow } from './write-batch.ts';

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
export const START: Checkpoint = { byte: 0, line: 0, rows: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0, stored_errors: 0 };

/** How rows of one import are read: the header, the mapped columns, the field types. */
export interface RowReader {
  width: number;
  cols: MappedColumn[];
  defs: Map<string, FieldDef>;
  uniqueKey: string;
}

/**
 * Records read since the last checkpoint: valid rows by unique key, and rejected lines.
 * Within a batch the last row with a key wins and the earlier ones count as skipped; across
 * batches the later row simply updates the contact the earlier one wrote, so the last wins too.
 */
export class Batch {
  rows: BatchRow[] = [];
  private byKey = new Map<string, number>();
  errors: { line: number; column: string | null; reason: string }[] = [];
  badLines = 0;
  duplicates = 0;
  records = 0;
  end = 0;
  endLine = 0;

  add(rec: CsvRow, reader: RowReader) {
    this.records++;
    this.end = rec.end;
    this.endLine = rec.endLine;
    const r = rowToContact(rec.fields, reader.width, reader.cols, reader.defs, reader.uniqueKey);
    if ('problems' in r) {
      this.badLines++;
      for (const p of r.problems) this.errors.push({ line: rec.line, column: p.column ?? null, reason: p.reason });
      return;
    }
    const at = this.byKey.get(r.key);
    if (at === undefined) {
      this.byKey.set(r.key, this.rows.length);
      this.rows.push(r);
    } else {
      this.rows[at] = r;
      this.duplicates++;
    }
  }
}

/**
 * Writes a batch, its rejected lines, the import's counters and the job checkpoint in the
 * caller's transaction, and returns the new checkpoint.
 */
export async function commitBatch(tx: Queryable, ctx: JobContext, job: Job, importId: number, plan: BatchPlan, cp: Checkpoint, b: Batch): Promise<Checkpoint> {
  const ws = plan.workspaceId;
  // No wait for the WAL flush: a batch lost in a crash goes with its checkpoint, so it is redone.
  // No JIT: the statement's cost estimate triggers it, and compiling it took ~1 s per batch.
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
      select ${ws}, ${importId}, l, c, r
        from unnest(${stored.map((e) => e.line)}::bigint[], ${stored.map((e) => e.column)}::text[], ${stored.map((e) => e.reason)}::text[]) as u(l, c, r)`);
  await tx.query(sql`
    update imports set bytes_done = ${next.byte}, rows_done = ${next.rows}, created_count = ${next.created},
           updated_count = ${next.updated}, unchanged_count = ${next.unchanged}, skipped_count = ${next.skipped},
           error_count = ${next.errors}
     where workspace_id = ${ws} and id = ${importId}`);
  await checkpointJob(tx, ctx.clock, job.id, next, JOB_LEASE_MS);
  return next;
}
