import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new shared secret for a connection or a webhook subscription. */
export const newSecret = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

/**
 * Inbound: Shopify (X-Shopify-Hmac-Sha256), WooCommerce (X-WC-Webhook-Signature) and our generic
 * shape (X-Parcours-Signature) all send base64(HMAC-SHA256(raw body, secret)). The raw bytes are
 * what was signed: a re-serialised body would not match.
 */
export function base64SignatureValid(secret: string, raw: Buffer, header: unknown): boolean {
  if (typeof header !== 'string' || header.length === 0 || header.length > 200) return false;
  // compared as text: base64 decoding ignores stray characters and unused final bits, so other
  // spellings of the right MAC would pass; the platforms send the canonical padded form
  const expected = Buffer.from(createHmac('sha256', secret).update(raw).digest('base64'));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function base64Signature(secret: string, raw: Buffer | string): string {
  return createHmac('sha256', secret).update(raw).digest('base64');
}

/**
 * Outbound: `Parcours-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (see
 * WEBHOOKS.md). The timestamp inside the signed text lets a receiver refuse replays.
 */
export function outboundSignature(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
