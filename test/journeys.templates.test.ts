import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';

// Issue 17: templates activate as created (J-22); a step's "opened" counts click-only contacts (J-21)
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const later = (ms: number) => new Date(t.clock.now().getTime() + ms);

async function fromTemplate(ws: Workspace, key: string, needs: string | null) {
  const body: Record<string, unknown> = {};
  if (needs === 'list_id') body.list_id = (await ws.api('POST', '/api/v1/lists', { name: `For ${key}` })).body.id;
  const r = await ws.api('POST', `/api/v1/journey-templates/${key}`, body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe('J-22: every journey template activates as instantiated', () => {
  it('instantiates and activates each template, creating the custom fields it needs', async () => {
    const ws = await newWorkspace(t);
    const templates = (await ws.api('GET', '/api/v1/journey-templates')).body.data as { key: string; needs: string | null }[];
    expect(templates.map((x) => x.key)).toEqual(expect.arrayContaining(['welcome_series', 'abandoned_cart', 'birthday', 're_engagement', 'post_purchase']));
    for (const tpl of templates) {
      const j = await fromTemplate(ws, tpl.key, tpl.needs);
      expect([tpl.key, j.problems]).toEqual([tpl.key, []]);
      const act = await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
      expect([tpl.key, act.status, act.body.error?.message]).toEqual([tpl.key, 200, undefined]);
      expect(act.body.status).toBe('active');
    }
    const fields = (await ws.api('GET', '/api/v1/fields')).body.data;
    expect(fields.find((f: any) => f.key === 'last_order_total')).toMatchObject({ type: 'number' });
    // a second copy reuses the field instead of failing on it
    const again = await fromTemplate(ws, 'post_purchase', null);
    expect(again.problems).toEqual([]);
  });

  it('the post-purchase journey records the order total and thanks the buyer', async () => {
    const ws = await newWorkspace(t);
    const j = await fromTemplate(ws, 'post_purchase', null);
    expect((await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {})).status).toBe(200);
    const c = (await ws.api('POST', '/api/v1/contacts', { email: 'buyer@example.com' })).body;
    await ws.api('POST', `/api/v1/contacts/${c.id}/events`, { type: 'purchase', properties: { total: 42.5, order_id: 'A1', currency: 'EUR' } });
    await t.app.advance(later(3 * 86_400_000));
    expect((await ws.api('GET', `/api/v1/contacts/${c.id}`)).body.fields.last_order_total).toBe(42.5);
    expect((await ws.api('GET', '/api/v1/outbox?to=buyer@example.com')).body.data.map((o: any) => o.subject)).toContain('Thank you for your order');
  });
});

describe("J-21: a step's opened counts contacts who clicked without loading images", () => {
  it('2 pixel opens and 1 click-only contact give opened 3', async () => {
    const ws = await newWorkspace(t);
    const m = (await ws.api('POST', '/api/v1/messages', { name: 'M', channel: 'email', content: { subject: 'Hi', body: '<p><a href="https://example.com/x">x</a></p><a href="{{ unsubscribe_url }}">u</a>' } })).body.id;
    const j = (await ws.api('POST', '/api/v1/journeys', { name: 'J', definition: { trigger: { type: 'manual' }, start: 'e', steps: [{ id: 'e', type: 'email', message_id: m, next: null }] } })).body;
    await ws.api('POST', `/api/v1/journeys/${j.id}/activate`, {});
    const ids: number[] = [];
    for (const a of ['o1', 'o2', 'c1', 'none']) ids.push((await ws.api('POST', '/api/v1/contacts', { email: `${a}@example.com` })).body.id);
    await ws.api('POST', `/api/v1/journeys/${j.id}/enroll`, { contact_ids: ids });
    await t.app.advance(later(60_000));
    const html = async (a: string) => (await ws.api('GET', `/api/v1/outbox/${(await ws.api('GET', `/api/v1/outbox?to=${a}@example.com`)).body.data[0].id}`)).body.html as string;
    const hit = (url: string) => t.http.inject({ method: 'GET', url: url.replace('http://parcours.test', '') });
    const pixel = (h: string) => /src="(http:\/\/parcours\.test\/t\/o\/[^"]+)"/.exec(h)![1];
    const link = (h: string) => /href="(http:\/\/parcours\.test\/t\/c\/[^"]+)"/.exec(h)![1];
    const [o1, o2, c1] = [await html('o1'), await html('o2'), await html('c1')];
    await hit(pixel(o1));
    await hit(pixel(o1));
    await hit(pixel(o2));
    await hit(link(o2)); // opened and clicked: one opener
    await hit(link(c1)); // clicked with images off: an opener too
    await t.app.advance(later(60_000));
    const s = (await ws.api('GET', `/api/v1/journeys/${j.id}/report`)).body.steps.e;
    expect(s).toMatchObject({ sent: 4, opened: 3, clicked: 2, clicked_total: 2 });
    // opens in total: three pixel loads, and the click-only contact's click as one open
    expect(s.opened_total).toBe(4);
  });
});
