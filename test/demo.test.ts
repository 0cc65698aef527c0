import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from './helpers.ts';
import { runDemo } from '../src/cli/demo.ts';
import { sql } from '../src/db/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

describe('parcours demo (P-6)', () => {
  it('fills a workspace with contacts, lists, engagement, segments and a live journey', async () => {
    const lines: string[] = [];
    const { workspaceId } = await runDemo(t.db, 2000, (s) => lines.push(s));
    const count = async (q: ReturnType<typeof sql>) => Number((await t.db.query<{ n: number }>(q)).rows[0].n);
    expect(await count(sql`select count(*)::int as n from contacts where workspace_id = ${workspaceId}`)).toBe(2000);
    expect(await count(sql`select count(*)::int as n from lists where workspace_id = ${workspaceId}`)).toBe(3);
    // memberships and tags by contact id: 4 in 5 on the newsletter, 2 in 5 on promotions, 1 in 20 VIP; 1 in 3 customers
    const members = await t.db.query<{ name: string; n: number }>(sql`
      select l.name, count(m.contact_id)::int as n from lists l left join list_members m on m.workspace_id = l.workspace_id and m.list_id = l.id
       where l.workspace_id = ${workspaceId} group by l.name order by l.name`);
    expect(members.rows).toEqual([{ name: 'Newsletter', n: 1600 }, { name: 'Promotions', n: 800 }, { name: 'VIP', n: 100 }]);
    expect(await count(sql`select count(*)::int as n from contact_tags where workspace_id = ${workspaceId} and tag = 'customer'`)).toBeGreaterThanOrEqual(666);
    expect(await count(sql`select count(*)::int as n from contact_tags where workspace_id = ${workspaceId} and tag = 'customer'`)).toBeLessThanOrEqual(667);
    expect(await count(sql`select count(*)::int as n from events where workspace_id = ${workspaceId} and type = 'message.opened'`)).toBeGreaterThan(1000);
    expect(await count(sql`select count(*)::int as n from events where workspace_id = ${workspaceId} and type = 'purchase'`)).toBeGreaterThan(100);
    const levels = await t.db.query<{ level: string }>(sql`select distinct level from contact_engagement where workspace_id = ${workspaceId}`);
    expect(levels.rows.length).toBeGreaterThanOrEqual(2);
    expect(await count(sql`select count(*)::int as n from journeys where workspace_id = ${workspaceId} and status = 'active'`)).toBe(1);
    expect(lines.join('\n')).toContain('API key pk_');
  });
});
