import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Twilio's request signatures (M-6), as its own library checks them (twilio-node
 * `validateRequest`, webhooks.js): base64 HMAC of the full URL Twilio requested followed by the
 * POST parameters sorted by name (each name then its value; a repeated name's distinct values
 * sorted). HMAC-SHA1 with the account's auth token by default; a Webhook Setting signing with a
 * SharedKey adds `X-Twilio-Webhooks-Signature-Settings: key=…,algorithm=HMAC_SHA256` (or
 * HMAC_SHA1) and signs with that key's secret. A JSON body is signed through its URL: the query
 * carries `bodySHA256`, the hex SHA-256 of the raw body, and the parameters are empty.
 */
export interface TwilioSecrets {
  /** SMS_AUTH_TOKEN: signs when no settings header is sent. */
  authToken?: string;
  /** SMS_WEBHOOK_SECRET: SharedKey secrets (several during a rotation). */
  sharedKeys?: string[];
}

export type Params = Record<string, string | string[]>;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The algorithm a settings header names: HMAC_SHA1 when absent or silent. */
export function signatureAlgorithm(settings: string | undefined): string {
  for (const part of (settings ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === 'algorithm' && part.slice(eq + 1).trim()) return part.slice(eq + 1).trim();
  }
  return 'HMAC_SHA1';
}

const HASHES: Record<string, 'sha1' | 'sha256'> = { HMAC_SHA1: 'sha1', HMAC_SHA256: 'sha256' };

export function twilioSignature(secret: string, url: string, params: Params, algorithm = 'HMAC_SHA1'): string {
  const hash = HASHES[algorithm.toUpperCase()];
  if (!hash) throw new Error(`unsupported signature algorithm ${algorithm}`);
  let data = url;
  for (const k of Object.keys(params).sort()) {
    const v = params[k];
    for (const x of Array.isArray(v) ? [...new Set(v)].sort() : [v]) data += k + x;
  }
  return createHmac(hash, secret).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The URL with and without the scheme's default port: Twilio may sign either. */
function urlForms(url: string): string[] {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme, authority, rest] = m;
  const portAt = authority.indexOf(':', authority.lastIndexOf(']') + 1);
  const host = portAt === -1 ? authority : authority.slice(0, portAt);
  const port = portAt === -1 ? (scheme.toLowerCase() === 'https://' ? ':443' : ':80') : authority.slice(portAt);
  return [...new Set([url, scheme + host + rest, scheme + host + port + rest])];
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Checks a request Twilio made: `url` as Twilio requested it (PUBLIC_URL, path and query),
 * `params` its form parameters, `rawBody` the body as sent (for a bodySHA256 URL).
 */
export function checkTwilioSignature(
  secrets: TwilioSecrets,
  req: { url: string; params: Params; rawBody: string; signature?: string; settings?: string },
): SignatureCheck {
  const signature = req.signature ?? '';
  if (!signature) return { ok: false, reason: 'missing X-Twilio-Signature' };
  const algorithm = signatureAlgorithm(req.settings);
  if (!HASHES[algorithm.toUpperCase()]) return { ok: false, reason: `unsupported signature algorithm ${algorithm} (HMAC_SHA1, HMAC_SHA256)` };
  const keys = req.settings ? secrets.sharedKeys ?? [] : secrets.authToken ? [secrets.authToken] : [];
  if (keys.length === 0)
    return { ok: false, reason: req.settings ? 'signed with a Twilio SharedKey: set SMS_WEBHOOK_SECRET to its secret' : 'cannot check X-Twilio-Signature: SMS_AUTH_TOKEN is not set' };
  const query = req.url.includes('?') ? new URLSearchParams(req.url.slice(req.url.indexOf('?') + 1)) : null;
  const bodyHash = query?.get('bodySHA256');
  if (bodyHash != null && !same(bodyHash, createHash('sha256').update(Buffer.from(req.rawBody, 'utf8')).digest('hex')))
    return { ok: false, reason: 'the body does not match bodySHA256' };
  const params = bodyHash != null ? {} : req.params;
  const valid = keys.some((key) => urlForms(req.url).some((u) => same(signature, twilioSignature(key, u, params, algorithm))));
  // the origin is named (a PUBLIC_URL that is not the address Twilio calls is the usual cause), not the path's token
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(req.url)?.[0] ?? req.url;
  return valid ? { ok: true } : { ok: false, reason: `bad X-Twilio-Signature (${algorithm} of the URL under ${origin} with its query, then the sorted parameters)` };
}

/** A form body's parameters, a repeated name as the list of its values. */
export function formParams(raw: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}
