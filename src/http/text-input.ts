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
