import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, URL-safe tokens: base64url(JSON payload) + '.' + a 128-bit HMAC over purpose and
 * payload. The purpose keeps an open token from working as a click or unsubscribe token.
 */
export type Purpose = 'open' | 'click' | 'unsubscribe' | 'preferences' | 'view' | 'confirm' | 'sms-in';

export function signToken(secret: string, purpose: Purpose, payload: unknown[]): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

/** The payload when the token is genuine and of this purpose, else null. */
export function verifyToken(secret: string, purpose: Purpose, token: string): unknown[] | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || token.length > 8192) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = Buffer.from(mac(secret, purpose, body), 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    return Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

function mac(secret: string, purpose: Purpose, body: string): string {
  return createHmac('sha256', secret).update(`${purpose}.${body}`).digest().subarray(0, 16).toString('base64url');
}
