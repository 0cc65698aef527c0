import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';
import { criteriaEnv, exportMembersCsv, parseCriteria } from '../src/segments/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());


async function contacts(ws: Workspace, n: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await ws.api('POST', '/api/v1/contacts', { email: `c${i}@example.com`, ...extra(i) });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  return ids;
}

const count = async (ws: Workspace, criteria: unknown) => {
  const r = await ws.api('POST', '/api/v1/segments/count', { criteria });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.count as number;
};

describe('criteria validation (S-1)', () => {
  it('names the node of every error, nested, and checks fields and lists against the workspace', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    const r = await ws.api('POST', '/api/v1/segments/count', {
      criteria: {
        all: [
          { type: 'tag', op: 'has', tag: 'vip' },
          { type: 'field', field: 'nope', op: 'is', value: 'x' },
          { any: [{ type: 'field', field: 'score', op: 'gt', value: 'ten' }, { type: 'list', op: 'in', list_ids: [1] }] },
          { type: 'colour' },
          { type: 'field', field: 'score', op: 'contains', value: 'x' },
          { type: 'tag', op: 'has', tag: 'x', extra: 1 },
        ],
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('validation');
    expect(r.body.error.details.map((d: any) => d.path)).toEqual([
      'criteria.all[1].field',
      'criteria.all[2].any[0].value',
      'criteria.all[3].type',
      'criteria.all[4].op',
      'criteria.all[5].extra',
    ]);
    const lists = await ws.api('POST', '/api/v1/segments', { name: 'x', criteria: { any: [{ all: [{ type: 'list', op: 'in', list_ids: [424242] }] }] } });
    expect(lists.status).toBe(400);
    expect(lists.body.error.details).toEqual([{ path: 'criteria.any[0].all[0].list_ids[0]', message: 'no list 424242 in this workspace' }]);
  });

  it('a custom field named like an Object property (constructor) is that field, not a 500', async () => {
    const ws = await newWorkspace(t);
    expect((await ws.api('POST', '/api/v1/fields', { key: 'constructor', type: 'number' })).status).toBe(201);
    await ws.api('POST', '/api/v1/contacts', { email: 'c@example.com', fields: { constructor: 7 } });
    expect(await count(ws, { type: 'field', field: 'constructor', op: 'gt', value: 5 })).toBe(1);
  });

  it('caps depth at 6 groups and the tree at 100 conditions', async () => {
    const ws = await newWorkspace(t);
    let deep: any = { type: 'tag', op: 'has', tag: 'x' };
    for (let i = 0; i < 7; i++) deep = { all: [deep] };
    const r = await ws.api('POST', '/api/v1/segments/count', { criteria: deep });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].message).toMatch(/at most 6/);
    const wide = { any: Array.from({ length: 101 }, () => ({ type: 'tag', op: 'has', tag: 'x' })) };
    expect((await ws.api('POST', '/api/v1/segments/count', { criteria: wide })).status).toBe(400);
  });
});

