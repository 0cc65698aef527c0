import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { runFanout } from '../src/campaigns/index.ts';
import type { Job } from '../src/queue/index.ts';
import { campaign, deliveries, email, listOf, sender } from './campaigns-support.ts';

/**
 * Issue 17, "exact sizes" (K-3, K-5): a hold-out and an A/B test share are exactly
 * round(percent × recipients), the same number at Calculate, Prepare and send.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const count = async (s: ReturnType<typeof sql>) => Number((await t.db.query<{ n: number }>(s)).rows[0].n);

async function setup(n: number) {
  const ws = await newWorkspace(t);
  await sender(ws);
  const m = await email(ws);
  const { list, ids } = await listOf(t, ws, n);
  return { ws, m, list, ids };
}

async function prepareAndApprove(ws: Awaited<ReturnType<typeof setup>>['ws'], id: number) {
  const calc = (await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body;
  const p = await ws.api('POST', `/api/v1/campaigns/${id}/prepare`);
  expect(p.body.ok, JSON.stringify(p.body.checks?.filter((c: any) => !c.ok))).toBe(true);
  expect((await ws.api('POST', `/api/v1/campaigns/${id}/approve`)).status).toBe(200);
  return { calc, prepared: p.body.calculation };
}

describe('exact sizes (issue 17, K-3, K-5)', () => {
  it('holds out exactly round(percent × recipients), the same at Calculate, Prepare and send (K-3)', async () => {
    const { ws, m, list, ids } = await setup(100);
    // one contact without consent: 99 eligible, 10 % of them is 9.9 → 10
    await t.db.query(sql`update contacts set email_status = 'unsubscribed' where workspace_id = ${ws.id} and id = ${ids[50]}`);
    for (const [percent, held] of [[10, 10], [25, 25], [33.33, 33], [5, 5]] as const) {
      const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, control_group_percent: percent });
      const { calc, prepared } = await prepareAndApprove(ws, id);
      expect(calc, `${percent} %`).toMatchObject({ matching: 100, suppressed: 1, control_group: held, recipients: 99 - held });
      expect(prepared).toEqual(calc);
      await t.app.drain();
      expect(await count(sql`select count(*)::int as n from campaign_holdouts where workspace_id = ${ws.id} and campaign_id = ${id}`), `${percent} %`).toBe(held);
      const sent = await deliveries(t, ws, id);
      expect(sent).toHaveLength(99 - held);
      const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
      expect(rep.totals).toMatchObject({ control_group: held, sent: 99 - held });
    }
  });

  it('keeps the hold-out exact across fan-out batches and slices', async () => {
    const { ws, m, list } = await setup(60);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, control_group_percent: 20 });
    const { calc } = await prepareAndApprove(ws, id);
    expect(calc.control_group).toBe(12);
    const { rows } = await t.db.query<Job>(sql`
      update jobs set status = 'running', attempts = attempts + 1 where unique_key = ${`campaign:${id}:fanout:main`}
      returning id, workspace_id, kind, payload, attempts, max_attempts, progress`);
    const done = (await runFanout(t.app.ctx, rows[0], { batch: 7, slices: 2 })) as any;
    expect(done).toMatchObject({ done: true, control: 12, queued: 48 });
    expect(await count(sql`select count(*)::int as n from campaign_holdouts where workspace_id = ${ws.id} and campaign_id = ${id}`)).toBe(12);
  });

  it('sends the A/B test share to exactly round(percent × recipients), split evenly (K-5)', async () => {
    const { ws, m, list } = await setup(50);
    for (const run of [1, 2, 3]) {
      const id = await campaign(ws.api, {
        message_id: m,
        recipients: { lists: [list] },
        ab_test: { variants: [{ id: 'A', message_id: m }, { id: 'B', subject: 'Bravo' }], test_percent: 40, winner_metric: 'opens', decide_after: '4h' },
      });
      const { calc, prepared } = await prepareAndApprove(ws, id);
      expect(calc.ab_test, `run ${run}`).toEqual({ test: 20, remainder: 30 });
      expect(prepared.ab_test).toEqual({ test: 20, remainder: 30 });
      await t.app.drain();
      const test = await deliveries(t, ws, id);
      expect(test, `run ${run}`).toHaveLength(20);
      expect(test.filter((d) => d.variant === 'A')).toHaveLength(10);
      expect(test.filter((d) => d.variant === 'B')).toHaveLength(10);
      await t.app.advance(new Date(t.clock.now().getTime() + 5 * HOUR));
      const all = await deliveries(t, ws, id);
      expect(all).toHaveLength(50);
      expect(new Set(all.map((d) => d.contact_id)).size).toBe(50);
      const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
      expect(rep.campaign.status).toBe('sent');
    }
  });

  it('takes the test share after the hold-out: 40 % of the 45 not held out (K-3 with K-5)', async () => {
    const { ws, m, list } = await setup(50);
    const id = await campaign(ws.api, {
      message_id: m,
      recipients: { lists: [list] },
      control_group_percent: 10,
      ab_test: { variants: [{ id: 'A', message_id: m }, { id: 'B', subject: 'Bravo' }, { id: 'C', subject: 'Charlie' }], test_percent: 40, winner_metric: 'opens', decide_after: '4h' },
    });
    const { calc } = await prepareAndApprove(ws, id);
    expect(calc).toMatchObject({ control_group: 5, recipients: 45, ab_test: { test: 18, remainder: 27 } });
    await t.app.drain();
    const test = await deliveries(t, ws, id);
    expect(test).toHaveLength(18);
    expect(['A', 'B', 'C'].map((v) => test.filter((d) => d.variant === v).length)).toEqual([6, 6, 6]);
    const held = (await t.db.query<{ contact_id: number }>(sql`select contact_id from campaign_holdouts where workspace_id = ${ws.id} and campaign_id = ${id}`)).rows;
    expect(held).toHaveLength(5);
    await t.app.advance(new Date(t.clock.now().getTime() + 5 * HOUR));
    const all = await deliveries(t, ws, id);
    expect(all).toHaveLength(45);
    expect(all.filter((d) => held.some((h) => Number(h.contact_id) === Number(d.contact_id)))).toEqual([]);
  });
});
