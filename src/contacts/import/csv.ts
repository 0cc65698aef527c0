import { Readable, pipeline } from 'node:stream';
import { parse, CsvError, type Options, type InfoRecord } from 'csv-parse';

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

/** The file cannot be read past `line` (unclosed quote, runaway record). */
export class CsvStructureError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const MAX_RECORD_CHARS = 1_000_000;

function lineBreaks(s: string): { breaks: number; crlf: number } {
  let breaks = 0;
  let crlf = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) breaks++;
    else if (c === 13) {
      breaks++;
      if (s.charCodeAt(i + 1) === 10) {
        crlf++;
        i++;
      }
    }
  }
  return { breaks, crlf };
}

function structureReason(err: CsvError): string {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return 'a quoted field starting here is never closed';
  if (err.code === 'CSV_MAX_RECORD_SIZE') return `a record longer than ${MAX_RECORD_CHARS} characters (probably an unclosed quote)`;
  return err.message;
}

/**
 * Parses CSV records from `source`, streaming, and numbers them by physical line. Rows of the
 * wrong length are passed through (the caller reports them); stray quotes inside fields are kept
 * as text (relax_quotes), so only an unclosed quote or a runaway record stops the read.
 * `onRow` returns the value to emit, or null to emit nothing (a scan).
 */
export function csvParser<T>(source: AsyncIterable<Buffer> | Readable, start: CsvStart, onRow: (row: CsvRow) => T | null): AsyncIterable<T> {
  // csv-parse counts a CRLF inside a quoted field as two lines: `extra` undoes that drift
  let extra = 0;
  let lastEndLine = start.line;
  const options: Options = {
    bom: start.byte === 0,
    relax_column_count: true,
    relax_quotes: true,
    // any line end, mixed in one file (a file edited on two systems): csv-parse would otherwise
    // keep the first one it sees and read the other kind as text inside a field
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARS,
    on_record: (record: unknown, info: InfoRecord): any => {
      const fields = record as string[];
      let inner = 0;
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        if (f.length > 0 && (f.indexOf('\n') >= 0 || f.indexOf('\r') >= 0)) {
          const b = lineBreaks(f);
          inner += b.breaks;
          extra += b.crlf;
        }
      }
      const endLine = start.line + info.lines - extra;
      lastEndLine = endLine;
      return onRow({ fields, line: endLine - inner, endLine, end: start.byte + info.bytes });
    },
  };
  const parser = parse(options);
  const input = source instanceof Readable ? source : Readable.from(source, { objectMode: false });
  pipeline(input, parser, () => {});
  return (async function* () {
    try {
      for await (const row of parser) yield row as T;
    } catch (err) {
      if (err instanceof CsvError) throw new CsvStructureError(lastEndLine + 1, structureReason(err));
      throw err;
    }
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
