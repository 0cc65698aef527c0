import type { Readable } from 'node:stream';
import { CsvRecords, CsvStructureError, DELIMITERS, type Delimiter } from './csv-records.ts';

export { CsvStructureError, DELIMITERS, type Delimiter };

/** One CSV record: its fields, the physical line it starts on, and where it ends. */
export interface CsvRow {
  fields: string[];
  /** Physical line of the record's first character (the header is line 1). */
  line: number;
  /** Physical line of its last character (a quoted field may span several lines). */
  endLine: number;
  /** Byte offset just after the record and its line break: where a resumed read starts. */
  end: number;
}

/** Where reading starts: byte 0 / line 0, or just after a checkpointed record. */
export interface CsvStart {
  byte: number;
  line: number;
}

export interface CsvOptions {
  /** The field separator, or 'auto' to guess it from the header line (a read from byte 0). Default: comma. */
  delimiter?: Delimiter | 'auto';
  /** Told the separator used, once the file is read to its end. */
  detected?: (d: Delimiter) => void;
}

const MAX_RECORD_CHARS = 1_000_000;

/**
 * Parses CSV records from `source`, streaming, and numbers them by physical line. Rows of the
 * wrong length are passed through (the caller reports them); stray quotes inside fields are kept
 * as text, so only an unclosed quote or a runaway record stops the read.
 * `onRow` returns the value to emit, or null to emit nothing (a scan).
 */
export function csvParser<T>(source: AsyncIterable<Buffer> | Readable, start: CsvStart, onRow: (row: CsvRow) => T | null, opts: CsvOptions = {}): AsyncIterable<T> {
  return (async function* () {
    const records = new CsvRecords(start, MAX_RECORD_CHARS, opts.delimiter);
    const emit = function* (rows: CsvRow[]) {
      for (const row of rows) {
        const v = onRow(row);
        if (v !== null) yield v;
      }
    };
    for await (const chunk of source as AsyncIterable<Buffer>) yield* emit(records.push(chunk));
    yield* emit(records.end());
    opts.detected?.(records.delimiter ?? 'comma');
  })();
}

/** Header names made usable as mapping keys: trimmed, never empty, never repeated. */
export function normalizeHeader(fields: string[]): string[] {
  const seen = new Map<string, number>();
  return fields.map((raw, i) => {
    // PostgreSQL stores no NUL: shown as U+FFFD (the same on upload and when the job compares)
    const base = raw.replace(/\u0000/g, '\uFFFD').trim() || `column_${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

export interface CsvScan {
  columns: string[];
  /** Own properties only (Object.fromEntries), so a column named __proto__ is a key like any other. */
  preview: Record<string, string>[];
  rows: number;
}

/**
 * Reads a whole file once to learn its header, its first rows and its row count, and to
 * refuse a file that cannot be read to the end before anything is imported from it.
 */
export function csvScanner(previewRows = 5) {
  const scan: CsvScan = { columns: [], preview: [], rows: 0 };
  let header = true;
  return {
    scan,
    onRow(row: CsvRow): null {
      if (header) {
        scan.columns = normalizeHeader(row.fields);
        header = false;
      } else {
        scan.rows++;
        if (scan.preview.length < previewRows)
          scan.preview.push(Object.fromEntries(scan.columns.map((c, i) => [c, (row.fields[i] ?? '').replace(/\u0000/g, '\uFFFD')])));
      }
      return null;
    },
  };
}
