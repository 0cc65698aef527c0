// What hangs from a contact, a list or a workspace goes with it, and nothing is written for one
// that is gone (C-1, C-4, migration 017: delete triggers and FOR KEY SHARE in the writers, where
// foreign keys did it row by row).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, PG_URL, type TestApp, type Workspace } from './helpers.ts';
import { addTags, joinLists } from '../src/contacts/index.ts';
import { writeBatch, ImportTargetGoneError, type BatchPlan } from '../src/contacts/import/write-batch.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const count = async (table: string, where: string, params: unknown[]) =>
  (await t.db.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params)).rows[0].n;

/** Rows of list_members, contact_tags and consent_history that name the contact. */
const dependents = async (ws: Workspace, id: number) => ({
  lists: await count('list_members', 'workspace_id = $1 and contact_id = $2', [ws.id, id]),
  tags: await count('contact_tags', 'workspace_id = $1 and contact_id = $2', [ws.id, id]),
  consent: await count('consent_history', 'workspace_id = $1 and contact_id = $2', [ws.id, id]),
});

async function contactOn(ws: Workspace, email: string, listIds: number[]) {
  const r = await ws.api('POST', '/api/v1/contacts', { email, list_ids: listIds, tags: ['vip'], sms_status: 'opted_in', phone: '+33612345678' });
  expect(r.status).toBe(201);
  return r.body.id as number;
}

describe('deletes take what hangs from the deleted row', () => {
  it('a deleted contact leaves no membership, tag or consent history; the others keep theirs', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const a = await contactOn(ws, 'a@example.com', [list]);
    const b = await contactOn(ws, 'b@example.com', [list]);
    expect(await dependents(ws, a)).toEqual({ lists: 1, tags: 1, consent: 2 });
    expect((await ws.api('DELETE', `/api/v1/contacts/${a}`)).status).toBe(200);
    expect(await dependents(ws, a)).toEqual({ lists: 0, tags: 0, consent: 0 });
    expect(await dependents(ws, b)).toEqual({ lists: 1, tags: 1, consent: 2 });
  });

  it('a deleted list leaves no members; the other lists keep theirs', async () => {
    const ws = await newWorkspace(t);
    const gone = (await ws.api('POST', '/api/v1/lists', { name: 'Gone' })).body.id;
    const kept = (await ws.api('POST', '/api/v1/lists', { name: 'Kept' })).body.id;
    const a = await contactOn(ws, 'a@example.com', [gone, kept]);
    expect((await ws.api('DELETE', `/api/v1/lists/${gone}`)).status).toBe(200);
    expect(await count('list_members', 'workspace_id = $1 and list_id = $2', [ws.id, gone])).toBe(0);
    expect(await count('list_members', 'workspace_id = $1 and list_id = $2 and contact_id = $3', [ws.id, kept, a])).toBe(1);
  });

  it('a deleted workspace leaves no contacts, nor anything that hung from them', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const a = await contactOn(ws, 'a@example.com', [list]);
    const kept = await contactOn(other, 'a@example.com', []);
    await t.db.query('delete from workspaces where id = $1', [ws.id]);
    expect(await count('contacts', 'workspace_id = $1', [ws.id])).toBe(0);
    expect(await dependents(ws, a)).toEqual({ lists: 0, tags: 0, consent: 0 });
    expect(await dependents(other, kept)).toEqual({ lists: 0, tags: 1, consent: 2 });
  });
});

describe('nothing is written for a contact or list that is not there', () => {
  it('joinLists and addTags skip ids that are not contacts or lists of the workspace', async () => {
    const ws = await newWorkspace(t);
    const other = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const otherList = (await other.api('POST', '/api/v1/lists', { name: 'Theirs' })).body.id;
    const mine = await contactOn(ws, 'mine@example.com', []);
    const theirs = await contactOn(other, 'theirs@example.com', []);
    const now = t.clock.now();
    expect(await joinLists(t.db, now, ws.id, [mine, theirs, 999_999], [list, otherList], 'api')).toBe(1);
    expect(await addTags(t.db, now, ws.id, [theirs, 999_999], ['x'])).toBe(0);
    expect(await count('list_members', 'workspace_id = $1', [ws.id])).toBe(1);
    expect(await count('contact_tags', 'workspace_id = $1 and tag = $2', [ws.id, 'x'])).toBe(0);
    expect(await count('events', "workspace_id = $1 and type = 'list.joined'", [ws.id])).toBe(1);
  });

  it('an import batch whose list was deleted fails whole, writing no contact', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Target' })).body.id;
    await ws.api('DELETE', `/api/v1/lists/${list}`);
    const plan: BatchPlan = { workspaceId: ws.id, fields: ['email'], hasCustom: false, listIds: [list], tags: [], updateExisting: true, source: 'import' };
    const rows = [{ key: 'new@example.com', values: { email: 'new@example.com' } }];
    await expect(t.db.tx((tx) => writeBatch(tx, plan, rows, t.clock.now()))).rejects.toBeInstanceOf(ImportTargetGoneError);
    expect(await count('contacts', 'workspace_id = $1', [ws.id])).toBe(0);
    expect(await count('events', 'workspace_id = $1', [ws.id])).toBe(0);
    // the same batch with the list there writes the contact and its membership
    const kept = (await ws.api('POST', '/api/v1/lists', { name: 'Kept' })).body.id;
    await t.db.tx((tx) => writeBatch(tx, { ...plan, listIds: [kept] }, rows, t.clock.now()));
    expect(await count('list_members', 'workspace_id = $1 and list_id = $2', [ws.id, kept])).toBe(1);
  });

  // two connections at once: PostgreSQL only (PGlite has one)
  it.skipIf(!PG_URL)('a contact deleted while a transaction adds it to a list waits for it, then removes the membership', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'News' })).body.id;
    const id = await contactOn(ws, 'racing@example.com', []);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let wrote!: () => void;
    const written = new Promise<void>((r) => (wrote = r));
    const joining = t.db.tx(async (tx) => {
      const n = await joinLists(tx, t.clock.now(), ws.id, [id], [list], 'api');
      const tagged = await addTags(tx, t.clock.now(), ws.id, [id], ['late']);
      wrote();
      await held;
      return n + tagged;
    });
    await written;
    let deleted = false;
    const deleting = ws.api('DELETE', `/api/v1/contacts/${id}`).then((r) => ((deleted = true), r));
    await new Promise((r) => setTimeout(r, 300));
    const waited = !deleted;
    release();
    expect(waited).toBe(true);
    expect(await joining).toBe(2);
    expect((await deleting).status).toBe(200);
    expect(await dependents(ws, id)).toEqual({ lists: 0, tags: 0, consent: 0 });
  });
});
