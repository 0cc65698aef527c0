import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/index.ts';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

describe('contacts (C-1, C-3, C-4)', () => {
  it('creates a contact with lists and tags and logs every change in one transaction', async () => {
    const ws = await newWorkspace(t);
    const list = await ws.api('POST', '/api/v1/lists', { name: 'Newsletter' });
    expect(list.status).toBe(201);
    const c = await ws.api('POST', '/api/v1/contacts', { email: 'Ann@Example.com', first_name: 'Ann', list_ids: [list.body.id], tags: ['vip'] });
    expect(c.status).toBe(201);
    expect(c.body.key).toBe('ann@example.com');
    const full = await ws.api('GET', `/api/v1/contacts/${c.body.id}`);
    expect(full.body.lists.map((l: any) => [l.id, l.source])).toEqual([[list.body.id, 'api']]);
    expect(full.body.tags).toEqual(['vip']);
    const timeline = await ws.api('GET', `/api/v1/contacts/${c.body.id}/events`);
    expect(timeline.body.data.map((e: any) => e.type).sort()).toEqual(['consent.changed', 'contact.created', 'list.joined', 'tag.added']);
  });

  it('logs contact.updated with the field, old and new value, and nothing for unchanged values', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    const c = await ws.api('POST', '/api/v1/contacts', { email: 'b@example.com', first_name: 'Bob', fields: { plan: 'free' } });
    const u = await ws.api('PATCH', `/api/v1/contacts/${c.body.id}`, { first_name: 'Bob', last_name: 'Stone', fields: { plan: 'pro' } });
    expect(u.status).toBe(200);
    const events = (await ws.api('GET', `/api/v1/contacts/${c.body.id}/events`)).body.data.filter((e: any) => e.type === 'contact.updated');
    expect(events.map((e: any) => e.data).sort((a: any, b: any) => a.field.localeCompare(b.field))).toEqual([
      { field: 'last_name', old: null, new: 'Stone' },
      { field: 'plan', old: 'free', new: 'pro' },
    ]);
  });

  it('validates typed custom fields, emails and phones with the path of each error', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    await ws.api('POST', '/api/v1/fields', { key: 'since', type: 'date' });
    await ws.api('POST', '/api/v1/fields', { key: 'active', type: 'boolean' });
    const bad = await ws.api('POST', '/api/v1/contacts', { email: 'not-an-email', phone: '0612', fields: { score: 'ten', since: '2020-13-45', active: 'maybe', nope: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path).sort()).toEqual(['email', 'fields.active', 'fields.nope', 'fields.score', 'fields.since', 'phone']);
    const good = await ws.api('POST', '/api/v1/contacts', { email: 'c@example.com', phone: '+33 6 12 34 56 78', fields: { score: '10.5', since: '2020-01-31', active: 'yes' } });
    expect(good.status).toBe(201);
    expect(good.body.phone).toBe('+33612345678');
    expect(good.body.fields).toEqual({ score: 10.5, since: '2020-01-31', active: true });
    const count = await ws.api('GET', '/api/v1/contacts');
    expect(count.body.data).toHaveLength(1); // the bad request wrote nothing
  });

  it('rejects unknown keys, wrong types and invalid JSON with 400 naming the field', async () => {
    const ws = await newWorkspace(t);
    const unknown = await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com', colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'colour', message: 'unknown field' }]);
    const wrongType = await ws.api('POST', '/api/v1/contacts', { email: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details[0].path).toBe('email');
    const broken = await ws.api('POST', '/api/v1/contacts', '{"email": ', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const unknownList = await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com', list_ids: [999999] });
    expect(unknownList.status).toBe(400);
    expect(unknownList.body.error.details[0].path).toBe('list_ids[0]');
  });

  it('keeps email and SMS consent apart, with a history of each change', async () => {
    const ws = await newWorkspace(t);
    const c = await ws.api('POST', '/api/v1/contacts', { email: 'd@example.com', phone: '+15551234567' });
    expect(c.body.email_status).toBe('subscribed');
    expect(c.body.sms_status).toBe('none');
    await ws.api('POST', `/api/v1/contacts/${c.body.id}/consent`, { channel: 'sms', status: 'opted_in', source: 'form' });
    await ws.api('POST', `/api/v1/contacts/${c.body.id}/consent`, { channel: 'email', status: 'unsubscribed' });
    await ws.api('POST', `/api/v1/contacts/${c.body.id}/consent`, { channel: 'email', status: 'unsubscribed' }); // no change
    const got = (await ws.api('GET', `/api/v1/contacts/${c.body.id}`)).body;
    expect([got.email_status, got.sms_status]).toEqual(['unsubscribed', 'opted_in']);
    const hist = (await ws.api('GET', `/api/v1/contacts/${c.body.id}/consent-history`)).body.data;
    expect(hist.map((h: any) => `${h.channel}:${h.status}:${h.source}`)).toEqual(['email:unsubscribed:api', 'sms:opted_in:form', 'email:subscribed:api']);
    expect(hist[0].ip).toBeTruthy();
    const bad = await ws.api('POST', `/api/v1/contacts/${c.body.id}/consent`, { channel: 'sms', status: 'subscribed' });
    expect(bad.status).toBe(400);
  });

  it('uses a custom field as unique key, so two contacts may share an email (K-2)', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'customer_id', type: 'text' });
    const a = await ws.api('POST', '/api/v1/contacts', { email: 'same@example.com', fields: { customer_id: 'A1' } });
    const changed = await ws.api('PATCH', '/api/v1/workspace', { unique_key: 'customer_id' });
    expect(changed.status).toBe(200);
    expect(changed.body.unique_key).toBe('customer_id');
    const b = await ws.api('POST', '/api/v1/contacts', { email: 'same@example.com', fields: { customer_id: 'B2' } });
    expect(b.status).toBe(201);
    const again = await ws.api('POST', '/api/v1/contacts', { email: 'other@example.com', fields: { customer_id: 'A1' } });
    expect(again.status).toBe(409);
    const noKey = await ws.api('POST', '/api/v1/contacts', { email: 'x@example.com' });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.details[0].path).toBe('fields.customer_id');
    const up = await ws.api('POST', '/api/v1/contacts/upsert', { first_name: 'Al', fields: { customer_id: 'A1' } });
    expect(up.status).toBe(200);
    expect(up.body.id).toBe(a.body.id);
    const back = await ws.api('PATCH', '/api/v1/workspace', { unique_key: 'email' });
    expect(back.status).toBe(409); // two contacts share an email
  });

  it('paginates with a cursor, searches by email or name, filters by list and tag', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'L' })).body;
    for (let i = 0; i < 7; i++)
      await ws.api('POST', '/api/v1/contacts', { email: `p${i}@example.com`, first_name: i % 2 ? 'Odile' : 'Eve', list_ids: i < 3 ? [list.id] : [], tags: i === 6 ? ['t'] : [] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await ws.api('GET', `/api/v1/contacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...r.body.data.map((c: any) => c.email));
      cursor = r.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect((await ws.api('GET', '/api/v1/contacts?q=odile')).body.data).toHaveLength(3);
    expect((await ws.api('GET', '/api/v1/contacts?q=p4@')).body.data).toHaveLength(1);
    expect((await ws.api('GET', `/api/v1/contacts?list_id=${list.id}`)).body.data).toHaveLength(3);
    expect((await ws.api('GET', '/api/v1/contacts?tag=t')).body.data.map((c: any) => c.email)).toEqual(['p6@example.com']);
    expect((await ws.api('GET', '/api/v1/contacts?cursor=garbage')).status).toBe(400);
  });

  it('bulk-adds and removes lists and tags, logging list.left and tag.removed', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Bulk' })).body;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await ws.api('POST', '/api/v1/contacts', { email: `b${i}@example.com` })).body.id);
    const add = await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: ids, add_list_ids: [list.id], add_tags: ['x'] });
    expect(add.body).toMatchObject({ lists_joined: 3, tags_added: 3 });
    const again = await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: ids, add_list_ids: [list.id] });
    expect(again.body.lists_joined).toBe(0); // re-adding changes nothing and logs nothing
    const rm = await ws.api('POST', '/api/v1/contacts/bulk', { contact_ids: ids.slice(0, 2), remove_list_ids: [list.id], remove_tags: ['x'] });
    expect(rm.body).toMatchObject({ lists_left: 2, tags_removed: 2 });
    expect((await ws.api('GET', `/api/v1/lists/${list.id}`)).body.member_count).toBe(1);
    const types = (await ws.api('GET', `/api/v1/contacts/${ids[0]}/events`)).body.data.map((e: any) => e.type);
    expect(types.filter((x: string) => x === 'list.joined')).toHaveLength(1);
    expect(types).toContain('list.left');
    expect(types).toContain('tag.removed');
    const tags = await ws.api('GET', '/api/v1/tags');
    expect(tags.body.data).toEqual([{ tag: 'x', contact_count: 1 }]);
  });

  it('records custom events singly and in batches, all or none', async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'e@example.com' })).body;
    const one = await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'purchase', properties: { total: 42 }, occurred_at: '2026-01-01T10:00:00Z' });
    expect(one.status).toBe(202);
    const batch = await ws.api('POST', '/api/v1/events', { events: [{ email: 'E@example.com', type: 'cart.updated' }, { contact_key: 'e@example.com', type: 'page_view' }] });
    expect(batch.body.accepted).toBe(2);
    const bad = await ws.api('POST', '/api/v1/events', { events: [{ contact_id: c.id, type: 'ok' }, { email: 'nobody@example.com', type: 'x' }, { contact_id: c.id, type: 'list.joined' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(['events[2].type']);
    const bad2 = await ws.api('POST', '/api/v1/events', { events: [{ contact_id: c.id, type: 'ok' }, { email: 'nobody@example.com', type: 'x' }] });
    expect(bad2.body.error.details.map((d: any) => d.path)).toEqual(['events[1]']);
    const events = (await ws.api('GET', `/api/v1/contacts/${c.id}/events`)).body.data.map((e: any) => e.type);
    expect(events.filter((x: string) => !x.includes('.') || x === 'cart.updated').sort()).toEqual(['cart.updated', 'page_view', 'purchase']);
  });

  it('honours Idempotency-Key on POST', async () => {
    const ws = await newWorkspace(t);
    const h = { 'idempotency-key': 'abc-1' };
    const first = await ws.api('POST', '/api/v1/contacts', { email: 'i@example.com' }, h);
    const second = await ws.api('POST', '/api/v1/contacts', { email: 'i@example.com' }, h);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const other = await ws.api('POST', '/api/v1/contacts', { email: 'j@example.com' }, h);
    expect(other.status).toBe(422);
    expect((await ws.api('GET', '/api/v1/contacts')).body.data).toHaveLength(1);
  });
});

describe('dates read the same on both databases', () => {
  it('returns birthday as YYYY-MM-DD and logs no change when it is set to the same day', async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'bd@example.com', birthday: '1990-05-01' })).body;
    expect(c.birthday).toBe('1990-05-01');
    await ws.api('PATCH', `/api/v1/contacts/${c.id}`, { birthday: '1990-05-01' });
    const updates = (await ws.api('GET', `/api/v1/contacts/${c.id}/events`)).body.data.filter((e: any) => e.type === 'contact.updated');
    expect(updates).toEqual([]);
  });
});

// issue 17
describe('engagement on the contact record (C-6)', () => {
  it('GET /contacts/:id carries the current and previous level and when it changed', async () => {
    const ws = await newWorkspace(t);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'e@example.com' })).body;
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.engagement).toEqual({ level: 'everyone_else', previous_level: null, changed_at: null });
    const at = new Date('2026-01-04T03:00:00Z');
    await t.db.query(sql`
      insert into contact_engagement (workspace_id, contact_id, level, previous_level, changed_at)
      values (${ws.id}, ${c.id}, 'most', 'least', ${at})`);
    const got = (await ws.api('GET', `/api/v1/contacts/${c.id}`)).body;
    expect(got.engagement).toEqual({ level: 'most', previous_level: 'least', changed_at: at.toISOString() });
    expect(got).toMatchObject({ email: 'e@example.com', lists: [], tags: [] });
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const ok = doc.paths['/api/v1/contacts/{id}'].get.responses['200'];
    const resolve = (x: any): any => (x?.$ref ? resolve(doc.components.schemas[x.$ref.split('/').pop()]) : x);
    const schema = resolve(ok.content['application/json'].schema);
    expect(Object.keys(resolve(schema.properties.engagement).properties).sort()).toEqual(['changed_at', 'level', 'previous_level']);
  });
});
