import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/index.ts';
import { BULK_BATCH, COUNT_CAP } from '../src/contacts/index.ts';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

/** `n` contacts named with `prefix`, written in one statement (the import path is tested elsewhere). */
async function seed(ws: Workspace, prefix: string, n: number, from = 1) {
  const now = t.app.ctx.clock.now();
  await t.app.ctx.db.query(sql`
    insert into contacts (workspace_id, key, email, first_name, created_at, updated_at)
    select ${ws.id}, ${prefix} || i || '@example.com', ${prefix} || i || '@example.com', 'N' || i, ${now}::timestamptz + i * interval '1 second', ${now}
      from generate_series(${from}::int, ${from + n - 1}::int) i`);
}
const eventCount = async (ws: Workspace, type: string) =>
  (await t.app.ctx.db.query<{ n: number }>(sql`select count(*)::int as n from events where workspace_id = ${ws.id} and type = ${type}`)).rows[0].n;

describe('bulk actions on contacts (C-1, C-3)', () => {
  it('tags, lists, untags and deletes all contacts matching a filter, in batches, logging events as single changes do', async () => {
    const ws = await newWorkspace(t);
    const n = BULK_BATCH * 2 + 300; // more than two batches
    await seed(ws, 'match', n);
    await seed(ws, 'other', 50);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Spring' })).body;

    const tag = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['spring'], filter: { q: 'match' } });
    expect(tag.status).toBe(200);
    expect(tag.body).toEqual({ action: 'tag', contacts: n, changed: n });
    expect(await eventCount(ws, 'tag.added')).toBe(n);

    const join = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'add_to_list', list_ids: [list.id], filter: { tag: 'spring' } });
    expect(join.body).toEqual({ action: 'add_to_list', contacts: n, changed: n });
    expect((await ws.api('GET', `/api/v1/lists/${list.id}`)).body.member_count).toBe(n);
    const ev = await t.app.ctx.db.query<{ data: any }>(sql`select data from events where workspace_id = ${ws.id} and type = 'list.joined' limit 1`);
    expect(ev.rows[0].data).toEqual({ list_id: list.id, source: 'api' });

    // removing from the list the filter is on: every member goes, though each batch changes the match
    const leave = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'remove_from_list', list_ids: [list.id], filter: { list_id: list.id } });
    expect(leave.body.changed).toBe(n);
    expect(await eventCount(ws, 'list.left')).toBe(n);

    const untag = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'untag', tags: ['spring'], filter: { q: 'match1' } });
    const match1 = (await ws.api('GET', '/api/v1/contacts?q=match1&limit=1')).body.total;
    expect(untag.body.changed).toBe(match1);
    expect(await eventCount(ws, 'tag.removed')).toBe(match1);

    const del = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'delete', filter: { q: 'match' } });
    expect(del.body).toEqual({ action: 'delete', contacts: n, changed: n });
    expect((await ws.api('GET', '/api/v1/contacts')).body).toMatchObject({ total: 50, total_exact: true });
  });

  it('acts on chosen contacts by id, and a repeat changes nothing more', async () => {
    const ws = await newWorkspace(t);
    await seed(ws, 'c', 5);
    const ids = (await ws.api('GET', '/api/v1/contacts')).body.data.map((c: any) => c.id);
    const r = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['vip', 'new'], contact_ids: ids.slice(0, 3) });
    expect(r.body).toEqual({ action: 'tag', contacts: 3, changed: 6 });
    const again = await ws.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['vip', 'new'], contact_ids: ids.slice(0, 3) });
    expect(again.body.changed).toBe(0);
    expect((await ws.api('GET', '/api/v1/tags')).body.data).toEqual([{ tag: 'new', contact_count: 3 }, { tag: 'vip', contact_count: 3 }]);
  });

  it('answers a retry with the same Idempotency-Key from the stored answer, without running again', async () => {
    const ws = await newWorkspace(t);
    await seed(ws, 'i', 10);
    const body = { action: 'tag', tags: ['once'], filter: {} };
    const first = await ws.api('POST', '/api/v1/contacts/bulk', body, { 'idempotency-key': 'bulk-1' });
    expect(first.body.changed).toBe(10);
    await ws.api('POST', '/api/v1/contacts/bulk', { action: 'untag', tags: ['once'], filter: {} });
    const retry = await ws.api('POST', '/api/v1/contacts/bulk', body, { 'idempotency-key': 'bulk-1' });
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await eventCount(ws, 'tag.added')).toBe(10); // not tagged again
  });

  it('refuses bad input with 400 naming the field, and changes nothing', async () => {
    const ws = await newWorkspace(t);
    await seed(ws, 'v', 3);
    const ids = (await ws.api('GET', '/api/v1/contacts')).body.data.map((c: any) => c.id);
    const cases: [unknown, string][] = [
      [{ action: 'tag', filter: {} }, 'tags'],
      [{ action: 'tag', tags: ['x'] }, 'contact_ids'],
      [{ action: 'tag', tags: ['x'], filter: {}, contact_ids: ids }, 'contact_ids'],
      [{ action: 'add_to_list', filter: {} }, 'list_ids'],
      [{ action: 'add_to_list', list_ids: [999999], filter: {} }, 'list_ids[0]'],
      [{ action: 'delete', tags: ['x'], filter: {} }, 'tags'],
      [{ action: 'tag', tags: ['  '], filter: {} }, 'tags[0]'],
      [{ action: 'tag', tags: ['x'], contact_ids: [ids[0], 999999] }, 'contact_ids[1]'],
      [{ action: 'unsubscribe', filter: {} }, 'action'],
      [{ action: 'tag', tags: ['x'], filter: { list_id: 999999 } }, 'filter.list_id'],
      [{ action: 'tag', tags: ['x'], filter: { nope: 1 } }, 'filter.nope'],
      [{ action: 'tag', tags: ['x'], filter: {}, add_tags: ['y'] }, 'add_tags'],
      [{ filter: {} }, 'action'],
    ];
    for (const [body, path] of cases) {
      const r = await ws.api('POST', '/api/v1/contacts/bulk', body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(r.body.error.details.map((d: any) => d.path.replace(/\.(\d+)/g, '[$1]'))).toContain(path);
    }
    expect(await eventCount(ws, 'tag.added')).toBe(0);
  });

  it('keeps to its workspace, and a viewer may not (C-1, K-1)', async () => {
    const a = await newWorkspace(t, 'A');
    const b = await newWorkspace(t, 'B');
    await seed(a, 'a', 4);
    await seed(b, 'b', 4);
    const bIds = (await b.api('GET', '/api/v1/contacts')).body.data.map((c: any) => c.id);
    const bList = (await b.api('POST', '/api/v1/lists', { name: 'B list' })).body;
    expect((await a.api('POST', '/api/v1/contacts/bulk', { action: 'delete', contact_ids: bIds })).status).toBe(400);
    expect((await a.api('POST', '/api/v1/contacts/bulk', { action: 'add_to_list', list_ids: [bList.id], filter: {} })).status).toBe(400);
    expect((await a.api('POST', '/api/v1/contacts/bulk', { action: 'delete', filter: {} })).body.changed).toBe(4);
    expect((await b.api('GET', '/api/v1/contacts')).body.total).toBe(4);
    const viewer = await b.as('viewer');
    const r = await viewer('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['x'], filter: {} });
    expect(r.status).toBe(403);
    expect(await eventCount(b, 'tag.added')).toBe(0);
  });
});

