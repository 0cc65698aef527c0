/**
 * What an uploaded file is, read from its first bytes (its "magic number"), never from the name
 * or the Content-Type a client claims. Only raster images every mail client shows are taken:
 * SVG is refused (it is a document that can carry script and links, and most mail clients
 * do not show it), and so is anything else.
 */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export const EXTENSIONS: Record<ImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

const ascii = (b: Buffer, from: number, to: number) => b.subarray(from, to).toString('latin1');

export type Sniffed = { ok: true; type: ImageType } | { ok: false; reason: string };

export function sniffImage(b: Buffer): Sniffed {
  if (b.length === 0) return { ok: false, reason: 'the file is empty' };
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { ok: true, type: 'image/png' };
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { ok: true, type: 'image/jpeg' };
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return { ok: true, type: 'image/gif' };
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return { ok: true, type: 'image/webp' };
  // an SVG is text: possibly a byte-order mark, an XML declaration, comments, then <svg
  const head = b.subarray(0, 4096).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('<') && /<svg[\s>]/.test(head)) return { ok: false, reason: 'SVG images are refused (they can carry script); upload a PNG, JPEG, GIF or WebP' };
  return { ok: false, reason: 'not a PNG, JPEG, GIF or WebP image (read from its content)' };
}
