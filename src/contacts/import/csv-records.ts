/**
 * A CSV tokenizer over bytes, for the import's hot path: csv-parse cost ~13 µs a record of the
 * bench file, this ~2. It reads what csv-parse read with the options the importer used
 * (comma, double quotes, any of CRLF / LF / CR line ends mixed in one file, empty lines skipped,
 * a stray quote kept as text) and knows the byte offset and physical lines of each record.
 * The separator may be a semicolon (Excel in French and other locales) or a tab instead, or
 * guessed from the header line.
 */

import type { CsvRow } from './csv.ts';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

export const DELIMITERS = { comma: 0x2c, semicolon: 0x3b, tab: 0x09 } as const;
export type Delimiter = keyof typeof DELIMITERS;
const NAMES = Object.keys(DELIMITERS) as Delimiter[];
/** How far a header line is looked for when guessing the separator. */
const SNIFF_BYTES = 64 * 1024;

/**
 * The separator of a file, from its header line: the candidate found most often outside
 * quotes (a comma on a tie, or when none is found: a one-column file).
 */
export function guessDelimiter(header: Buffer): Delimiter {
  const counts = new Map<number, number>();
  let quoted = false;
  for (const b of header) {
    if (b === QUOTE) quoted = !quoted;
    else if (!quoted) {
      if (b === LF || b === CR) break;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
  let best: Delimiter = 'comma';
  for (const n of NAMES) if ((counts.get(DELIMITERS[n]) ?? 0) > (counts.get(DELIMITERS[best]) ?? 0)) best = n;
  return best;
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

const NEED_MORE = null;

export class CsvRecords {
  private buf: Buffer = Buffer.alloc(0);
  /** File offset of buf[0], and physical lines before it. */
  private base: number;
  private line: number;
  private bomChecked: boolean;
  private sep: number;
  /** The separator in use; null while it is still to be guessed from the header line. */
  delimiter: Delimiter | null;

  /** `delimiter` 'auto' guesses it from the header line, so only a read from byte 0 may ask for it. */
  constructor(
    start: { byte: number; line: number },
    private readonly maxRecordChars: number,
    delimiter: Delimiter | 'auto' = 'comma',
  ) {
    this.base = start.byte;
    this.line = start.line;
    this.bomChecked = start.byte !== 0;
    if (delimiter === 'auto' && start.byte !== 0) throw new Error('the separator of a file read from its middle must be known');
    this.delimiter = delimiter === 'auto' ? null : delimiter;
    this.sep = delimiter === 'auto' ? -1 : DELIMITERS[delimiter];
  }

  /** The records completed by `chunk`. */
  push(chunk: Buffer): CsvRow[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    return this.scan(false);
  }

  /** The last record, when the file does not end with a line break. */
  end(): CsvRow[] {
    return this.scan(true);
  }

  private scan(final: boolean): CsvRow[] {
    const buf = this.buf;
    const out: CsvRow[] = [];
    let pos = 0;
    if (!this.bomChecked) {
      if (buf.length < 3 && !final) return out;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3;
      this.bomChecked = true;
    }
    if (this.delimiter === null) {
      // the header line must be whole (or long, or the whole file) before the guess
      let from = pos;
      while (from < buf.length && (buf[from] === LF || buf[from] === CR)) from++;
      let i = from;
      let quoted = false;
      for (; i < buf.length; i++) {
        if (buf[i] === QUOTE) quoted = !quoted;
        else if (!quoted && (buf[i] === LF || buf[i] === CR)) break;
      }
      if (i >= buf.length && !final && buf.length - pos < SNIFF_BYTES) {
        this.base += pos;
        this.buf = buf.subarray(pos);
        return out;
      }
      this.delimiter = guessDelimiter(buf.subarray(from, Math.min(i, from + SNIFF_BYTES)));
      this.sep = DELIMITERS[this.delimiter];
    }
    while (pos < buf.length) {
      // empty lines are skipped, but counted
      const c = buf[pos];
      if (c === LF || c === CR) {
        if (c === CR && pos + 1 >= buf.length && !final) break;
        pos += c === CR && buf[pos + 1] === LF ? 2 : 1;
        this.line++;
        continue;
      }
      const rec = this.record(buf, pos, final);
      if (rec === NEED_MORE) {
        if (buf.length - pos > this.maxRecordChars && chars(buf, pos, buf.length) > this.maxRecordChars)
          throw new CsvStructureError(this.line + 1, `a record longer than ${this.maxRecordChars} characters (probably an unclosed quote)`);
        break;
      }
      out.push(rec.record);
      this.line = rec.record.endLine;
      pos = rec.next;
    }
    if (final && pos < buf.length) throw new CsvStructureError(this.line + 1, 'a quoted field starting here is never closed');
    this.base += pos;
    this.buf = pos >= buf.length ? Buffer.alloc(0) : buf.subarray(pos);
    return out;
  }

  /** The record starting at `pos`, or NEED_MORE when its end is not in the buffer yet. */
  private record(buf: Buffer, pos: number, final: boolean): { record: CsvRow; next: number } | typeof NEED_MORE {
    const len = buf.length;
    const SEP = this.sep;
    const fields: string[] = [];
    let breaks = 0; // line ends inside quoted fields
    let i = pos;
    for (;;) {
      let value: string;
      if (buf[i] === QUOTE) {
        // quoted: "" is a quote; a closing quote must be followed by the separator or a line end,
        // otherwise (relaxed, as csv-parse) the field is kept as written, quotes and all
        let text = '';
        let from = i + 1;
        let j = from;
        for (;;) {
          while (j < len && buf[j] !== QUOTE) {
            const b = buf[j];
            if (b === LF) breaks++;
            else if (b === CR && buf[j + 1] !== LF) {
              if (j + 1 >= len && !final) return NEED_MORE;
              breaks++;
            }
            j++;
          }
          if (j >= len) return NEED_MORE; // unclosed (an error at the end of the file)
          if (j + 1 >= len && !final) return NEED_MORE;
          const next = buf[j + 1];
          if (next === QUOTE) {
            text += buf.toString('utf8', from, j + 1);
            from = j = j + 2;
            continue;
          }
          text += buf.toString('utf8', from, j);
          i = j + 1;
          break;
        }
        if (i < len && buf[i] !== SEP && buf[i] !== LF && buf[i] !== CR) {
          const rest = i;
          while (i < len && buf[i] !== SEP && buf[i] !== LF && buf[i] !== CR) i++;
          if (i >= len && !final) return NEED_MORE;
          text = `"${text}"${buf.toString('utf8', rest, i)}`;
        }
        value = text;
      } else {
        const from = i;
        while (i < len && buf[i] !== SEP && buf[i] !== LF && buf[i] !== CR) i++;
        if (i >= len && !final) return NEED_MORE;
        value = buf.toString('utf8', from, i);
      }
      fields.push(value);
      if (i < len && buf[i] === SEP) {
        i++;
        if (i >= len && !final) return NEED_MORE;
        continue;
      }
      // a line end, or the end of the file
      let next = i;
      if (i < len) {
        if (buf[i] === CR) {
          if (i + 1 >= len && !final) return NEED_MORE;
          next = buf[i + 1] === LF ? i + 2 : i + 1;
        } else next = i + 1;
      }
      const line = this.line + 1;
      if (next - pos > this.maxRecordChars && chars(buf, pos, next) > this.maxRecordChars)
        throw new CsvStructureError(line, `a record longer than ${this.maxRecordChars} characters (probably an unclosed quote)`);
      return { record: { fields, line, endLine: line + breaks, end: this.base + next }, next };
    }
  }
}

/** UTF-8 characters in buf[from, to): bytes that do not continue a character. */
function chars(buf: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((buf[i] & 0xc0) !== 0x80) n++;
  return n;
}
