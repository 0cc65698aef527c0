import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvParser, CsvStructureError, type CsvRow, type Delimiter } from '../src/contacts/import/csv.ts';
import { guessDelimiter } from '../src/contacts/import/csv-records.ts';

/**
 * The import's own CSV tokenizer (C-2) against csv-parse, which it replaced on the hot path
 * and which stays the reference here: the same records from any text of commas, quotes, mixed
 * line ends, BOM and multi-byte characters, cut into chunks anywhere; byte offsets a resumed
 * read can start from; physical lines counted independently.
 */

async function read(bytes: Buffer, cuts: number[], start = { byte: 0, line: 0 }, delimiter: Delimiter | 'auto' = 'comma'): Promise<CsvRow[] | string> {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    chunks.push(bytes.subarray(at, c));
    at = c;
  }
  chunks.push(bytes.subarray(at));
  const out: CsvRow[] = [];
  try {
    for await (const r of csvParser<CsvRow>((async function* () { yield* chunks; })(), start, (r) => r, { delimiter })) out.push(r);
  } catch (err) {
    if (err instanceof CsvStructureError) return `error at line ${err.line}`;
    throw err;
  }
  return out;
}

const SEPARATORS: Record<Delimiter, string> = { comma: ',', semicolon: ';', tab: '\t' };

function reference(bytes: Buffer, delimiter: Delimiter = 'comma'): { fields: string[]; end: number }[] | 'error' {
  try {
    const recs = parse(bytes, {
      delimiter: SEPARATORS[delimiter],
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n', '\r'],
      skip_empty_lines: true,
      info: true,
    }) as unknown as { record: string[]; info: { bytes: number } }[];
    return recs.map((r) => ({ fields: r.record, end: r.info.bytes }));
  } catch {
    return 'error';
  }
}

/** Physical line ends in bytes [0, end), counted by a regular expression. */
const breaksBefore = (bytes: Buffer, end: number) => (bytes.subarray(0, end).toString('utf8').match(/\r\n|\r|\n/g) ?? []).length;

const text = fc.array(fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r', '\r\n', ' ', 'é', '😀', 'x,y'), { maxLength: 40 }).map((a) => a.join(''));

describe('CSV records (C-2)', () => {
  it('reads what csv-parse reads, in any chunks, with byte offsets and physical lines', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), fc.array(fc.nat(80), { maxLength: 12 }), async (s, bom, cuts) => {
        const bytes = Buffer.from((bom ? '\ufeff' : '') + s, 'utf8');
        const want = reference(bytes);
        const got = await read(bytes, cuts);
        if (want === 'error') {
          expect(got).toMatch(/^error at line \d+$/);
          return;
        }
        expect(got).not.toBeTypeOf('string');
        const rows = got as CsvRow[];
        expect(rows.map((r) => ({ fields: r.fields, end: r.end }))).toEqual(want);
        for (const r of rows) {
          const own = /(\r\n|\r|\n)$/.exec(bytes.subarray(0, r.end).toString('utf8'));
          expect(r.endLine).toBe(1 + breaksBefore(bytes, r.end) - (own ? 1 : 0));
          expect(r.line).toBe(r.endLine - r.fields.reduce((n, f) => n + (f.match(/\r\n|\r|\n/g) ?? []).length, 0));
        }
        // resuming after any record reads the same records that follow it
        if (rows.length > 1) {
          const k = cuts.length % (rows.length - 1);
          const resumed = await read(bytes.subarray(rows[k].end), [], { byte: rows[k].end, line: rows[k].endLine });
          const tail = await read(bytes.subarray(rows[k].end), cuts.map((c) => c - rows[k].end), { byte: rows[k].end, line: rows[k].endLine });
          expect(resumed).toEqual(rows.slice(k + 1));
          expect(tail).toEqual(rows.slice(k + 1));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('reads semicolon and tab files as csv-parse does with that delimiter, and guesses it from the header in any chunks (issue 17)', async () => {
    const mixed = fc.array(fc.constantFrom('a', ',', ';', '\t', '"', '""', '\n', '\r\n', 'é', 'x;y'), { maxLength: 40 }).map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(mixed, fc.constantFrom<Delimiter>('semicolon', 'tab', 'comma'), fc.array(fc.nat(60), { maxLength: 8 }), async (s, d, cuts) => {
        const bytes = Buffer.from(s, 'utf8');
        const want = reference(bytes, d);
        const got = await read(bytes, cuts, undefined, d);
        if (want === 'error') expect(got).toMatch(/^error at line \d+$/);
        else expect((got as CsvRow[]).map((r) => ({ fields: r.fields, end: r.end }))).toEqual(want);
        // auto: the separator guessed from the first non-empty line, wherever the chunks are cut
        const guessed = guessDelimiter(Buffer.from(s.replace(/^[\r\n]+/, ''), 'utf8'));
        expect(await read(bytes, cuts, undefined, 'auto')).toEqual(await read(bytes, [], undefined, guessed));
      }),
      { numRuns: 1500 },
    );
    expect(guessDelimiter(Buffer.from('Email;Prénom;Nom\r\na,b,c,d,e\n'))).toBe('semicolon');
    expect(guessDelimiter(Buffer.from('"a,b,c";email;x\n'))).toBe('semicolon');
    expect(guessDelimiter(Buffer.from('email\tname\n'))).toBe('tab');
    expect(guessDelimiter(Buffer.from('email\n'))).toBe('comma');
    expect(guessDelimiter(Buffer.from('a;b,c\n'))).toBe('comma'); // a tie: comma
  });

  it('counts a CRLF cut between two chunks as one line end, wherever it is', async () => {
    const lines = async (s: string, cut: number) => ((await read(Buffer.from(s), [cut])) as CsvRow[]).map((r) => [r.fields.join('|'), r.line, r.endLine]);
    expect(await lines('a\n\r\nb\n', 3)).toEqual([['a', 1, 1], ['b', 3, 3]]); // an empty line
    expect(await lines('a\r\nb\r\n', 2)).toEqual([['a', 1, 1], ['b', 2, 2]]); // a record's end
    expect(await lines('"a\r\nb",c\nd\n', 3)).toEqual([['a\r\nb|c', 1, 2], ['d', 3, 3]]); // inside quotes
  });

  it('names the line of an unclosed quote and of a runaway record', async () => {
    expect(await read(Buffer.from('email,name\n\na@x.co,"A\nb@x.co,B\n'), [5, 17])).toBe('error at line 3');
    expect(await read(Buffer.from(`email\n"${'x'.repeat(1_000_001)}\n`), [100, 70_000])).toBe('error at line 2');
  });
});
