import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Payload generators for the fuzz tests (issue 9, "Bad input"): arbitraries derived from the JSON
 * schemas of the OpenAPI document, and mutations that turn a valid payload into a wrong one.
 */

export type JsonSchema = Record<string, any>;

/** The seed of every fuzz run: FUZZ_SEED replays a failure; the default keeps CI repeatable. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20260105);

/** Strings that break naive code: NUL, lone surrogates, RTL, emoji, SQL and HTML, formats. */
export const nastyStrings = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uD83D', '\u202Eevil', '😀👍🏽', 'ǅ', '\r\n', '\t',
  "'; drop table contacts; --", '<script>alert(1)</script>', '{{ 7 | times: 7 }}', '{% raw %}', '%00', '%', '../../etc/passwd',
  'null', 'true', '-1', '0', '1e400', 'NaN', '9223372036854775808', '99999999999999999999', '2026-02-30', '0000-00-00',
  '275760-09-14T00:00:00Z', '2026-13-01T00:00:00Z', '-271821-04-19T00:00:00Z', 'P99999Y', 'PT-1H', 'Europe/Nowhere',
  '+', '+1', '++33612345678', 'a@b', '@', 'x@y.z'.repeat(60), '__proto__', 'constructor',
];

export const edgeNumbers = [0, -1, 1.5, -0.000001, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53, 2 ** 63, 1e21, 1e308, -1e308, 0.1 + 0.2, 100000];

const hugeString = fc.constantFrom('x'.repeat(100_000), 'é'.repeat(20_000), '\u0000'.repeat(1000), '😀'.repeat(5_000));

export const garbageLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...nastyStrings),
  fc.constantFrom<unknown>(null, true, false, 0, -1, -0.5, 1.5, 2 ** 31, 2 ** 53 + 2, 2 ** 63, 1e308, -1e308, Number.MAX_SAFE_INTEGER),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: true }).filter(Number.isFinite),
  hugeString,
);

/** Nested junk: arrays and objects of junk, a few levels deep, sometimes very wide. */
export const garbage: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: garbageLeaf },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], {}, [[[[[]]]]], Array.from({ length: 5000 }, (_, i) => i + 1), Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), garbageLeaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(garbageLeaf, { maxLength: 4 }) },
);

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  if (s.format === 'email') return fc.emailAddress();
  if (s.format === 'date-time') return fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= (s.maxLength ?? 200));
  const maxLength = Math.min(s.maxLength ?? 40, 40);
  const minLength = Math.min(s.minLength ?? 0, maxLength);
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(...nastyStrings).filter((x) => x.length >= minLength && x.length <= (s.maxLength ?? Infinity)) },
  );
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  let min = typeof s.minimum === 'number' ? s.minimum : -1e9;
  const max = typeof s.maximum === 'number' ? s.maximum : 1e9;
  if (s.exclusiveMinimum === true) min = integer ? min + 1 : min + 1e-9;
  if (typeof s.exclusiveMinimum === 'number') min = integer ? s.exclusiveMinimum + 1 : s.exclusiveMinimum + 1e-9;
  if (integer) {
    // small values hit rows that exist; the full range finds overflows
    const small = fc.integer({ min: Math.max(min, Math.min(0, max)), max: Math.min(max, Math.max(min, 12)) });
    return fc.oneof({ weight: 3, arbitrary: small }, { weight: 1, arbitrary: fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
  }
  const base = fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return s.multipleOf ? base.map((x) => Math.min(max, Math.max(min, Math.round(x / s.multipleOf) * s.multipleOf))) : base;
}

/** A value that (mostly) satisfies the schema. */
export function fromSchema(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!s || Object.keys(s).filter((k) => k !== 'description' && k !== 'default').length === 0) return depth > 2 ? garbageLeaf : fc.jsonValue({ maxDepth: 3 });
  let arb: fc.Arbitrary<unknown>;
  if (s.enum) arb = fc.constantFrom(...s.enum);
  else if (s.const !== undefined) arb = fc.constant(s.const);
  else if (s.anyOf || s.oneOf) arb = fc.oneof(...(s.anyOf ?? s.oneOf).map((x: JsonSchema) => fromSchema(x, depth + 1)));
  else if (s.type === 'string') arb = stringArb(s);
  else if (s.type === 'integer') arb = numberArb(s, true);
  else if (s.type === 'number') arb = numberArb(s, false);
  else if (s.type === 'boolean') arb = fc.boolean();
  else if (s.type === 'array') arb = fc.array(fromSchema(s.items, depth + 1), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 4, 4)) });
  else if (s.type === 'object' || s.properties) {
    const props: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries<JsonSchema>(s.properties ?? {})) props[k] = fromSchema(v, depth + 1);
    const record = fc.record(props, { requiredKeys: s.required ?? [] });
    const extra = s.additionalProperties && typeof s.additionalProperties === 'object' ? fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fromSchema(s.additionalProperties, depth + 1), { maxKeys: 3 }) : fc.constant({});
    arb = fc.tuple(extra, record).map(([a, b]) => ({ ...a, ...b }));
  } else arb = fc.jsonValue({ maxDepth: 2 });
  return s.nullable ? fc.option(arb, { nil: null, freq: 8 }) : arb;
}

type Path = (string | number)[];

function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (at.length > 6) return out;
  if (Array.isArray(v)) v.slice(0, 20).forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: Path, fn: (x: unknown, parent: any, key: string | number) => unknown): unknown {
  const copy = structuredClone(v);
  if (path.length === 0) return fn(copy, undefined, '');
  let parent: any = copy;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const key = path[path.length - 1];
  const next = fn(parent[key], parent, key);
  if (next === DELETE) Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key];
  else parent[key] = next;
  return copy;
}
const DELETE = Symbol('delete');

