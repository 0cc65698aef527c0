/** What the import counted over some records. */
export interface Counters {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: number;
  stored_errors: number;
}

/** A committed batch: the bytes and lines it covers, and what it counted there. */
export interface Span extends Counters {
  /** Byte offset where the batch's first record starts. */
  from: number;
  /** Byte offset just after its last record. */
  byte: number;
  /** Physical line of its last character. */
  line: number;
}

/**
 * The job checkpoint. Everything before `byte` is committed and counted; reading resumes there.
 * Batches are written by several writers at once, so one may commit before an earlier one:
 * it waits in `ahead` until the batches before it are committed too. After a crash, a batch
 * found in `ahead` is not written again (its rows and errors are in, its counts are here).
 */
export interface Checkpoint extends Counters {
  byte: number;
  line: number;
  ahead?: Span[];
}

export const START: Checkpoint = { byte: 0, line: 0, rows: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, errors: 0, stored_errors: 0 };

const COUNTERS = ['rows', 'created', 'updated', 'unchanged', 'skipped', 'errors', 'stored_errors'] as const;

/** Moves the checkpoint past every committed batch that now follows it without a gap. */
function settle(cp: Checkpoint, ahead: Span[]): Checkpoint {
  const next: Checkpoint = { ...cp };
  const rest = ahead.filter((s) => s.from >= cp.byte).sort((a, b) => a.from - b.from);
  while (rest.length && rest[0].from === next.byte) {
    const s = rest.shift()!;
    for (const k of COUNTERS) next[k] += s[k];
    next.byte = s.byte;
    next.line = s.line;
  }
  if (rest.length) next.ahead = rest;
  else delete next.ahead;
  return next;
}

/** The checkpoint once `span` is committed too. */
export function advance(cp: Checkpoint, span: Span): Checkpoint {
  // a span already there with the same start is the same batch from an earlier run: replaced
  return settle(cp, [...(cp.ahead ?? []).filter((s) => s.from !== span.from), span]);
}

/** The batch from `from` to `byte` if a run before a crash already committed it. */
export function committedSpan(cp: Checkpoint, from: number, byte: number): Span | undefined {
  return cp.ahead?.find((s) => s.from === from && s.byte === byte);
}

/** Errors stored so far, in the checkpoint and in the batches ahead of it. */
export function storedErrors(cp: Checkpoint): number {
  return (cp.ahead ?? []).reduce((n, s) => n + s.stored_errors, cp.stored_errors);
}

/** Rows committed so far, ahead or not: the later of two checkpoints has more. */
export function rowsCommitted(cp: Checkpoint): number {
  return (cp.ahead ?? []).reduce((n, s) => n + s.rows, cp.rows);
}

/** The checkpoint with the committed batches that follow it folded in (the end of a run). */
export function settled(cp: Checkpoint): Checkpoint {
  return settle(cp, cp.ahead ?? []);
}
