import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { ManualClock } from '../src/clock.ts';
import { connectPglite, connectPostgres, type Db } from '../src/db/index.ts';
import { createApp, type App } from '../src/app.ts';
import { createApiKey, createWorkspace, type Role } from '../src/accounts/index.ts';
import type { Router } from '../src/http/server.ts';

/** PostgreSQL when TEST_DATABASE_URL or DATABASE_URL is set, else PGlite in memory. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
export const T0 = new Date('2026-01-05T09:00:00Z'); // a Monday

export interface TestApp {
  app: App;
  http: Router;
  clock: ManualClock;
  db: Db;
  /** Only on PostgreSQL: the connection string and schema of this test file's database. */
  pg?: { url: string; schema: string };
  close(): Promise<void>;
}

/**
 * One database per test file: a fresh schema on PostgreSQL (files run in parallel), a fresh
 * in-memory PGlite otherwise. Tests isolate themselves further by using their own workspace.
 */
export async function testApp(env: Record<string, string> = {}): Promise<TestApp> {
  let db: Db;
  let pg: TestApp['pg'];
  if (PG_URL) {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = await connectPostgres(PG_URL, { max: 1 });
    await admin.query(`create schema ${schema}`);
    await admin.close();
    db = await connectPostgres(PG_URL, { schema, max: 5 });
    pg = { url: PG_URL, schema };
  } else {
    db = await connectPglite();
  }
  const clock = new ManualClock(T0);
  const config = loadConfig({ LOG_LEVEL: 'silent', PARCOURS_SECRET: 'test-secret-test-secret-test-secret!', PUBLIC_URL: 'http://parcours.test', PARCOURS_CHECK_RESPONSES: 'true', ...env });
  const app = await createApp({ config, clock, db });
  const http = await app.http();
  return {
    app,
    http,
    clock,
    db,
    pg,
    async close() {
      await app.close();
      if (pg) await db.query(`drop schema ${pg.schema} cascade`);
      await db.close();
    },
  };
}

export interface Workspace {
  id: number;
  key: string;
  /** An API client for this workspace with the given role's key. */
  api: Api;
  as(role: Role): Promise<Api>;
}

export type Api = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any; headers: Record<string, any> }>;

export function apiClient(http: Router, headers: Record<string, string>): Api {
  return async (method, url, body, extra = {}) => {
    const res = await http.inject({
      method: method as any,
      url,
      headers: { ...headers, ...extra },
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as any }),
    });
    let parsed: any = res.body;
    if ((res.headers['content-type'] ?? '').toString().includes('json')) parsed = res.json();
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
}

export async function newWorkspace(t: TestApp, name = 'Test'): Promise<Workspace> {
  const { app, http } = t;
  const ws = await createWorkspace(app.ctx.db, app.ctx.clock, name);
  const k = await createApiKey(app.ctx.db, app.ctx.clock, ws.id, 'test', 'owner');
  return {
    id: ws.id,
    key: k.key,
    api: apiClient(http, { authorization: `Bearer ${k.key}` }),
    async as(role) {
      const rk = await createApiKey(app.ctx.db, app.ctx.clock, ws.id, role, role);
      return apiClient(http, { authorization: `Bearer ${rk.key}` });
    },
  };
}
