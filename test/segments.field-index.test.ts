// S-1 at scale: a number custom field gets an index of its own (migration 013,
// src/contacts/field-index.ts), built by a job once the field exists and dropped with it, and
// segment comparisons on the field are written in the form that index serves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { criteriaEnv, parseCriteria, selectMemberIds } from '../src/segments/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const indexes = async (ws: number) =>
  (await t.db.query<{ name: string }>(sql`
    select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on c.oid = x.indrelid
     where c.relname = 'contacts' and c.relnamespace = current_schema()::regnamespace and starts_with(i.relname, ${`contacts_field_${ws}_`})
     order by 1`)).rows.map((r) => r.name);

describe('number field indexes (S-1)', () => {
  it('indexes a number field once it exists, serves its comparisons with it, and drops it with the field', async () => {
    const ws = await newWorkspace(t);
    const score = (await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' })).body;
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' }); // only number fields are indexed
    for (let i = 0; i < 30; i++) await ws.api('POST', '/api/v1/contacts', { email: `n${i}@example.com`, fields: { score: i, plan: 'pro' } });
    await ws.api('POST', '/api/v1/contacts', { email: 'none@example.com' });
    expect(await indexes(ws.id)).toEqual([]); // the job builds it, outside the request
    await t.app.drain();
    expect(await indexes(ws.id)).toEqual([`contacts_field_${ws.id}_${score.id}`]);

    // every comparison the planner can answer from the index, and the counts stay right
    const env = await criteriaEnv(t.db, ws.id, t.clock.now());
    const cases: [unknown, number][] = [
      [{ type: 'field', field: 'score', op: 'gt', value: 25 }, 4],
      [{ type: 'field', field: 'score', op: 'lt', value: 3 }, 3],
      [{ type: 'field', field: 'score', op: 'eq', value: 7 }, 1],
      [{ type: 'field', field: 'score', op: 'between', value: 10, to: 12 }, 3],
      [{ any: [{ type: 'field', field: 'score', op: 'lt', value: 2 }, { all: [{ type: 'field', field: 'score', op: 'gt', value: 27 }, { type: 'field', field: 'plan', op: 'is', value: 'PRO' }] }] }, 4],
    ];
    for (const [criteria, n] of cases) {
      expect((await ws.api('POST', '/api/v1/segments/count', { criteria })).body.count, JSON.stringify(criteria)).toBe(n);
      const plan = await t.db.tx(async (tx) => {
        await tx.query('set local enable_seqscan = off'); // a table this small is read whole otherwise
        const q = selectMemberIds(parseCriteria(criteria, env.fields), env);
        return (await tx.query<{ 'QUERY PLAN': string }>(sql`explain ${q}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan, JSON.stringify(criteria)).toContain(`contacts_field_${ws.id}_${score.id}`);
    }
    // "not equal" still includes the contact without a score
    expect((await ws.api('POST', '/api/v1/segments/count', { criteria: { type: 'field', field: 'score', op: 'neq', value: 7 } })).body.count).toBe(30);

    // another workspace's field of the same key is another index
    const other = await newWorkspace(t);
    await other.api('POST', '/api/v1/fields', { key: 'score', type: 'text' });
    await t.app.drain();
    expect(await indexes(other.id)).toEqual([]);

    expect((await ws.api('DELETE', '/api/v1/fields/score')).status).toBe(200);
    await t.app.drain();
    expect(await indexes(ws.id)).toEqual([]);
  });
});
