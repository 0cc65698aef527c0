import { sql, type Db, type Queryable } from '../../db/index.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../errors.ts';
import { loadFieldDefs } from '../fields.ts';
import { csvParser, csvScanner, CsvStructureError, type Delimiter } from './csv.ts';
import { suggestMapping, type Mapping } from './mapping.ts';

export const CHUNK_BYTES = 1 << 20;
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;
const STALE_UPLOAD_MS = 24 * 3_600_000;

export interface UploadResult {
  upload_id: number;
  filename: string | null;
  size_bytes: number;
  row_count: number;
  /** The field separator the file was read with: chosen at upload, or guessed from its header line. */
  delimiter: Delimiter;
  columns: string[];
  preview: Record<string, string>[];
  suggested_mapping: Mapping;
}

const asBuffer = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/**
 * UTF-16 files with a byte order mark (Excel's "Unicode text") are stored as UTF-8, so the
 * parser, the byte checkpoints and the preview read one encoding; anything else passes as is
 * (invalid UTF-8, e.g. Latin-1, is reported per row by the importer).
 */
export async function* utf8Of(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  let head: Buffer | null = Buffer.alloc(0); // until the first two bytes are known
  let bigEndian: boolean | null = null; // null: not UTF-16
  let carry: Buffer = Buffer.alloc(0);
  const decoder = new TextDecoder('utf-16le'); // drops the BOM
  const decode = (buf: Buffer, final: boolean): Buffer => {
    let b = carry.length ? Buffer.concat([carry, buf]) : buf;
    const even = b.length - (b.length % 2);
    carry = Buffer.from(b.subarray(even));
    b = Buffer.from(b.subarray(0, even));
    if (bigEndian) b.swap16();
    return Buffer.from(decoder.decode(b, { stream: !final }) + (final && carry.length ? '\uFFFD' : ''), 'utf8');
  };
  for await (const piece of body) {
    let buf = typeof piece === 'string' ? Buffer.from(piece) : asBuffer(piece);
    if (head) {
      head = Buffer.concat([head, buf]);
      if (head.length < 2) continue;
      bigEndian = head[0] === 0xff && head[1] === 0xfe ? false : head[0] === 0xfe && head[1] === 0xff ? true : null;
      buf = head;
      head = null;
    }
    yield bigEndian === null ? buf : decode(buf, false);
  }
  if (head?.length) yield head;
  if (bigEndian !== null) {
    const rest = decode(Buffer.alloc(0), true);
    if (rest.length) yield rest;
  }
}

/**
 * Streams a CSV file into the database in ~1 MB chunks while reading it once through the
 * parser: the answer carries the header, a preview and the row count, and a file that cannot
 * be read to its end (unclosed quote) is refused here, before any import can start.
 * No transaction spans the upload (PGlite has one connection): a failed upload deletes itself.
 */
