import { hash, timingSafeEqual } from 'node:crypto';

/**
 * Signed, URL-safe tokens: base64url(JSON payload) + '.' + a 128-bit HMAC over purpose and
 * payload. The purpose keeps an open token from working as a click or unsubscribe token.
 */
export type Purpose = 'delivery' | 'unsubscribe' | 'confirm' | 'sms-in' | 'sms-status';

export function signToken(secret: string, purpose: Purpose, payload: unknown[]): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The payload when the token is genuine and of this purpose, else null. */
export function verifyToken(secret: string, purpose: Purpose, token: string): unknown[] | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 8192) return null;
  const body = token.slice(0, dot);
  // compared as text: base64url decoding ignores stray characters and a final character's unused
  // bits, so several spellings decode to the same MAC; only the one we issued is accepted
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(mac(secret, purpose, body));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

/**
 * The signature of a URL inside one message: computed once per (message, URL) and cached, so
 * a click link costs no HMAC per recipient. A click needs it and a genuine delivery token of
 * that message: only URLs we put in the message redirect (no open redirect).
 */
const urlSigs = new Map<string, string>();
export function urlSignature(secret: string, messageId: number, url: string): string {
  const key = `${messageId}\n${url}`;
  let sig = urlSigs.get(key);
  if (!sig) {
    sig = hmac(secret, `url.${key}`).subarray(0, 12).toString('base64url');
    if (urlSigs.size > 100_000) urlSigs.clear();
    urlSigs.set(key, sig);
  }
  return sig;
}

export function urlSignatureValid(secret: string, messageId: number, url: string, sig: string): boolean {
  const a = Buffer.from(urlSignature(secret, messageId, url));
  const b = Buffer.from(sig);
  return a.length === b.length && timingSafeEqual(a, b);
}

function mac(secret: string, purpose: Purpose, body: string): string {
  return hmac(secret, `${purpose}.${body}`).subarray(0, 16).toString('base64url');
}

/**
 * HMAC-SHA256 (RFC 2104) over two one-shot hashes, the padded keys derived once per secret: the
 * sender signs two tokens per message, and createHmac's setup per call cost more than the hashing.
 */
const padded = new Map<string, { inner: Buffer; outer: Buffer }>();
export function hmac(secret: string, data: string): Buffer {
  let k = padded.get(secret);
  if (!k) {
    const key = Buffer.alloc(64);
    const raw = Buffer.from(secret);
    (raw.length > 64 ? hash('sha256', raw, 'buffer') : raw).copy(key);
    k = { inner: Buffer.from(key.map((b) => b ^ 0x36)), outer: Buffer.from(key.map((b) => b ^ 0x5c)) };
    if (padded.size > 100) padded.clear();
    padded.set(secret, k);
  }
  const inner = hash('sha256', Buffer.concat([k.inner, Buffer.from(data)]), 'buffer');
  return hash('sha256', Buffer.concat([k.outer, inner]), 'buffer');
}