export interface Mutated {
  body: unknown;
  /** What was done, for the failure message. */
  how: string;
}

/** Breaks one thing in a valid payload: a wrong type, a missing key, an extra key, a null, junk. */
export function mutate(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Mutated> {
  return valid.chain((body) => {
    const all = paths(body);
    const leaves = all.filter((p) => { const x = p.reduce((o: any, k) => o?.[k], body); return x === null || typeof x !== 'object'; });
    const op = fc.constantFrom('replace', 'delete', 'extra', 'null', 'wrap', 'edge', 'edge', 'edge');
    return fc.tuple(fc.constantFrom(...all), op, garbage, fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom(...(leaves.length ? leaves : all)), fc.constantFrom(...nastyStrings), fc.constantFrom(...edgeNumbers)).map(([path, op, junk, key, leaf, nasty, num]) => {
      const where = path.join('.') || '(body)';
      switch (op) {
        case 'edge': {
          // the same type, an edge value: an impossible date, a NUL, an overflowing integer
          const value = leaf.reduce((o: any, k) => o?.[k], body);
          return { body: setAt(body, leaf, () => (typeof value === 'number' ? num : nasty)), how: `edge value at ${leaf.join('.') || '(body)'}` };
        }
        case 'delete':
          return path.length ? { body: setAt(body, path, () => DELETE), how: `deleted ${where}` } : { body: undefined, how: 'no body' };
        case 'extra':
          return { body: setAt(body, path, (x) => (x && typeof x === 'object' && !Array.isArray(x) ? { ...x, [key]: junk } : junk)), how: `extra ${key} at ${where}` };
        case 'null':
          return { body: setAt(body, path, () => null), how: `null at ${where}` };
        case 'wrap':
          return { body: setAt(body, path, (x) => [x, x]), how: `wrapped ${where} in an array` };
        default:
          return { body: setAt(body, path, () => junk), how: `replaced ${where}` };
      }
    });
  });
}

/** Bodies that are not the JSON object a route expects at all. */
export const wrongBodies: fc.Arbitrary<Mutated> = fc.oneof(
  fc.constantFrom<Mutated>(
    { body: '{', how: 'truncated JSON' },
    { body: '{"a":1,}', how: 'trailing comma' },
    { body: '', how: 'empty string' },
    { body: 'null', how: 'JSON null' },
    { body: '[]', how: 'an array' },
    { body: '"text"', how: 'a JSON string' },
    { body: '{"a":"\\u0000"}', how: 'escaped NUL' },
    { body: '{"__proto__":{"polluted":true}}', how: 'prototype pollution' },
    { body: '{"constructor":{"prototype":{"polluted":true}}}', how: 'constructor pollution' },
    { body: `${'['.repeat(5000)}${']'.repeat(5000)}`, how: 'deep nesting' },
    { body: '1e999', how: 'an infinite number' },
  ),
  garbage.map((g) => ({ body: JSON.stringify(g) ?? 'null', how: 'junk JSON' })),
);

/** Percent-encodes any string, lone surrogates included (as the bytes Node would send). */
export const enc = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** Path segments a route must refuse with a 4xx: negative, zero, huge, not numbers, encoded junk. */
export const badSegments = fc.oneof(
  fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', 'abc', '9007199254740993', '99999999999999999999999', '2147483648', '9223372036854775808', 'NaN', 'Infinity', '%00', '%2e%2e', '%F0%9F%98%80', '%C0%AF', 'null', 'undefined', '__proto__', ' 1', '1%20', '%ff'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map(enc),
  fc.constantFrom('x'.repeat(300), 'x'.repeat(9000)),
);

/** Query values in the same spirit. */
export const badQueryValue = fc.oneof(badSegments, fc.string({ maxLength: 20 }).map(enc), fc.constantFrom('', '1', '50', '1000', '1001', 'true', '2026-01-01', '%00'));

export interface Answer {
  status: number;
  body: any;
}

/**
 * What every answer to bad input must look like: no 5xx; a 4xx is `{ error: { code, message,
 * details? } }`, and a validation error names the field (a non-empty path, or the message does).
 * The PostgreSQL backstop in src/http/errors.ts must not be what caught it: input is validated by
 * the module that owns it before reaching SQL.
 */
export function expectGoodAnswer(res: Answer, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body)?.slice(0, 400)}`).toBeLessThan(500);
  if (res.status < 400) return;
  const e = res.body?.error;
  expect(e, `${what}: error shape`).toBeTypeOf('object');
  expect(e.code, `${what}: error.code`).toBeTypeOf('string');
  expect(e.message, `${what}: error.message`).toBeTypeOf('string');
  if (e.details !== undefined) {
    expect(Array.isArray(e.details), `${what}: details is an array`).toBe(true);
    for (const d of e.details) {
      expect(d.path, `${what}: details[].path`).toBeTypeOf('string');
      expect(d.message, `${what}: details[].message`).toBeTypeOf('string');
    }
  }
  if (e.code === 'validation') {
    const named = (e.details ?? []).some((d: any) => d.path !== '') || /^[\w.[\]-]+: /.test(e.message);
    expect(named, `${what}: a validation error names its field: ${JSON.stringify(e)}`).toBe(true);
    expect(e.message, `${what}: reached the database unvalidated: ${e.message}`).not.toMatch(/^invalid value: /);
  }
}
