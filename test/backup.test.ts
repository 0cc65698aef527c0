import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup, connectPglite, connectPostgres, restore, rowCounts, RestoreRefused, type Db } from '../src/db/index.ts';
import { newWorkspace, PG_URL, testApp, type TestApp } from './helpers.ts';

/** Backup and restore (O-2), on the database the suite runs on: a fresh one as the target. */
let t: TestApp;
let target: Db;
let targetSchema: string | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-backup-'));

beforeAll(async () => {
  t = await testApp();
  if (PG_URL) {
    targetSchema = `t_${randomBytes(6).toString('hex')}`;
    const admin = await connectPostgres(PG_URL, { max: 1 });
    await admin.query(`create schema ${targetSchema}`);
    await admin.close();
    target = await connectPostgres(PG_URL, { schema: targetSchema, max: 2 });
  } else target = await connectPglite();
});
afterAll(async () => {
  if (targetSchema) await target.query(`drop schema ${targetSchema} cascade`);
  await target.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('parcours backup / restore (O-2)', () => {
  it('restores every table with the same rows, refuses a non-empty target, and keeps ids going', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body;
    await ws.api('POST', '/api/v1/fields', { key: 'score', label: 'Score', type: 'number' });
    for (let i = 0; i < 20; i++) await ws.api('POST', '/api/v1/contacts', { email: `b${i}@example.com`, list_ids: [list.id], tags: ['vip'], fields: { score: i } });
    const file = path.join(dir, 'one.backup');
    const summary = await backup(t.db, file);
    expect(summary.tables).toEqual(await rowCounts(t.db));
    expect(summary.tables.contacts).toBe(20);

    const restored = await restore(target, file);
    expect(restored.tables).toEqual(summary.tables);
    expect(await rowCounts(target)).toEqual(summary.tables);
    await expect(restore(target, file)).rejects.toThrow(RestoreRefused);
    expect((await restore(target, file, { force: true })).tables).toEqual(summary.tables);
    // identity columns carry on after the restored ids
    const { rows } = await target.query<{ id: number }>(`insert into lists (workspace_id, name, description, created_at) values (${ws.id}, 'After', '', now()) returning id`);
    expect(rows[0].id).toBeGreaterThan(list.id);
  });
});