describe('contact list: total, position and sort (C-1)', () => {
  it('sorts by email and creation both ways, pages by cursor with the position, and counts', async () => {
    const ws = await newWorkspace(t);
    await seed(ws, 'p', 7);
    await ws.api('POST', '/api/v1/contacts', { phone: '+33612345678', first_name: 'No email' }).catch(() => null);
    const all = async (sort: string) => {
      const out: any[] = [];
      let cursor: string | null = null;
      const offsets: number[] = [];
      do {
        const r: any = await ws.api('GET', `/api/v1/contacts?limit=3&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(r.status).toBe(200);
        offsets.push(r.body.offset);
        out.push(...r.body.data);
        cursor = r.body.next_cursor;
      } while (cursor);
      return { emails: out.map((c) => c.email), offsets };
    };
    const emails = (await ws.api('GET', '/api/v1/contacts?limit=100')).body.data.map((c: any) => c.email);
    const byEmail = await all('email');
    const sorted = emails.filter(Boolean).sort();
    expect(byEmail.emails).toEqual([...sorted, ...emails.filter((e: any) => !e)]);
    expect(byEmail.offsets).toEqual([0, 3, 6].slice(0, byEmail.offsets.length));
    expect((await all('-email')).emails).toEqual([...emails.filter((e: any) => !e), ...[...sorted].reverse()]);
    const newest = await all('-created_at');
    const oldest = await all('created_at');
    expect(newest.emails).toEqual([...oldest.emails].reverse());
    expect(oldest.emails.slice(0, 2)).toEqual(['p1@example.com', 'p2@example.com']);
    const first = await ws.api('GET', '/api/v1/contacts?limit=3&sort=email');
    expect(first.body).toMatchObject({ total: emails.length, total_exact: true, offset: 0 });
    const mixed = await ws.api('GET', `/api/v1/contacts?limit=3&sort=-email&cursor=${first.body.next_cursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details[0].path).toBe('cursor');
    expect((await ws.api('GET', '/api/v1/contacts?sort=name')).status).toBe(400);
  });

  it(`says "at least ${COUNT_CAP}" beyond the cap`, async () => {
    const ws = await newWorkspace(t);
    await seed(ws, 'big', COUNT_CAP + 5);
    expect((await ws.api('GET', '/api/v1/contacts?limit=1')).body).toMatchObject({ total: COUNT_CAP, total_exact: false });
    expect((await ws.api('GET', '/api/v1/contacts?limit=1&q=big1000')).body).toMatchObject({ total: 7, total_exact: true });
  });
});
