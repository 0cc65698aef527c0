import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkspace, testApp, type TestApp } from './helpers.ts';

/**
 * The typed API contract (issue 18): the OpenAPI document is what clients are generated from, so
 * it must say, for every operation, what it answers and how it fails — and a generated client must
 * type-check real calls. Answers are checked against their schemas throughout the suite
 * (PARCOURS_CHECK_RESPONSES, see test/helpers.ts), so the schemas cannot drift from the code.
 */
let t: TestApp;
let doc: any;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

beforeAll(async () => {
  t = await testApp();
  doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
});
afterAll(() => t.close());

function operations() {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([p, item]) =>
    Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([m, op]) => ({ name: `${m.toUpperCase()} ${p}`, op })),
  );
}

describe('the OpenAPI document (issue 18)', () => {
  it("passes Redocly's recommended rules with no error", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('gives every operation an operationId, a summary, its success answer and its error statuses', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(140);
    const ids = new Set<string>();
    const missing: string[] = [];
    for (const { name, op } of ops) {
      if (!op.operationId) missing.push(`${name}: operationId`);
      else if (ids.has(op.operationId)) missing.push(`${name}: duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      if (!op.summary) missing.push(`${name}: summary`);
      const statuses = Object.keys(op.responses ?? {});
      const success = statuses.filter((s) => /^[23]\d\d$/.test(s));
      if (!success.length) missing.push(`${name}: success response`);
      for (const s of success) {
        const r = op.responses[s];
        if (!['204', '301', '302', '303', '307'].includes(s) && !r.content) missing.push(`${name}: ${s} has no schema`);
      }
      if (!statuses.some((s) => /^4\d\d$/.test(s))) missing.push(`${name}: error statuses`);
    }
    expect(missing).toEqual([]);
  });

  it('describes message content by channel, and criteria and journey definitions by their schemas', () => {
    const schemas = doc.components.schemas;
    const body = (p: string, m: string) => doc.paths[p][m].requestBody.content['application/json'].schema;
    const resolve = (s: any): any => (s?.$ref ? resolve(schemas[s.$ref.split('/').pop()]) : s);
    const content = resolve(resolve(body('/api/v1/messages', 'post')).properties.content);
    expect(JSON.stringify(content)).toContain('subject');
    expect(JSON.stringify(resolve(resolve(body('/api/v1/segments', 'post')).properties.criteria))).not.toBe('{}');
    expect(JSON.stringify(resolve(resolve(body('/api/v1/journeys', 'post')).properties.definition))).toContain('trigger');
  });
});

describe('a client generated with openapi-typescript and openapi-fetch (issue 18)', () => {
  const dir = path.resolve(import.meta.dirname, '../node_modules/.cache/parcours-contract');

  it('type-checks typed calls, and they work against the server', async () => {
    const types = astToString(await openapiTS(doc));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'schema.d.ts'), types);
    // the calls a user would write; @ts-expect-error lines prove `data` is typed, not any or never
    writeFileSync(
      path.join(dir, 'client.ts'),
      `import createClient from 'openapi-fetch';
import type { paths } from './schema';

export async function calls(baseUrl: string, key: string, fetch: typeof globalThis.fetch) {
  const api = createClient<paths>({ baseUrl, fetch, headers: { authorization: 'Bearer ' + key } });
  const created = await api.POST('/api/v1/contacts', { body: { email: 'typed@example.com', first_name: 'Ada' } });
  if (!created.data) throw new Error('create failed: ' + JSON.stringify(created.error));
  const id: number = created.data.id;
  const got = await api.GET('/api/v1/contacts/{id}', { params: { path: { id } } });
  const first: string | null | undefined = got.data?.first_name;
  // @ts-expect-error a field the contract does not have
  got.data?.no_such_field;
  const missing = await api.GET('/api/v1/contacts/{id}', { params: { path: { id: 999999999 } } });
  const code: string | undefined = missing.error?.error.code;
  const lists = await api.GET('/api/v1/lists');
  const names: string[] = (lists.data?.data ?? []).map((l) => l.name);
  const me = await api.GET('/api/v1/workspace');
  const zone: string | undefined = me.data?.timezone;
  // @ts-expect-error a path the API does not have
  await api.GET('/api/v1/no-such-path');
  return { id, first, code, names, zone, status: missing.response.status };
}
`,
    );
    const program = ts.createProgram([path.join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      skipLibCheck: true,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);

    const ws = await newWorkspace(t);
    const { calls } = await import(path.join(dir, 'client.ts'));
    const viaInject: typeof fetch = async (input, init) => {
      const req = new Request(input as Request, init);
      const res = await t.http.inject({ method: req.method as any, url: new URL(req.url).pathname + new URL(req.url).search, headers: Object.fromEntries(req.headers), payload: req.body ? Buffer.from(await req.arrayBuffer()) : undefined });
      return new Response(res.statusCode === 204 ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers: res.headers as Record<string, string> });
    };
    const out = await calls('http://parcours.test', ws.key, viaInject);
    expect(out).toMatchObject({ first: 'Ada', code: 'not_found', status: 404 });
    expect(typeof out.zone).toBe('string');
  });
});
