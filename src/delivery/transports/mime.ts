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
 * base64 (most non-Latin scripts). Our own encoder: nodemailer's quoted-printable builds its
 * output one character at a time, where a regular expression over the bytes does the same work
 * natively (RFC 2045 6.7: =XX for bytes outside 33–126 but for tab and space, for "=", and for
 * tab or space ending a line; soft breaks keep lines within 76 characters).
 */
export function encodeBody(body: string): { encoding: '7bit' | 'quoted-printable' | 'base64'; text: string } {
  const crlf = body.replace(/\r\n|\r|\n/g, '\r\n');
  if (!NOT_7BIT.test(crlf) && !LONG_LINE.test(crlf)) return { encoding: '7bit', text: crlf };
  const bytes = Buffer.from(crlf, 'utf8');
  const latin1 = bytes.toString('latin1'); // one character per byte
  const escapes = latin1.match(QP_ESCAPED)?.length ?? 0;
  // =XX is 3 characters for 1 byte; soft breaks add about 3 per 73; base64 is 4 per 3 plus CRLF per 76
  const qpLength = bytes.length + 2 * escapes + (3 * bytes.length) / 73;
  const b64Length = (4 * bytes.length) / 3 + (2 * (4 * bytes.length)) / 3 / 76;
  if (qpLength < b64Length) return { encoding: 'quoted-printable', text: quotedPrintable(latin1) };
  return { encoding: 'base64', text: wrap(bytes.toString('base64')) };
}

// NUL, bare CR/LF (none left after CRLF normalisation) and 8-bit bytes rule out 7bit
const NOT_7BIT = /[\0\x80-\uffff]/;
const LONG_LINE = /[^\r\n]{999}/;
const QP_ESCAPED = /[^\t\r\n\x20-\x3c\x3e-\x7e]|[\t ](?=\r\n|$)/g;
const HEX = Array.from({ length: 256 }, (_, i) => `=${i.toString(16).toUpperCase().padStart(2, '0')}`);

function quotedPrintable(latin1: string): string {
  const escaped = latin1.replace(QP_ESCAPED, (c) => HEX[c.charCodeAt(0)]);
  return escaped.split('\r\n').map(softBreaks).join('\r\n');
}

/** Lines of at most 76 characters, the last of each but the end being "=" (a soft break), never inside an =XX. */
function softBreaks(line: string): string {
  if (line.length <= 76) return line;
  const out: string[] = [];
  let i = 0;
  while (line.length - i > 76) {
    let end = i + 75;
    if (line[end - 1] === '=') end -= 1;
    else if (line[end - 2] === '=') end -= 2;
    out.push(`${line.slice(i, end)}=`);
    i = end;
  }
  out.push(line.slice(i));
  return out.join('\r\n');
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
