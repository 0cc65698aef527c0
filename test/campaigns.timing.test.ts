import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp } from './helpers.ts';
import { sql } from '../src/db/index.ts';
import { paceInterval } from '../src/campaigns/index.ts';
import { paceSchedule } from '../src/delivery/index.ts';
import { campaign, deliveries, email, iso, launch, listOf, outbox, sender } from './campaigns-support.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const MIN = 60_000;
const HOUR = 3_600_000;
const later = (ms: number) => new Date(t.clock.now().getTime() + ms);

async function setup(n: number, extra: { language?: string; timezone?: string } = {}) {
  const ws = await newWorkspace(t);
  await sender(ws);
  const m = await email(ws);
  const { list, ids } = await listOf(t, ws, n, 'c', extra);
  return { ws, m, list, ids };
}

describe('when (K-4)', () => {
  it('sends each contact at the hour they usually open (optimized), the default hour without history', async () => {
    const { ws, m, list, ids } = await setup(3);
    await t.db.query(sql`update contacts set timezone = 'Europe/Paris' where workspace_id = ${ws.id} and id = ${ids[0]}`);
    await t.db.query(sql`update contacts set timezone = 'America/New_York' where workspace_id = ${ws.id} and id = ${ids[2]}`);
    const open = (contact: number, at: string) => sql`(${ws.id}, ${contact}, 'message.opened', '{}'::jsonb, ${at}::timestamptz, ${at}::timestamptz)`;
    // Paris contact: mostly around 18:xx local (17:xx UTC in winter); New York contact: 08:xx local
    await t.db.query(sql`insert into events (workspace_id, contact_id, type, data, occurred_at, created_at) values
      ${sql.join([
        open(ids[0], '2025-12-01T17:05:00Z'), open(ids[0], '2025-12-08T17:40:00Z'), open(ids[0], '2025-12-20T17:10:00Z'), open(ids[0], '2025-12-21T07:00:00Z'),
        open(ids[0], '2025-06-01T07:00:00Z'), open(ids[0], '2025-06-02T07:00:00Z'), open(ids[0], '2025-06-03T07:00:00Z'), open(ids[0], '2025-06-04T07:00:00Z'),
        open(ids[2], '2025-12-10T13:30:00Z'), open(ids[2], '2025-12-11T13:10:00Z'),
      ])}`);
    // T0 is Monday 09:00 UTC (10:00 Paris, 04:00 New York)
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, schedule: { type: 'optimized', default_hour: 14 } });
    await launch(ws, id);
    await t.app.drain();
    expect((await deliveries(t, ws, id)).map((d) => iso(d.send_at))).toEqual(['2026-01-05T17:00:00.000Z', '2026-01-05T14:00:00.000Z', '2026-01-05T13:00:00.000Z']);
    await t.app.advance(later(24 * HOUR));
    const sent = Object.fromEntries((await outbox(t, ws)).map((o) => [o.to_address, iso(o.created_at)]));
    expect(sent).toEqual({ 'c1@example.com': '2026-01-05T17:00:00.000Z', 'c2@example.com': '2026-01-05T14:00:00.000Z', 'c3@example.com': '2026-01-05T13:00:00.000Z' });
  });

  it('resolves a skipped local time forward and a repeated one to its first occurrence', async () => {
    const { ws, m, list } = await setup(1);
    const at = async (local: string) => {
      const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, schedule: { type: 'at', at: local, timezone: 'America/New_York' } });
      await launch(ws, id);
      const c = (await ws.api('GET', `/api/v1/campaigns/${id}`)).body;
      await ws.api('POST', `/api/v1/campaigns/${id}/cancel`);
      return iso(c.start_at);
    };
    expect(await at('2026-03-08T02:30')).toBe('2026-03-08T07:30:00.000Z'); // 02:30 does not exist: 03:30 EDT
    expect(await at('2026-11-01T01:30')).toBe('2026-11-01T05:30:00.000Z'); // 01:30 happens twice: the EDT one
  });

  it('sends a campaign scheduled in America/New_York at the right instant across the DST change', async () => {
    const { ws, m, list } = await setup(2);
    // created in January (EST, UTC−5) for 9:00 on 9 March, after the switch to EDT (UTC−4)
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, schedule: { type: 'at', at: '2026-03-09T09:00', timezone: 'America/New_York' } });
    await launch(ws, id);
    const c = (await ws.api('GET', `/api/v1/campaigns/${id}`)).body;
    expect(c.status).toBe('scheduled');
    expect(iso(c.start_at)).toBe('2026-03-09T13:00:00.000Z');
    await t.app.advance(new Date('2026-03-09T12:59:00Z'));
    expect(await outbox(t, ws)).toHaveLength(0);
    await t.app.advance(new Date('2026-03-09T14:00:00Z'));
    const sent = await outbox(t, ws);
    expect(sent.map((o) => iso(o.created_at))).toEqual(['2026-03-09T13:00:00.000Z', '2026-03-09T13:00:00.000Z']);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('sent');
  });

  it('cancels a scheduled campaign: nothing is ever sent', async () => {
    const { ws, m, list } = await setup(3);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, schedule: { type: 'at', at: '2026-04-01T10:00', timezone: 'Europe/Paris' } });
    await launch(ws, id);
    const c = await ws.api('POST', `/api/v1/campaigns/${id}/cancel`);
    expect(c.body.status).toBe('cancelled');
    await t.app.advance(new Date('2026-04-02T00:00:00Z'));
    expect(await deliveries(t, ws, id)).toHaveLength(0);
    expect(await outbox(t, ws)).toHaveLength(0);
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/pause`)).status).toBe(409);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}/audit`)).body.data.map((a: any) => a.action)).toContain('cancelled');
  });

});

