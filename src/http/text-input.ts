import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/**
 * Text PostgreSQL cannot store: the NUL character (refused in text and jsonb) and UTF-16 lone
 * surrogates (jsonb refuses their escapes; text would silently turn them into U+FFFD). Refused at
 * the edge for every request, in values and in keys, with the field's path, so no module has to
 * remember it and no such string reaches SQL as a data exception.
 */
// eslint-disable-next-line no-control-regex
const BAD = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function badText(s: string): string | null {
  const m = BAD.exec(s);
  if (!m) return null;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000)' : 'contains an unpaired UTF-16 surrogate (not valid Unicode)';
}

/** The first string (or key) in `value` that PostgreSQL cannot store, with its path. */
export function findBadText(value: unknown, path: string[] = [], depth = 0): { path: string; message: string } | null {
  if (typeof value === 'string') {
    const why = badText(value);
    return why ? { path: path.join('.'), message: why } : null;
  }
  if (!value || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findBadText(value[i], [...path, String(i)], depth + 1);
      if (bad) return bad;
    }
    return null;
  }
  // parsed JSON only: a streamed body (CSV upload) is a socket graph, not data to walk
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return null;
  for (const [k, v] of Object.entries(value)) {
    const why = badText(k);
    if (why) return { path: [...path, k.replace(BAD, '?')].join('.'), message: `key ${why}` };
    const bad = findBadText(v, [...path, k], depth + 1);
    if (bad) return bad;
  }
  return null;
}

export function registerTextInputCheck(server: FastifyInstance) {
  server.addHook('preValidation', async (req) => {
    // params and query are router-made objects (their own prototypes): walked as plain copies
    for (const [where, value] of [['params', { ...(req.params as object) }], ['querystring', { ...(req.query as object) }], ['body', req.body]] as const) {
      const bad = findBadText(value, where === 'body' ? [] : [where]);
      if (bad) {
        const path = bad.path || where;
        throw new AppError('validation', `${path}: ${bad.message}`, [{ path, message: bad.message }]);
      }
    }
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies must be UTF-8 (RFC 8259): bytes that are not would be stored as U+FFFD without a
 * word, so they are refused with a 400 naming the body and the byte, as the CSV import refuses
 * them with the line. Then Fastify's own parser: `constructor.prototype` refused, and `__proto__`
 * keys too unless `protoKeys: 'keep'` (a scope whose keys are user data, e.g. CSV column names,
 * and which never merges a body into another object) keeps them as the own keys JSON.parse makes.
 */
export function registerJsonParser(server: FastifyInstance, protoKeys: 'refuse' | 'keep' = 'refuse') {
  const parse = server.getDefaultJsonParser(protoKeys === 'keep' ? 'ignore' : 'error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      const at = firstBadByte(body as Buffer);
      return done(new AppError('invalid_json', `the body is not valid UTF-8 (byte ${at}): send JSON encoded in UTF-8`, [{ path: 'body', message: `invalid UTF-8 at byte ${at}` }]), undefined);
    }
    parse(req, text, done);
  });
}

function firstBadByte(b: Buffer): number {
  for (let lo = 0, hi = b.length; ; ) {
    // the longest valid prefix, by halving: the decoder only says yes or no
    if (hi - lo <= 1) return sequenceStart(b, lo);
    const mid = (lo + hi) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid;
    }
  }
}

/** A valid prefix may end inside a multi-byte character: the bad one starts at its lead byte. */
function sequenceStart(b: Buffer, end: number): number {
  let j = end - 1;
  while (j >= 0 && (b[j] & 0xc0) === 0x80) j--;
  return j >= 0 && b[j] >= 0xc0 ? j : end;
}