export async function storeUpload(
  db: Db,
  clock: Clock,
  workspaceId: number,
  body: AsyncIterable<Uint8Array | string>,
  opts: { filename?: string | null; maxBytes?: number; delimiter?: Delimiter | 'auto' } = {},
): Promise<UploadResult> {
  const now = clock.now();
  const maxBytes = opts.maxBytes ?? MAX_UPLOAD_BYTES;
  await db.query(sql`
    delete from import_uploads
     where workspace_id = ${workspaceId} and status <> 'used' and created_at < ${new Date(now.getTime() - STALE_UPLOAD_MS)}`);
  const { rows } = await db.query<{ id: number }>(sql`
    insert into import_uploads (workspace_id, filename, created_at) values (${workspaceId}, ${opts.filename ?? null}, ${now}) returning id`);
  const uploadId = rows[0].id;
  let size = 0;
  let seq = 0;
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  // one chunk is written while the parser reads the next megabyte
  let writing: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    const start = size - pendingBytes;
    const n = seq++;
    pending.length = 0;
    pendingBytes = 0;
    await writing;
    // base64 text both ways: PGlite converts bytea parameters and results ~8x slower
    writing = db.query(sql`
      insert into import_upload_chunks (workspace_id, upload_id, seq, start_byte, data)
      values (${workspaceId}, ${uploadId}, ${n}, ${start}, decode(${data.toString('base64')}, 'base64'))`);
    writing.catch(() => {}); // awaited by the next flush, at the end, or on failure
  };
  // every piece goes to the parser and, a megabyte at a time, to the database
  const tee = async function* () {
    for await (const buf of utf8Of(body)) {
      size += buf.length;
      if (size > maxBytes) throw new AppError('payload_too_large', `the file is larger than ${Math.round(maxBytes / 1048576)} MB`, [{ path: 'body', message: 'too large' }]);
      pending.push(buf);
      pendingBytes += buf.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
      yield buf;
    }
    await flush();
    await writing;
  };
  const scanner = csvScanner();
  let delimiter: Delimiter = 'comma';
  try {
    const read = csvParser(tee(), { byte: 0, line: 0 }, scanner.onRow, { delimiter: opts.delimiter ?? 'auto', detected: (d) => (delimiter = d) });
    for await (const _ of read);
    if (scanner.scan.columns.length === 0)
      throw new AppError('validation', 'the file is empty: a header line naming the columns is expected', [{ path: 'body', message: 'empty file' }]);
  } catch (err) {
    await writing.catch(() => {}); // a chunk still being written would outlive the delete
    await db.query(sql`delete from import_uploads where workspace_id = ${workspaceId} and id = ${uploadId}`);
    if (err instanceof CsvStructureError)
      throw new AppError('validation', `the file cannot be read: ${err.message}`, [{ path: 'body', message: err.message }]);
    throw err;
  }
  const { columns, preview, rows: rowCount } = scanner.scan;
  await db.query(sql`
    update import_uploads set status = 'ready', size_bytes = ${size}, columns = ${columns}::text[], row_count = ${rowCount},
           preview = ${JSON.stringify(preview)}, delimiter = ${delimiter}
     where workspace_id = ${workspaceId} and id = ${uploadId}`);
  const defs = await loadFieldDefs(db, workspaceId);
  return {
    upload_id: uploadId,
    filename: opts.filename ?? null,
    size_bytes: size,
    row_count: rowCount,
    delimiter,
    columns,
    preview,
    suggested_mapping: suggestMapping(columns, defs),
  };
}

export interface Upload {
  id: number;
  filename: string | null;
  status: 'receiving' | 'ready' | 'used';
  size_bytes: number;
  row_count: number;
  columns: string[];
  delimiter: Delimiter;
}

export async function getUpload(q: Queryable, workspaceId: number, id: number): Promise<Upload | null> {
  const { rows } = await q.query<Upload>(sql`
    select id, filename, status, size_bytes, row_count, columns, delimiter from import_uploads where workspace_id = ${workspaceId} and id = ${id}`);
  return rows[0] ?? null;
}

/** The stored file from byte `from` on, one chunk at a time (memory stays at ~1 MB). */
export async function* readUpload(db: Queryable, workspaceId: number, uploadId: number, from: number): AsyncGenerator<Buffer> {
  const first = await db.query<{ seq: number }>(sql`
    select seq from import_upload_chunks
     where workspace_id = ${workspaceId} and upload_id = ${uploadId} and start_byte <= ${from}
     order by seq desc limit 1`);
  for (let seq = first.rows[0]?.seq ?? 0; ; seq++) {
    const { rows } = await db.query<{ start_byte: number; data: string }>(sql`
      select start_byte, encode(data, 'base64') as data from import_upload_chunks
       where workspace_id = ${workspaceId} and upload_id = ${uploadId} and seq = ${seq}`);
    if (!rows[0]) return;
    const data = Buffer.from(rows[0].data, 'base64');
    const skip = from - rows[0].start_byte;
    if (skip >= data.length) continue;
    yield skip > 0 ? data.subarray(skip) : data;
  }
}

export async function deleteUploadData(q: Queryable, workspaceId: number, uploadId: number) {
  await q.query(sql`delete from import_upload_chunks where workspace_id = ${workspaceId} and upload_id = ${uploadId}`);
}