describe('pacing, deadline, pause (M-5, K-5, K-7)', () => {
  it('spreads N per hour and drops what the deadline cuts off, counted as expired', async () => {
    await t.app.advance(new Date(Math.ceil(t.clock.now().getTime() / HOUR) * HOUR));
    const { ws, m, list } = await setup(5);
    const start = t.clock.now();
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, options: { pacing: { per_hour: 2 }, deadline: new Date(start.getTime() + 70 * MIN).toISOString(), subject_prefix: '[REMINDER]' } });
    await launch(ws, id);
    await t.app.drain();
    expect((await deliveries(t, ws, id)).map((d) => (new Date(d.send_at).getTime() - start.getTime()) / MIN)).toEqual([0, 30, 60, 90, 120]);
    await t.app.advance(later(3 * HOUR));
    const ds = await deliveries(t, ws, id);
    expect(ds.map((d) => d.status)).toEqual(['sent', 'sent', 'sent', 'expired', 'expired']);
    expect((await outbox(t, ws)).map((o) => o.subject)).toEqual(['[REMINDER] News', '[REMINDER] News', '[REMINDER] News']);
    const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
    expect(rep.totals).toMatchObject({ sent: 3, expired: 2 });
    expect(rep.hourly.map((h: any) => h.sent)).toEqual([2, 1]);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('sent');
  });

  it('spreads a send over a duration with paceSchedule semantics', async () => {
    const { ws, m, list } = await setup(7);
    const start = t.clock.now();
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, options: { pacing: { spread_over: '2h' } } });
    await launch(ws, id);
    await t.app.drain();
    const pace = paceSchedule({ start, count: 7, spreadOverMs: 2 * HOUR });
    expect((await deliveries(t, ws, id)).map((d) => iso(d.send_at))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => iso(pace(i))));
    expect(paceInterval({ perHour: 1000, spreadOverMs: HOUR, count: 10 })).toEqual({ num: HOUR, den: 10 });
  });

  it('pauses a sending campaign (nothing leaves) and resumes it with the same rhythm', async () => {
    const { ws, m, list } = await setup(6);
    const start = t.clock.now();
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, options: { pacing: { per_hour: 6 } } });
    await launch(ws, id);
    await t.app.advance(later(15 * MIN));
    expect(await outbox(t, ws)).toHaveLength(2);
    const p = await ws.api('POST', `/api/v1/campaigns/${id}/pause`);
    expect(p.body).toMatchObject({ status: 'paused', deliveries_paused: 4 });
    await t.app.advance(later(HOUR));
    expect(await outbox(t, ws)).toHaveLength(2);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('paused');
    const r = await ws.api('POST', `/api/v1/campaigns/${id}/resume`);
    expect(r.body).toMatchObject({ status: 'sending', deliveries_resumed: 4 });
    await t.app.advance(later(2 * HOUR));
    const sent = await outbox(t, ws);
    expect(sent.map((o) => (new Date(o.created_at).getTime() - start.getTime()) / MIN)).toEqual([0, 10, 80, 90, 100, 110]);
    expect(new Set(sent.map((o) => o.to_address)).size).toBe(6);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('sent');
  });
});

