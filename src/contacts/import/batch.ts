import { sql, type Queryable } from '../../db/index.ts';
import { checkpointJob, JOB_LEASE_MS, type Job, type JobContext } from '../../queue/index.ts';
import type { CsvRow } from './csv.ts';
import { rowToContact, type RowShape } from './mapping.ts';
import { writeBatch, type BatchPlan, type BatchRow } from './write-batch.ts';
import { advance, storedErrors, START, type Checkpoint, type Span } from './checkpoint.ts';

/** Beyond this many stored problems only the counters grow (a wrong file would store millions). */
export const MAX_STORED_ERRORS = 50_000;

/** How rows of one import are read: the header, the mapped columns, the field types, the phone country. */
export type RowReader = RowShape;

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

  /** `start`: the byte offset of the batch's first record (the previous batch's end). */
  constructor(readonly start: number) {}

  add(rec: CsvRow, reader: RowReader) {
    this.records++;
    this.end = rec.end;
    this.endLine = rec.endLine;
    const r = rowToContact(rec.fields, reader);
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

  /** Whether a row of this batch and one of `other` write the same contact. */
  sharesKeys(other: Batch): boolean {
    const [small, big] = this.byKey.size < other.byKey.size ? [this.byKey, other.byKey] : [other.byKey, this.byKey];
    for (const key of small.keys()) if (big.has(key)) return true;
    return false;
  }
}

/**
 * Writes a batch, its rejected lines, the import's counters and the job checkpoint in the
 * caller's transaction, and returns the new checkpoint. Writers of the same import take turns
 * only at the end: the job row, locked here until commit, holds the checkpoint each one adds to.
 */
export async function commitBatch(tx: Queryable, ctx: JobContext, job: Job, importId: number, plan: BatchPlan, b: Batch): Promise<Checkpoint> {
  const ws = plan.workspaceId;
  // No wait for the WAL flush: a batch lost in a crash goes with its checkpoint, so it is redone.
  // No JIT: the statement's cost estimate triggers it, and compiling it took ~1 s per batch.
  await tx.query('set local synchronous_commit = off; set local jit = off');
  const counts = await writeBatch(tx, plan, b.rows, ctx.clock.now());
  const { rows } = await tx.query<{ progress: Partial<Checkpoint> | null }>(sql`select progress from jobs where id = ${job.id} for update`);
  const cp: Checkpoint = { ...START, ...(rows[0]?.progress ?? {}) };
  const stored = b.errors.slice(0, Math.max(0, MAX_STORED_ERRORS - storedErrors(cp)));
  const span: Span = {
    from: b.start,
    byte: b.end,
    line: b.endLine,
    rows: b.records,
    created: counts.created,
    updated: counts.updated,
    unchanged: plan.updateExisting ? counts.existing - counts.updated : 0,
    skipped: b.badLines + b.duplicates + (plan.updateExisting ? 0 : counts.existing),
    errors: b.badLines,
    stored_errors: stored.length,
  };
  const next = advance(cp, span);
  if (stored.length)
    await tx.query(sql`
      insert into import_errors (workspace_id, import_id, line, column_name, reason)
      select ${ws}, ${importId}, l, c, r
        from unnest(${stored.map((e) => e.line)}::bigint[], ${stored.map((e) => e.column)}::text[], ${stored.map((e) => e.reason)}::text[]) as u(l, c, r)`);
  await recordProgress(tx, ws, importId, next);
  await checkpointJob(tx, ctx.clock, job.id, next, JOB_LEASE_MS);
  return next;
}

/** The import's progress figures: what is committed up to the checkpoint. */
export async function recordProgress(q: Queryable, ws: number, importId: number, cp: Checkpoint) {
  await q.query(sql`
    update imports set bytes_done = ${cp.byte}, rows_done = ${cp.rows}, created_count = ${cp.created},
           updated_count = ${cp.updated}, unchanged_count = ${cp.unchanged}, skipped_count = ${cp.skipped},
           error_count = ${cp.errors}
     where workspace_id = ${ws} and id = ${importId}`);
}
