import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkspace, testApp, type TestApp } from './helpers.ts';
import { campaign, email, launch, listOf, sender } from './campaigns-support.ts';
import pino from 'pino';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

/** What an operator watches (issue 18, O-4): probes, request ids, access logs, /metrics. */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());

const get = (url: string, headers: Record<string, string> = {}) => t.http.inject({ method: 'GET', url, headers, remoteAddress: '127.0.0.1' });

describe('probes and /metrics', () => {
  it('answers /livez and /readyz, and 404 JSON for unknown API and probe paths instead of the UI', async () => {
    expect((await get('/livez')).json()).toEqual({ ok: true });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ok: true, checks: { database: 'ok', migrations: 'ok' } });
    for (const path of ['/api/v1/nope', '/health', '/ready', '/status']) {
      const r = await get(path);
      expect(r.statusCode, path).toBe(404);
      expect(r.json().error.code, path).toBe('not_found');
    }
  });

  it('keeps a sane X-Request-Id and echoes it, makes one otherwise', async () => {
    const kept = await get('/livez', { 'x-request-id': 'lb-1234' });
    expect(kept.headers['x-request-id']).toBe('lb-1234');
    const made = await get('/livez', { 'x-request-id': 'bad id with spaces' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows a campaign's sends, the queue and HTTP latency; refuses a public client", async () => {
    const ws = await newWorkspace(t);
    await sender(ws);
    const { list } = await listOf(t, ws, 30, 'mt');
    const id = await campaign(ws.api, { message_id: await email(ws), recipients: { lists: [list] } });
    const sentBefore = metric((await get('/metrics')).body, 'parcours_deliveries_total{channel="email",outcome="sent"}');
    await launch(ws, id);
    await t.app.drain();
    const text = (await get('/metrics')).body;
    expect(metric(text, 'parcours_deliveries_total{channel="email",outcome="sent"}') - sentBefore).toBe(30);
    expect(metric(text, 'parcours_queue_due{source="deliveries"}')).toBe(0);
    expect(text).toMatch(/parcours_queue_lag_seconds\{source="jobs"\} \d/);
    expect(text).toMatch(/parcours_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/api\/v1\/campaigns\/:id\/approve",status="200"\} [1-9]/);
    expect(text).toMatch(/parcours_db_pool_connections\{pool="worker",state="total"\}/);
    expect((await t.http.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode).toBe(403);
  });
});

describe('access log', () => {
  it('writes one JSON line per request with its id, route pattern, status and time, never the token in the URL', async () => {
    const lines: any[] = [];
    const log = pino({ level: 'info', base: undefined }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const app = await createApp({ config: loadConfig({ LOG_LEVEL: 'info', PARCOURS_SECRET: 'log-secret-log-secret-log-secret!!' }), db: t.db, clock: t.clock, migrate: false, log });
    const http = await app.http();
    await http.inject({ method: 'GET', url: '/u/secret-token-value', headers: { 'x-request-id': 'trace-42' } });
    await app.close();
    const line = lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ req_id: 'trace-42', method: 'GET', route: '/u/:token', status: 404 });
    expect(typeof line.ms).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('secret-token-value');
  });
});

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.slice(name.length + 1)) : 0;
}
