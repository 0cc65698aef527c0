import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { sql } from '../src/db/index.ts';

/**
 * Issue 17: a 202 answer's job_id can be polled (GET /api/v1/jobs/:id), for the workspace's own
 * jobs only, and the route is in the OpenAPI document (S-3 recompute, J-5 refresh).
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

describe('GET /api/v1/jobs/:id', () => {
  it('follows an engagement recomputation from queued to done, with its result and timestamps (S-3)', async () => {
    const ws = await newWorkspace(t);
    const started = await ws.api('POST', '/api/v1/engagement/recompute');
    expect(started.status).toBe(202);
    const id = started.body.job_id as number;
    const queued = await ws.api('GET', `/api/v1/jobs/${id}`);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ id, kind: 'engagement.recompute', status: 'queued', attempts: 0, error: null, result: null, started_at: null, finished_at: null });
    expect(queued.body.created_at).toBe(t.clock.now().toISOString());

    await t.app.drain();
    const done = await ws.api('GET', `/api/v1/jobs/${id}`);
    expect(done.body).toMatchObject({ id, status: 'done', attempts: 1, error: null, started_at: t.clock.now().toISOString(), finished_at: t.clock.now().toISOString() });
    expect(done.body.result).toMatchObject({ changed: 0 });
  });

  it('shows a failing job queued for its retry with the error, then failed for good', async () => {
    const ws = await newWorkspace(t);
    // a job of a kind no handler knows fails at once, for good
    const { rows } = await t.db.query<{ id: number }>(sql`
      insert into jobs (workspace_id, kind, run_at, created_at, max_attempts) values (${ws.id}, 'no.such.kind', ${t.clock.now()}, ${t.clock.now()}, 3) returning id`);
    await t.app.drain();
    const failed = await ws.api('GET', `/api/v1/jobs/${rows[0].id}`);
    expect(failed.body).toMatchObject({ status: 'failed', error: 'no handler for job kind no.such.kind', attempts: 1, max_attempts: 3 });
    expect(failed.body.finished_at).toBe(t.clock.now().toISOString());
  });

  it("answers 404 for another workspace's job and for a system job, 400 for a bad id", async () => {
    const a = await newWorkspace(t, 'A');
    const b = await newWorkspace(t, 'B');
    const id = (await a.api('POST', '/api/v1/segments/refresh')).body.job_id as number;
    expect((await a.api('GET', `/api/v1/jobs/${id}`)).body).toMatchObject({ kind: 'segments.refresh', status: 'queued' });
    const other = await b.api('GET', `/api/v1/jobs/${id}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('not_found');
    const system = (await t.db.query<{ id: number }>(sql`insert into jobs (kind, run_at, created_at) values ('system.thing', ${t.clock.now()}, ${t.clock.now()}) returning id`)).rows[0].id;
    expect((await a.api('GET', `/api/v1/jobs/${system}`)).status).toBe(404);
    const bad = await a.api('GET', '/api/v1/jobs/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('id');
    // asking again while one is pending answers the same job
    expect((await a.api('POST', '/api/v1/segments/refresh')).body.job_id).toBe(id);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const op = doc.paths['/api/v1/jobs/{id}'].get;
    expect(op.tags).toEqual(['jobs']);
    const schema = op.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['status', 'progress', 'result', 'error', 'created_at', 'started_at', 'finished_at']));
    expect(schema.properties.status.enum).toEqual(['queued', 'running', 'done', 'failed']);
  });
});
