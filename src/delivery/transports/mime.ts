import { randomBytes } from 'node:crypto';
import type { OutgoingEmail } from './types.ts';

/**
 * Builds the MIME text of an email directly: multipart/alternative with base64 parts. Letting
 * nodemailer compose each message cost more than rendering it; a prebuilt message is sent
 * as `raw` (DKIM signing still applies).
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
  return `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(Buffer.from(body, 'utf8').toString('base64'))}\r\n`;
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
