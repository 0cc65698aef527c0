import { createHash, randomBytes } from 'node:crypto';
import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, invalid, notFound } from '../errors.ts';
import { EXTENSIONS, sniffImage, type ImageType } from './sniff.ts';

/** The largest image taken (the upload route's body limit too). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

export interface MediaItem {
  id: number;
  url: string;
  filename: string;
  content_type: ImageType;
  size: number;
  created_at: Date;
}

interface Row extends Omit<MediaItem, 'url'> {
  token: string;
}

const itemOf = (publicUrl: string) => (r: Row): MediaItem => ({
  id: Number(r.id), url: `${publicUrl}/media/${r.token}/${r.filename}`, filename: r.filename, content_type: r.content_type, size: r.size, created_at: r.created_at,
});

/**
 * A name safe in a URL path and a header: letters, digits, dot, dash and underscore, with the
 * extension of the type the bytes are (a JPEG named logo.png is served as logo.jpg).
 */
export function safeFilename(wanted: string | undefined, type: ImageType): string {
  const base = (wanted ?? '').split(/[\\/]/).pop()!.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const stem = base.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'image';
  return `${stem}.${EXTENSIONS[type]}`;
}

/** Stores an uploaded image of the workspace: its type is read from its bytes (png, jpeg, gif, webp). */
export async function addImage(q: Queryable, clock: Clock, publicUrl: string, workspaceId: number, input: { data: Buffer; filename?: string }, author: number | null): Promise<MediaItem> {
  if (input.data.length > MAX_IMAGE_BYTES) throw new AppError('payload_too_large', `an image is at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB`, [{ path: 'body', message: 'too large' }]);
  const sniffed = sniffImage(input.data);
  if (!sniffed.ok) throw invalid('body', sniffed.reason);
  const filename = safeFilename(input.filename, sniffed.type);
  // 144 random bits: the public URL cannot be guessed from another one
  const token = randomBytes(18).toString('base64url');
  const sha256 = createHash('sha256').update(input.data).digest('hex');
  // base64 text both ways: PGlite converts bytea parameters ~8x slower (as import uploads do)
  const { rows } = await q.query<Row>(sql`
    insert into media (workspace_id, token, filename, content_type, size, sha256, data, created_at, created_by)
    values (${workspaceId}, ${token}, ${filename}, ${sniffed.type}, ${input.data.length}, ${sha256}, decode(${input.data.toString('base64')}, 'base64'), ${clock.now()}, ${author})
    returning id, token, filename, content_type, size, created_at`);
  return itemOf(publicUrl)(rows[0]);
}

export async function listImages(q: Queryable, publicUrl: string, workspaceId: number, opts: { limit: number; before?: number }): Promise<MediaItem[]> {
  const { rows } = await q.query<Row>(sql`
    select id, token, filename, content_type, size, created_at from media
     where workspace_id = ${workspaceId} and (${opts.before ?? null}::bigint is null or id < ${opts.before ?? null}::bigint)
     order by id desc limit ${opts.limit}`);
  return rows.map(itemOf(publicUrl));
}

/** Emails already sent that show it lose the image: deleting is for mistakes, not for tidying. */
export async function deleteImage(q: Queryable, workspaceId: number, id: number): Promise<void> {
  const r = await q.query(sql`delete from media where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('image');
}

/** The public file behind a URL: by its token, and only under the name it was stored with. */
export async function readImage(q: Queryable, token: string, filename: string): Promise<{ type: ImageType; data: Buffer; sha256: string } | null> {
  const { rows } = await q.query<{ content_type: ImageType; data: string; sha256: string }>(sql`
    select content_type, encode(data, 'base64') as data, sha256 from media where token = ${token} and filename = ${filename}`);
  return rows[0] ? { type: rows[0].content_type, data: Buffer.from(rows[0].data, 'base64'), sha256: rows[0].sha256 } : null;
}
