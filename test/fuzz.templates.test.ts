import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { expectGoodAnswer, SEED } from './fuzz.helpers.ts';

/**
 * Issue 9, "Bad input", templates (M-1): a syntax error put at a known line and column of a
 * message part (subject, preheader, body, text part, SMS text; HTML or MJML) is refused with a
 * 400 naming the part and that line and column; junk templates never get a 5xx.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

let t: TestApp;
let ws: Workspace;
beforeAll(async () => {
  // thousands of requests with one key in one minute of a frozen clock: the per-key limit (issue 16) is tested elsewhere
  t = await testApp({ PARCOURS_API_RATE_LIMIT: '1000000' });
  ws = await newWorkspace(t, 'templates');
});
afterAll(() => t?.close());

/** Liquid that does not parse, and where liquidjs points: the start of the piece. */
const brokenLiquid = ['{{ contact.first_name', '{% if contact.vip %}', '{% endif %}', '{{ contact.first_name | nosuchfilter }}', '{% for %}', '{% include "header" %}', '{% render "x" %}', '{{ }}', '{% nosuchtag %}', '{% raw %}', '{% for i in (1..3) %}', '{% case x %}{% when %}'];

/** Valid lines around the error, some with Liquid of their own. */
const goodLine = fc.oneof(
  fc.constantFrom('Hello {{ contact.first_name | default: "you" }},', '{% if contact.vip %}VIP{% endif %}', 'Plain text, with a comma', '', '   ', '{{ unsubscribe_url }}', 'Prix : 10 €', '{% comment %}note{% endcomment %}'),
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[{}%]/g, '')),
);

const position = (lines: string[], line: number, col: number, length: number) => ({ line: line + 1, col: col + 1, end: col + 1 + length, text: lines.join('\n') });

/** On the line of the broken piece, at a column within it (liquidjs points at a tag's start, or into an empty output). */
function expectWithin(got: { line: number; col: number } | null, at: { line: number; col: number; end: number }, what: string) {
  expect(got, what).not.toBeNull();
  expect(got!.line, what).toBe(at.line);
  expect(got!.col, what).toBeGreaterThanOrEqual(at.col);
  expect(got!.col, what).toBeLessThanOrEqual(at.end);
}

const liquidCase = fc.record({
  part: fc.constantFrom('subject', 'preheader', 'body', 'text', 'sms'),
  before: fc.array(goodLine, { maxLength: 6 }),
  after: fc.array(goodLine, { maxLength: 3 }),
  prefix: fc.string({ maxLength: 8 }).map((s) => s.replace(/[{}%\n\r]/g, '')),
  broken: fc.constantFrom(...brokenLiquid),
});

function placeLiquid(c: { part: string; before: string[]; after: string[]; prefix: string; broken: string }) {
  // a subject is one line: the error goes on it
  const before = c.part === 'subject' ? [] : c.before;
  const after = c.part === 'subject' ? [] : c.after;
  const lines = [...before, c.prefix + c.broken, ...after];
  return position(lines, before.length, c.prefix.length, c.broken.length);
}

async function create(part: string, source: string, format: 'html' | 'mjml' = 'html') {
  if (part === 'sms') return ws.api('POST', '/api/v1/messages', { name: 'sms', channel: 'sms', content: { text: source } });
  const content: Record<string, unknown> = { subject: 'Subject', body: format === 'mjml' ? '<mjml><mj-body></mj-body></mjml>' : '<p>Body</p>', format };
  content[part] = source;
  return ws.api('POST', '/api/v1/messages', { name: 'email', channel: 'email', content });
}

