import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backup, connectPglite, connectPostgres, restore, rowCounts, RestoreRefused, type Db } from '../src/db/index.ts';
import { newWorkspace, PG_URL, testApp, type TestApp } from './helpers.ts';
import { campaign, email, launch, listOf, sender } from './campaigns-support.ts';

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

  it('is one consistent snapshot while a campaign sends: each sent delivery and its message.sent event, both or neither', async () => {
    const ws = await newWorkspace(t, 'Sending');
    await sender(ws);
    const { list } = await listOf(t, ws, 3000, 'bk');
    const id = await campaign(ws.api, { message_id: await email(ws), recipients: { lists: [list] } });
    await launch(ws, id);
    const counts = async (db: Db) => (await db.query<{ sent: number; events: number; total: number }>(`
      select (select count(*) from deliveries where campaign_id = ${id} and status = 'sent')::int as sent,
             (select count(*) from deliveries where campaign_id = ${id})::int as total,
             (select count(*) from events where workspace_id = ${ws.id} and type = 'message.sent' and campaign_id = '${id}')::int as events`)).rows[0];
    const sending = t.app.drain();
    while ((await counts(t.db)).sent === 0) await new Promise((r) => setTimeout(r, 5));
    const file = path.join(dir, 'sending.backup');
    const summary = await backup(t.db, file);
    await sending;
    const after = await counts(t.db);
    expect(after).toEqual({ sent: 3000, events: 3000, total: 3000 });

    const restored = await restore(target, file, { force: true });
    expect(restored.tables).toEqual(summary.tables);
    const inBackup = await counts(target);
    expect(inBackup.sent).toBeGreaterThan(0);
    expect(inBackup.events).toBe(inBackup.sent);
  });

  it.skipIf(!PG_URL)('moves a workspace from PostgreSQL to the embedded database and back, row for row', async () => {
    const ws = await newWorkspace(t, 'Moving');
    await ws.api('POST', '/api/v1/contacts', { email: 'move@example.com', tags: ['moved'] });
    const fromPg = path.join(dir, 'from-pg.backup');
    const summary = await backup(t.db, fromPg);
    const embedded = await connectPglite();
    const back = `t_${randomBytes(6).toString('hex')}`;
    const admin = await connectPostgres(PG_URL!, { max: 1 });
    await admin.query(`create schema ${back}`);
    const again = await connectPostgres(PG_URL!, { schema: back, max: 2 });
    try {
      expect((await restore(embedded, fromPg)).tables).toEqual(summary.tables);
      const fromEmbedded = path.join(dir, 'from-embedded.backup');
      expect((await backup(embedded, fromEmbedded)).tables).toEqual(summary.tables);
      expect((await restore(again, fromEmbedded)).tables).toEqual(summary.tables);
      expect(await rowCounts(again)).toEqual(summary.tables);
      const { rows } = await again.query(`select c.email, t.tag from contacts c join contact_tags t using (workspace_id) where t.contact_id = c.id and c.workspace_id = ${ws.id}`);
      expect(rows).toEqual([{ email: 'move@example.com', tag: 'moved' }]);
    } finally {
      await embedded.close();
      await again.close();
      await admin.query(`drop schema ${back} cascade`);
      await admin.close();
    }
  });
});
