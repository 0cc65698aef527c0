import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, runParcours, startParcours } from './app-process.ts';
import { PG_URL } from './helpers.ts';

/**
 * The embedded database as users meet it (O-1, P-6, issue 15): `parcours start` in a real
 * process, CLI commands beside it, restarts and kills. Embedded only: on PostgreSQL the server
 * is the owner.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csv = (rows: number, prefix: string) => 'email,first_name\n' + Array.from({ length: rows }, (_, i) => `${prefix}${i}@example.com,P${i}`).join('\n') + '\n';
const lockOf = (data: string) => JSON.parse(readFileSync(path.join(data, 'parcours.lock'), 'utf8')) as { pid: number; appPid: number };

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Uploads `rows` generated rows and starts their import into a new list, through the API. */
async function startImport(app: Awaited<ReturnType<typeof startParcours>>, rows: number, prefix: string) {
  const list = await api(app.url, app.key!, 'POST', '/api/v1/lists', { name: prefix });
  const up = await api(app.url, app.key!, 'POST', '/api/v1/imports/upload', csv(rows, prefix), 'text/csv');
  const imp = await api(app.url, app.key!, 'POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping, list_ids: [list.body.id] });
  return { listId: list.body.id as number, importId: imp.body.id as number };
}

describe.skipIf(!!PG_URL)('embedded database beside its users (O-1, P-6)', () => {
  it('runs the README tour: a CLI import beside `parcours start` is seen at once, and kept across a restart', async () => {
    const data = path.join(dir, 'tour');
    const app = await startParcours(data);
    try {
      const file = path.join(dir, 'tour.csv');
      writeFileSync(file, csv(3000, 'tour'));
      const imp = await runParcours(data, ['import', file, '--list', 'Newsletter']);
      expect(imp.code, imp.stderr).toBe(0);
      expect(imp.stdout).toMatch(/import \d+ done: 3000 rows, created 3000/);
      const lists = await api(app.url, app.key!, 'GET', '/api/v1/lists');
      expect(lists.body.data).toEqual([expect.objectContaining({ name: 'Newsletter', member_count: 3000 })]);
      // the other CLI commands go through it too
      const key = await runParcours(data, ['api-key', '--workspace', '1', '--role', 'viewer']);
      expect(key.code, key.stderr).toBe(0);
      expect((await api(app.url, key.stdout.trim(), 'GET', '/api/v1/me')).status).toBe(200);
      const exp = await runParcours(data, ['export', '--list', 'Newsletter']);
      expect(exp.stdout.split('\n').filter(Boolean)).toHaveLength(3001);
      expect((await runParcours(data, ['migrate'])).stdout).toContain('database is up to date');
    } finally {
      expect(await app.stop()).toBe(0);
    }
    const again = await startParcours(data);
    try {
      const k = (await runParcours(data, ['api-key', '--workspace', '1'])).stdout.trim();
      const lists = await api(again.url, k, 'GET', '/api/v1/lists');
      expect(lists.body.data).toEqual([expect.objectContaining({ name: 'Newsletter', member_count: 3000 })]);
    } finally {
      await again.stop();
    }
  }, 300_000);

  it('refuses a second `parcours start` on the same directory, naming the running one, and changes nothing', async () => {
    const data = path.join(dir, 'second');
    const app = await startParcours(data);
    try {
      const lock = readFileSync(path.join(data, 'parcours.lock'), 'utf8');
      const second = await runParcours(data, ['start'], { PORT: '0' });
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain(`the data directory ${data} is in use by \`parcours start\` (pid ${app.proc.pid}`);
      expect(readFileSync(path.join(data, 'parcours.lock'), 'utf8')).toBe(lock);
      expect((await api(app.url, app.key!, 'GET', '/api/v1/me')).status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 180_000);

  it("shows an import's progress while it runs, between 0 and 100 %", async () => {
    const data = path.join(dir, 'progress');
    const app = await startParcours(data);
    try {
      const { importId } = await startImport(app, 30_000, 'prog');
      const seen = new Set<number>();
      await waitFor('the import', async () => {
        const s = await api(app.url, app.key!, 'GET', `/api/v1/imports/${importId}`);
        seen.add(s.body.progress);
        return s.body.status === 'done' ? true : undefined;
      });
      expect([...seen].filter((p) => p > 0 && p < 100).length).toBeGreaterThanOrEqual(3);
    } finally {
      await app.stop();
    }
  }, 180_000);

  for (const killed of ['the app', 'the app and its database process']) {
    it(`resumes an import after SIGKILL of ${killed}: the directory opens, every row once`, async () => {
      const data = path.join(dir, `kill-${killed.length}`);
      const app = await startParcours(data);
      const { listId, importId } = await startImport(app, 40_000, 'kill');
      await waitFor('some rows', async () => ((await api(app.url, app.key!, 'GET', `/api/v1/imports/${importId}`)).body.rows_done >= 5000 ? true : undefined));
      const { pid } = lockOf(data);
      if (killed.includes('database')) process.kill(pid, 'SIGKILL');
      await app.stop('SIGKILL');
      await waitFor('the database process to end', async () => {
        try {
          process.kill(pid, 0);
          return undefined;
        } catch {
          return true;
        }
      });
      const again = await startParcours(data);
      try {
        const key = (await runParcours(data, ['api-key', '--workspace', '1'])).stdout.trim();
        const done = await waitFor('the import to resume and end', async () => {
          const s = await api(again.url, key, 'GET', `/api/v1/imports/${importId}`);
          return s.body.status === 'done' ? s.body : undefined;
        });
        expect(done).toMatchObject({ rows_done: 40_000, created: 40_000 });
        const l = await api(again.url, key, 'GET', `/api/v1/lists/${listId}`);
        expect(l.body.member_count).toBe(40_000);
      } finally {
        await again.stop();
      }
    }, 300_000);
  }
});