/** `line:L, col:C` (liquidjs) or `line L: … (col C…` (MJML). */
function where(message: string): { line: number; col: number } | null {
  const liquid = /line:(\d+), col:(\d+)/.exec(message);
  if (liquid) return { line: Number(liquid[1]), col: Number(liquid[2]) };
  const mjml = /^line (\d+): .*\(col (\d+)/.exec(message);
  return mjml ? { line: Number(mjml[1]), col: Number(mjml[2]) } : null;
}

describe('templates with syntax errors (issue 9, M-1)', () => {
  it('refuses broken Liquid in any part with the part, the line and the column of the error', async () => {
    await fc.assert(
      fc.asyncProperty(liquidCase, async (c) => {
        const at = placeLiquid(c);
        const res = await create(c.part, at.text);
        expectGoodAnswer(res, `${c.part}: ${JSON.stringify(at.text)}`);
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        const d = res.body.error.details[0];
        expect(d.path).toBe(`content.${c.part === 'sms' ? 'text' : c.part}`);
        expectWithin(where(d.message), at, `${d.message} for ${JSON.stringify(at.text)}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  }, 60_000);

  it('refuses broken Liquid inside MJML at its line and column in the author\'s source', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(goodLine, { maxLength: 5 }), fc.constantFrom(...brokenLiquid), fc.nat(6), async (before, broken, indent) => {
        const head = ['<mjml>', '<mj-body>', '<mj-section>', '<mj-column>', '<mj-text>', ...before];
        const lines = [...head, ' '.repeat(indent) + broken, '</mj-text>', '</mj-column>', '</mj-section>', '</mj-body>', '</mjml>'];
        const res = await create('body', lines.join('\n'), 'mjml');
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expectWithin(where(res.body.error.details[0].message), { line: head.length + 1, col: indent + 1, end: indent + 1 + broken.length }, res.body.error.details[0].message);
      }),
      { numRuns: Math.ceil(RUNS / 3), seed: SEED, endOnFailure: true },
    );
  }, 60_000);

  it('refuses invalid MJML with the line and column of the element', async () => {
    const cases: Array<[string, number, number]> = [
      ['<mjml><mj-body><mj-section><mj-column>\n<mj-text>a</mj-text>\n  <mj-foo>b</mj-foo>\n</mj-column></mj-section></mj-body></mjml>', 3, 3],
      ['<mjml>\n<mj-body>\n<mj-section>\n    <mj-text>misplaced</mj-text>\n</mj-section>\n</mj-body>\n</mjml>', 4, 5],
      ['<p>not MJML</p>', 1, 1],
    ];
    for (const [body, line, col] of cases) {
      const res = await create('body', body, 'mjml');
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe('content.body');
      expect(where(res.body.error.details[0].message), res.body.error.details[0].message).toEqual({ line, col });
    }
  });

  it('never answers 5xx to junk templates, and locates every syntax error it reports', async () => {
    const junk = fc.array(fc.constantFrom('{{', '}}', '{%', '%}', ' ', 'if', 'endif', 'for', 'in', 'x', '|', '"', "'", '\n', ':', ',', 'raw', 'endraw', '<', '>', 'mj-text', '/', '(', '..', ')', 'contact.first_name', 'assign', '=', '-', 'liquid'), { maxLength: 40 }).map((a) => a.join(''));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('subject', 'body', 'text', 'sms'), junk, fc.constantFrom<'html' | 'mjml'>('html', 'mjml'), async (part, source, format) => {
        const res = await create(part, format === 'mjml' && part === 'body' ? `<mjml><mj-body><mj-section><mj-column><mj-text>${source}</mj-text></mj-column></mj-section></mj-body></mjml>` : source, format);
        expectGoodAnswer(res, `${part} ${format}: ${JSON.stringify(source)}`);
        if (res.status === 400 && res.body.error.code === 'validation' && res.body.error.details[0].path.startsWith('content.')) {
          const d = res.body.error.details[0];
          // a missing subject or body is not a syntax error: only those need a position
          if (!/required|empty|at least|too small/i.test(d.message)) expect(where(d.message), d.message).not.toBeNull();
        }
      }),
      { numRuns: RUNS * 2, seed: SEED, endOnFailure: true },
    );
  }, 60_000);
});