describe('delivery window (M-4)', () => {
  it("holds a campaign's messages until the window opens", async () => {
    const ten = new Date(t.clock.now());
    ten.setUTCDate(ten.getUTCDate() + 1);
    ten.setUTCHours(10, 0, 0, 0);
    await t.app.advance(ten);
    const { ws, m, list } = await setup(2);
    const id = await campaign(ws.api, { message_id: m, recipients: { lists: [list] }, options: { window: { timezone: 'contact', days: [1, 2, 3, 4, 5, 6, 7], start: '06:00', end: '07:00' } } });
    await launch(ws, id);
    await t.app.advance(later(30 * HOUR));
    // the contacts have no zone of their own: the workspace's (UTC); the next opening is 06:00 tomorrow
    const six = iso(new Date(ten.getTime() + 20 * HOUR));
    expect((await outbox(t, ws)).map((o) => iso(o.created_at))).toEqual([six, six]);
  });
});

describe('A/B test', () => {
  async function abCampaign(auto: boolean) {
    const { ws, m, list } = await setup(40);
    const id = await campaign(ws.api, {
      message_id: m,
      recipients: { lists: [list] },
      ab_test: { variants: [{ id: 'A', message_id: m }, { id: 'B', subject: 'Bravo {{ contact.first_name }}' }], test_percent: 50, winner_metric: 'opens', decide_after: '4h', auto },
    });
    await launch(ws, id);
    await t.app.drain();
    return { ws, id };
  }

  it('sends the test share, picks the winner by opens after decide_after, and sends it to the rest', async () => {
    const { ws, id } = await abCampaign(true);
    const test = await outbox(t, ws);
    const calc = (await ws.api('POST', `/api/v1/campaigns/${id}/calculate`)).body;
    expect(test).toHaveLength(calc.ab_test.test);
    const b = test.filter((o) => o.subject.startsWith('Bravo'));
    expect(b.length).toBeGreaterThan(0);
    expect(b.length).toBeLessThan(test.length);
    for (const o of b) await t.http.inject({ method: 'GET', url: /src="http:\/\/parcours\.test([^"]+\.gif)"/.exec(o.html)![1] });
    await t.app.advance(later(5 * HOUR));
    const all = await outbox(t, ws);
    expect(all).toHaveLength(40);
    expect(new Set(all.map((o) => o.to_address)).size).toBe(40);
    expect(all.slice(test.length).every((o) => o.subject.startsWith('Bravo'))).toBe(true);
    const rep = (await ws.api('GET', `/api/v1/campaigns/${id}/report`)).body;
    expect(rep.ab_test).toMatchObject({ phase: 'decided', winner: 'B', by: 'auto' });
    expect(rep.variants.B.opened).toBe(b.length);
    expect(rep.variants.A.sent).toBe(test.length - b.length);
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.status).toBe('sent');
  });

  it('waits for a manual pick when auto is off', async () => {
    const { ws, id } = await abCampaign(false);
    const test = (await outbox(t, ws)).length;
    await t.app.advance(later(5 * HOUR));
    expect((await ws.api('GET', `/api/v1/campaigns/${id}`)).body.ab_state.phase).toBe('waiting');
    expect(await outbox(t, ws)).toHaveLength(test);
    const pick = await ws.api('POST', `/api/v1/campaigns/${id}/ab/winner`, { variant: 'A' });
    expect(pick.body.ab_state).toMatchObject({ phase: 'decided', winner: 'A', by: 'manual' });
    await t.app.advance(later(HOUR));
    const all = await outbox(t, ws);
    expect(all).toHaveLength(40);
    expect(all.slice(test).every((o) => o.subject === 'News')).toBe(true);
    expect((await ws.api('POST', `/api/v1/campaigns/${id}/ab/winner`, { variant: 'B' })).status).toBe(409);
  });
});