describe('segments API (S-4, S-5)', () => {
  it('creates, reads, updates, copies and deletes; built-ins are listed, read-only and copyable', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('GET', '/api/v1/segments')).body.data;
    expect(list.map((s: any) => s.id)).toEqual(['most_engaged', 'somewhat_engaged', 'least_engaged', 'everyone_else']);
    expect(list[0]).toMatchObject({ name: 'Most engaged', builtin: true });
    const created = await ws.api('POST', '/api/v1/segments', { name: 'VIPs', criteria: { all: [{ type: 'tag', op: 'has', tag: 'vip' }] } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await ws.api('GET', `/api/v1/segments/${id}`)).body).toMatchObject({ name: 'VIPs', builtin: false });
    const upd = await ws.api('PATCH', `/api/v1/segments/${id}`, { name: 'Very important', criteria: { any: [{ type: 'tag', op: 'has_not', tag: 'vip' }] } });
    expect(upd.status).toBe(200);
    expect(upd.body.criteria).toEqual({ any: [{ type: 'tag', op: 'has_not', tag: 'vip' }] });
    const copy = await ws.api('POST', `/api/v1/segments/${id}/copy`, {});
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ name: 'Very important (copy)', criteria: upd.body.criteria });
    const builtinCopy = await ws.api('POST', '/api/v1/segments/least_engaged/copy', { name: 'Win back' });
    expect(builtinCopy.body).toMatchObject({ name: 'Win back', builtin: false, criteria: { all: [{ type: 'engagement', level: 'least' }] } });
    expect((await ws.api('PATCH', '/api/v1/segments/most_engaged', { name: 'x' })).status).toBe(409);
    expect((await ws.api('DELETE', '/api/v1/segments/most_engaged')).status).toBe(409);
    expect((await ws.api('DELETE', `/api/v1/segments/${id}`)).status).toBe(200);
    expect((await ws.api('GET', `/api/v1/segments/${id}`)).status).toBe(404);
    expect((await ws.api('GET', '/api/v1/segments/nonsense')).status).toBe(400);
  });

  it('counts live, pages members, adds them to a list with list.joined events, exports CSV', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    const news = (await ws.api('POST', '/api/v1/lists', { name: 'Newsletter' })).body.id;
    const target = (await ws.api('POST', '/api/v1/lists', { name: 'Target' })).body.id;
    const ids = await contacts(ws, 7, (i) => ({ first_name: `N${i}`, last_name: 'Doe, Jr.', fields: { plan: i % 2 ? 'pro' : 'free' }, list_ids: i < 5 ? [news] : [] }));
    const criteria = { all: [{ type: 'list', op: 'in', list_ids: [news] }, { type: 'field', field: 'plan', op: 'is', value: 'FREE' }] };
    expect(await count(ws, criteria)).toBe(3); // 0, 2, 4
    const seg = (await ws.api('POST', '/api/v1/segments', { name: 'Free readers', criteria })).body.id;
    const p1 = await ws.api('GET', `/api/v1/segments/${seg}/members?limit=2`);
    expect(p1.body.data.map((c: any) => c.id)).toEqual([ids[0], ids[2]]);
    const p2 = await ws.api('GET', `/api/v1/segments/${seg}/members?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.data.map((c: any) => c.id)).toEqual([ids[4]]);
    expect(p2.body.next_cursor).toBeNull();
    // live: a change shows at once, no refresh needed
    await ws.api('PATCH', `/api/v1/contacts/${ids[1]}`, { fields: { plan: 'free' } });
    expect((await ws.api('GET', `/api/v1/segments/${seg}/count`)).body.count).toBe(4);

    await ws.api('POST', `/api/v1/lists/${target}/members`, { contact_ids: [ids[0]] });
    const added = await ws.api('POST', `/api/v1/segments/${seg}/add-to-list`, { list_id: target });
    expect(added.body).toEqual({ added: 3 });
    const joined = (await ws.api('GET', `/api/v1/contacts/${ids[2]}/events`)).body.data.filter((e: any) => e.type === 'list.joined' && e.data.list_id === target);
    expect(joined).toHaveLength(1);
    expect(joined[0].data.source).toBe('manual');
    const bad = await ws.api('POST', `/api/v1/segments/${seg}/add-to-list`, { list_id: 999999 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('list_id');

    // the default columns end with the date added (C-2): see import.formats.test.ts
    expect((await ws.api('GET', `/api/v1/segments/${seg}/export`)).body.split('\n')[0]).toBe('email,first_name,last_name,joined_at');
    const csv = await ws.api('GET', `/api/v1/segments/${seg}/export?fields=email,first_name,last_name`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.trim().split('\n')).toEqual(['email,first_name,last_name', 'c0@example.com,N0,"Doe, Jr."', 'c1@example.com,N1,"Doe, Jr."', 'c2@example.com,N2,"Doe, Jr."', 'c4@example.com,N4,"Doe, Jr."']);
    // pages of 2 give the same file as one page
    const env = await criteriaEnv(t.db, ws.id, t.clock.now());
    let paged = '';
    for await (const chunk of exportMembersCsv(t.db, parseCriteria(criteria, env.fields), env, ['email', 'first_name', 'last_name'], 2)) paged += chunk;
    expect(paged).toBe(csv.body);
    const chosen = await ws.api('GET', `/api/v1/segments/${seg}/export?fields=email,plan`);
    expect(chosen.body.split('\n')[1]).toBe('c0@example.com,free');
    const unknown = await ws.api('GET', `/api/v1/segments/${seg}/export?fields=email,colour`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('fields[1]');
  });

  it('lets a viewer count and explain but not change anything', async () => {
    const ws = await newWorkspace(t);
    const viewer = await ws.as('viewer');
    const [c] = await contacts(ws, 1);
    const criteria = { all: [{ type: 'consent', channel: 'email', op: 'is', status: 'subscribed' }] };
    expect((await viewer('POST', '/api/v1/segments/count', { criteria })).body.count).toBe(1);
    expect((await viewer('GET', `/api/v1/segments/everyone_else/explain/${c}`)).status).toBe(200);
    expect((await viewer('POST', '/api/v1/segments', { name: 'x', criteria })).status).toBe(403);
    expect((await viewer('POST', '/api/v1/engagement/recompute')).status).toBe(403);
  });
});

describe('explain', () => {
  it('evaluates every node for one contact, with a sentence per condition', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    const news = (await ws.api('POST', '/api/v1/lists', { name: 'Newsletter' })).body.id;
    const [c] = await contacts(ws, 1, () => ({ first_name: 'Ann', fields: { score: 12 }, list_ids: [news], tags: ['vip'] }));
    const criteria = {
      all: [
        { type: 'list', op: 'in', list_ids: [news] },
        { any: [{ type: 'field', field: 'score', op: 'gt', value: 20 }, { type: 'tag', op: 'has', tag: 'vip' }] },
        { type: 'engagement', op: 'is', level: 'most' },
      ],
    };
    const seg = (await ws.api('POST', '/api/v1/segments', { name: 'Explained', criteria })).body.id;
    const r = await ws.api('GET', `/api/v1/segments/${seg}/explain/${c}`);
    expect(r.status).toBe(200);
    expect(r.body.result).toBe(false);
    const tree = r.body.criteria;
    expect(tree.result).toBe(false);
    expect(tree.all[0]).toMatchObject({ result: true, text: 'is on list Newsletter: yes' });
    expect(tree.all[1].result).toBe(true);
    expect(tree.all[1].any[0]).toMatchObject({ result: false, actual: 12, text: 'score is greater than 20: no (value: 12)' });
    expect(tree.all[1].any[1].text).toBe('has tag "vip": yes');
    expect(tree.all[2].text).toBe('current engagement level is Most engaged: no (value: "Everyone else")');
    expect((await ws.api('GET', `/api/v1/segments/${seg}/explain/999999`)).status).toBe(404);
  });
});

describe('fields, dates and anniversaries', () => {
  it('compares text case-insensitively, numbers and dates by type, relative days in the workspace zone', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    await ws.api('POST', '/api/v1/fields', { key: 'renewal', type: 'date' });
    await ws.api('POST', '/api/v1/fields', { key: 'vip', type: 'boolean' });
    const ids = await contacts(ws, 4, (i) => ({
      first_name: ['Marie', 'marc', null, ''][i],
      fields: { score: [5, 10, 15, null][i], renewal: ['2025-12-01', '2026-01-01', '2026-01-05', null][i], vip: [true, false, null, true][i] },
    }));
    const f = (field: string, op: string, extra: Record<string, unknown> = {}) => count(ws, { all: [{ type: 'field', field, op, ...extra }] });
    expect(await f('first_name', 'starts_with', { value: 'MAR' })).toBe(2);
    expect(await f('first_name', 'is', { value: 'marie' })).toBe(1);
    expect(await f('first_name', 'is_not', { value: 'marie' })).toBe(3);
    expect(await f('first_name', 'contains', { value: 'ar' })).toBe(2);
    expect(await f('first_name', 'is_empty')).toBe(2);
    expect(await f('score', 'between', { value: 10, to: 15 })).toBe(2);
    expect(await f('score', 'neq', { value: 10 })).toBe(3);
    expect(await f('score', 'is_empty')).toBe(1);
    expect(await f('renewal', 'lt', { value: '2026-01-01' })).toBe(1);
    expect(await f('renewal', 'within_last_days', { days: 4 })).toBe(2); // 2026-01-01 … today 2026-01-05
    expect(await f('renewal', 'before_days_ago', { days: 4 })).toBe(1);
    expect(await f('vip', 'is', { value: true })).toBe(2);
    expect(await f('vip', 'is_not', { value: true })).toBe(2);
    expect(await f('created_at', 'eq', { value: '2026-01-05' })).toBe(4);
    expect(ids).toHaveLength(4);
    const bad = await ws.api('POST', '/api/v1/segments/count', { criteria: { all: [{ type: 'field', field: 'renewal', op: 'eq', value: '2026-02-30' }] } });
    expect(bad.body.error.details[0].path).toBe('criteria.all[0].value');
  });

  it('celebrates Feb 29 birthdays on Feb 28 in common years, in the workspace time zone', async () => {
    const tt = await testApp();
    try {
      const ws = await newWorkspace(tt);
      await ws.api('PATCH', '/api/v1/workspace', { timezone: 'Pacific/Auckland' });
      for (const [i, b] of ['2000-02-29', '1990-02-28', '1985-03-01'].entries()) await ws.api('POST', '/api/v1/contacts', { email: `b${i}@example.com`, birthday: b });
      const anniversary = { all: [{ type: 'field', field: 'birthday', op: 'anniversary_today' }] };
      tt.clock.set(new Date('2027-02-27T12:00:00Z')); // already Feb 28 (01:00) in Auckland
      expect((await ws.api('POST', '/api/v1/segments/count', { criteria: anniversary })).body.count).toBe(2);
      tt.clock.set(new Date('2027-02-28T12:00:00Z')); // Mar 1 in Auckland
      expect((await ws.api('POST', '/api/v1/segments/count', { criteria: anniversary })).body.count).toBe(1);
      tt.clock.set(new Date('2028-02-28T00:00:00Z')); // Feb 28 of a leap year: Feb 29 waits for tomorrow
      expect((await ws.api('POST', '/api/v1/segments/count', { criteria: anniversary })).body.count).toBe(1);
      tt.clock.set(new Date('2028-02-29T00:00:00Z'));
      expect((await ws.api('POST', '/api/v1/segments/count', { criteria: anniversary })).body.count).toBe(1);
    } finally {
      await tt.close();
    }
  });
});

