import { randomBytes } from 'node:crypto';
import type { OutgoingEmail } from './types.ts';

/**
 * Builds the MIME text of an email directly: multipart/alternative, each part in the shortest
 * transfer encoding that is safe for it (issue 20). Letting nodemailer compose each message cost
 * more than rendering it; a prebuilt message is sent as `raw` (DKIM signing still applies).
 */
export function buildMime(m: OutgoingEmail, date: Date): string {
  const boundary = `=_p${randomBytes(9).toString('base64url')}`;
  const head: string[] = [
    `From: ${encodeAddress(m.from)}`,
    `To: ${m.to}`,
    ...(m.replyTo ? [`Reply-To: ${m.replyTo}`] : []),
    `Subject: ${encodeWord(m.subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${m.messageId}`,
    'MIME-Version: 1.0',
    ...Object.entries(m.headers).map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  return (
    head.join('\r\n') +
    '\r\n\r\n' +
    part(boundary, 'text/plain', m.text) +
    part(boundary, 'text/html', m.html) +
    `--${boundary}--\r\n`
  );
}

function part(boundary: string, type: string, body: string): string {
  const { encoding, text } = encodeBody(body);
  return `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${text}\r\n`;
}

/**
 * 7bit when the text is ASCII in lines of at most 998 octets (RFC 5322): nothing to encode. Else
 * quoted-printable when it comes out shorter than base64 (Latin text with some accents), else
 * base64 (most non-Latin scripts). Our own quoted-printable encoder: nodemailer's builds its
 * output one character at a time (and a regular-expression version measured 100 µs for a 7 kB
 * newsletter); one pass over the bytes into a buffer takes a fraction of it (bench/send.ts).
 */
export function encodeBody(body: string): { encoding: '7bit' | 'quoted-printable' | 'base64'; text: string } {
  if (!NOT_ASCII.test(body)) {
    const crlf = body.replace(/\r\n|\r|\n/g, '\r\n');
    if (!LONG_LINE.test(crlf) && !crlf.includes('\0')) return { encoding: '7bit', text: crlf };
  }
  const bytes = Buffer.from(body, 'utf8');
  const qp = quotedPrintable(bytes);
  // base64 of these bytes: 4 characters per 3, a CRLF per 76
  const b64Length = Math.ceil(bytes.length / 3) * 4 * (78 / 76);
  if (qp.length <= b64Length) return { encoding: 'quoted-printable', text: qp };
  return { encoding: 'base64', text: wrap(bytes.toString('base64')) };
}

const NOT_ASCII = /[^\x00-\x7f]/;
const LONG_LINE = /[^\r\n]{999}/;
const HEX_DIGITS = Buffer.from('0123456789ABCDEF');
/** 1: written as is; 2: tab or space, as is unless it ends a line; 0: =XX (RFC 2045 6.7). */
const QP_KIND = new Uint8Array(256).map((_, b) => (b === 9 || b === 32 ? 2 : b >= 33 && b <= 126 && b !== 61 ? 1 : 0));

/** Quoted-printable with CRLF line ends (any line end in the text becomes one) and soft breaks within 76 characters. */
function quotedPrintable(bytes: Buffer): string {
  const n = bytes.length;
  const out = Buffer.allocUnsafe(3 * n + 3 * Math.ceil(n / 25) + 3);
  let o = 0;
  let col = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 13 || b === 10) {
      if (b === 13 && bytes[i + 1] === 10) i++;
      out[o++] = 13;
      out[o++] = 10;
      col = 0;
      continue;
    }
    const kind = QP_KIND[b];
    const next = bytes[i + 1];
    const literal = kind === 1 || (kind === 2 && i + 1 < n && next !== 13 && next !== 10);
    const width = literal ? 1 : 3;
    if (col + width > 75) {
      out[o++] = 61; // "=" CRLF: a soft break
      out[o++] = 13;
      out[o++] = 10;
      col = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = 61;
      out[o++] = HEX_DIGITS[b >> 4];
      out[o++] = HEX_DIGITS[b & 15];
    }
    col += width;
  }
  return out.toString('latin1', 0, o);
}

function wrap(b64: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\r\n');
}

// RFC 2047 encoded-words for non-ASCII header text (subjects, display names).
function encodeWord(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return s;
  const b = Buffer.from(s, 'utf8');
  const words: string[] = [];
  // at most 45 bytes per word keeps each encoded-word under 75 characters; never split a UTF-8 sequence
  for (let i = 0; i < b.length; ) {
    let end = Math.min(i + 45, b.length);
    while (end < b.length && (b[end] & 0xc0) === 0x80) end--;
    words.push(`=?UTF-8?B?${b.subarray(i, end).toString('base64')}?=`);
    i = end;
  }
  return words.join('\r\n ');
}

function encodeAddress(from: string): string {
  const m = /^"(.*)" <(.+)>$/.exec(from);
  return m ? `${/^[\x20-\x7e]*$/.test(m[1]) ? `"${m[1]}"` : encodeWord(m[1])} <${m[2]}>` : from;
}

export function addressOnly(from: string): string {
  const m = /<([^>]+)>\s*$/.exec(from);
  return m ? m[1] : from;
}
