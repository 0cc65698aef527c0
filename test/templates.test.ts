import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/index.ts';
import { BUILTIN } from '../src/templates/index.ts';
import { newWorkspace, testApp, type TestApp, type Workspace } from './helpers.ts';
import { campaign, listOf, sender } from './campaigns-support.ts';

/**
 * The template gallery (M-7, issue 19): built-in responsive emails and SMS starters, and a
 * workspace's own templates ("save as template"). Every built-in template passes Prepare's
 * checklist (K-6) as it is. Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */
let t: TestApp;
let a: Workspace;
let b: Workspace;
beforeAll(async () => {
  t = await testApp();
  a = await newWorkspace(t, 'Maison Lumière');
  b = await newWorkspace(t, 'Other shop');
});
afterAll(async () => t?.close());

const EMAIL = { subject: 'Hello {{ contact.first_name }}', format: 'mjml', body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi <a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>' };

describe('the built-in gallery (M-7, issue 19)', () => {
  it('lists at least 12 email templates of the named kinds and 5 SMS starters, filtered by channel', async () => {
    const all = await a.api('GET', '/api/v1/templates');
    expect(all.status).toBe(200);
    const emails = all.body.data.filter((x: any) => x.channel === 'email' && x.kind === 'builtin');
    expect(emails.length).toBeGreaterThanOrEqual(12);
    expect(emails.map((x: any) => x.id)).toEqual(expect.arrayContaining([
      'welcome', 'newsletter', 'promotion', 'abandoned-cart', 'order-confirmation', 'birthday', 're-engagement', 'event-invitation', 'survey', 'announcement', 'plain-letter', 'receipt',
    ]));
    for (const x of all.body.data) expect(x).toMatchObject({ name: expect.any(String), category: expect.any(String), description: expect.any(String) });
    const sms = await a.api('GET', '/api/v1/templates?channel=sms');
    expect(sms.body.data.map((x: any) => x.id)).toEqual(expect.arrayContaining(['sms-promotion', 'sms-reminder', 'sms-order-shipped', 'sms-appointment', 'sms-optin-welcome']));
    expect(sms.body.data.every((x: any) => x.channel === 'sms')).toBe(true);
    expect((await a.api('GET', '/api/v1/templates?channel=fax')).status).toBe(400);
  });

  it('gives a template\'s full content, ready to create a message with (MJML, responsive columns)', async () => {
    const w = await a.api('GET', '/api/v1/templates/welcome');
    expect(w.status).toBe(200);
    expect(w.body.content).toMatchObject({ format: 'mjml', subject: expect.stringContaining('{{ workspace.name }}'), preheader: expect.any(String) });
    expect(w.body.content.body).toMatch(/^<mjml>[\s\S]*<mj-column>[\s\S]*\{\{ unsubscribe_url \}\}/);
    const m = await a.api('POST', '/api/v1/messages', { name: w.body.name, channel: 'email', content: w.body.content });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    expect((await a.api('GET', '/api/v1/templates/no-such-template')).status).toBe(404);
    expect((await a.api('GET', '/api/v1/templates/..%2Fetc')).status).toBe(400);
  });

  it('previews a template for a sample contact with the workspace\'s name (the gallery thumbnails)', async () => {
    const p = await a.api('GET', '/api/v1/templates/birthday/preview');
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ channel: 'email', subject: 'Happy birthday, Alex!' });
    expect(p.body.html).toContain('Maison Lumière');
    expect(p.body.html).toContain('@media only screen and (min-width:480px)'); // MJML's column stacking
    expect(p.body.html).not.toContain('{{');
    const s = await a.api('GET', '/api/v1/templates/sms-reminder/preview');
    expect(s.body).toEqual({ channel: 'sms', text: expect.stringMatching(/^Maison Lumière: Hi Alex, .*Reply STOP to opt out$/) });
  });

  it('SMS starters fit one GSM-7 segment (160) for a 20-character workspace name and say how to opt out (M-6)', async () => {
    const ws = await newWorkspace(t, 'Twenty chars shop 20');
    const phone = '+33612345678';
    for (const x of BUILTIN.filter((y) => y.channel === 'sms')) {
      const tpl = (await ws.api('GET', `/api/v1/templates/${x.id}`)).body;
      expect(tpl.content.text).toMatch(/Reply STOP to opt out/);
      const m = await ws.api('POST', '/api/v1/messages', { name: tpl.name, channel: 'sms', content: tpl.content });
      expect(m.status).toBe(201);
      const c = (await ws.api('POST', '/api/v1/contacts', { email: `s-${x.id}@example.com`, phone, first_name: 'Alexandria' })).body;
      const p = await ws.api('POST', `/api/v1/messages/${m.body.id}/preview`, { contact_id: c.id });
      expect(p.status, JSON.stringify(p.body)).toBe(200);
      const text: string = p.body.body ?? p.body.text;
      expect(text, x.id).toMatch(/^[\x20-\x7e]+$/); // GSM-7 safe: no curly quotes, no dashes
      expect(text.length, `${x.id}: ${text}`).toBeLessThanOrEqual(160);
    }
  });
});

describe('saving a message as a template (M-7, issue 19)', () => {
  it('saves, lists under its own category, gets and deletes a workspace\'s template', async () => {
    const saved = await a.api('POST', '/api/v1/templates', { name: 'Our spring letter', channel: 'email', content: EMAIL });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ kind: 'own', name: 'Our spring letter', channel: 'email', category: 'Saved templates', subject: EMAIL.subject, content: EMAIL });
    const id = saved.body.id as string;
    expect(id).toMatch(/^\d+$/);
    const list = await a.api('GET', '/api/v1/templates?channel=email');
    expect(list.body.data.find((x: any) => x.id === id)).toMatchObject({ kind: 'own', name: 'Our spring letter' });
    expect(list.body.data.find((x: any) => x.id === id).content).toBeUndefined();
    expect((await a.api('GET', `/api/v1/templates/${id}`)).body.content).toEqual(EMAIL);
    expect((await a.api('GET', `/api/v1/templates/${id}/preview`)).body.subject).toBe('Hello Alex');
    expect((await a.api('GET', '/api/v1/templates?channel=sms')).body.data.some((x: any) => x.id === id)).toBe(false);

    const del = await a.api('DELETE', `/api/v1/templates/${id}`);
    expect(del.status).toBe(200);
    expect((await a.api('GET', `/api/v1/templates/${id}`)).status).toBe(404);
    expect((await a.api('DELETE', `/api/v1/templates/${id}`)).status).toBe(404);
  });

  it('refuses to delete a built-in template with a 403 saying why', async () => {
    const r = await a.api('DELETE', '/api/v1/templates/welcome');
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/built-in template cannot be deleted/);
    expect((await a.api('GET', '/api/v1/templates/welcome')).status).toBe(200);
  });

  it('refuses invalid content with a 400 naming the field, and stores nothing', async () => {
    const before = (await t.db.query(sql`select count(*)::int n from message_templates`)).rows[0].n;
    const noSubject = await a.api('POST', '/api/v1/templates', { name: 'X', channel: 'email', content: { body: '<p>hi</p>' } });
    expect(noSubject.status).toBe(400);
    expect(noSubject.body.error.details[0].path).toBe('content.subject');
    const badLiquid = await a.api('POST', '/api/v1/templates', { name: 'X', channel: 'email', content: { subject: 'S', body: '<p>{{ contact.first_name </p>' } });
    expect(badLiquid.status).toBe(400);
    expect(badLiquid.body.error.message).toMatch(/^content\.body/);
    const badMjml = await a.api('POST', '/api/v1/templates', { name: 'X', channel: 'email', content: { subject: 'S', format: 'mjml', body: '<mjml><mj-body><mj-column>' } });
    expect(badMjml.status).toBe(400);
    expect(badMjml.body.error.message).toMatch(/^content\.body/);
    const emptySms = await a.api('POST', '/api/v1/templates', { name: 'X', channel: 'sms', content: { text: '' } });
    expect(emptySms.status).toBe(400);
    expect(emptySms.body.error.details[0].path).toBe('content.text');
    const noName = await a.api('POST', '/api/v1/templates', { name: ' ', channel: 'sms', content: { text: 'Hi' } });
    expect(noName.status).toBe(400);
    expect(noName.body.error.details[0].path).toBe('name');
    expect((await t.db.query(sql`select count(*)::int n from message_templates`)).rows[0].n).toBe(before);
  });

  it('keeps each workspace\'s templates to itself (P-4 isolation)', async () => {
    const saved = await a.api('POST', '/api/v1/templates', { name: 'A only', channel: 'sms', content: { text: 'Hi from A. Reply STOP to opt out' } });
    const id = saved.body.id as string;
    expect((await b.api('GET', '/api/v1/templates')).body.data.some((x: any) => x.name === 'A only')).toBe(false);
    expect((await b.api('GET', `/api/v1/templates/${id}`)).status).toBe(404);
    expect((await b.api('DELETE', `/api/v1/templates/${id}`)).status).toBe(404);
    expect((await a.api('GET', `/api/v1/templates/${id}`)).status).toBe(200);
  });

  it('lets a viewer browse the gallery but not save or delete (P-3 roles)', async () => {
    const viewer = await a.as('viewer');
    expect((await viewer('GET', '/api/v1/templates')).status).toBe(200);
    expect((await viewer('POST', '/api/v1/templates', { name: 'V', channel: 'sms', content: { text: 'Hi' } })).status).toBe(403);
    const author = await a.as('author');
    const s = await author('POST', '/api/v1/templates', { name: 'By an author', channel: 'sms', content: { text: 'Hi. Reply STOP to opt out' } });
    expect(s.status).toBe(201);
    expect((await viewer('DELETE', `/api/v1/templates/${s.body.id}`)).status).toBe(403);
    expect((await author('DELETE', `/api/v1/templates/${s.body.id}`)).status).toBe(200);
  });
});

describe('every built-in template passes Prepare (K-6, M-7, issue 19)', () => {
  it.each(BUILTIN.map((x) => [x.id, x.channel] as const))('%s (%s): a campaign made from it has no blocking problem and no unknown variable', async (id, channel) => {
    const ws = await newWorkspace(t, `Prepare ${id}`);
    await sender(ws);
    const tpl = (await ws.api('GET', `/api/v1/templates/${id}`)).body;
    const m = await ws.api('POST', '/api/v1/messages', { name: tpl.name, channel, content: tpl.content });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    const { list } = await listOf(t, ws, 3, `p${id.replace(/-/g, '')}`);
    if (channel === 'sms') {
      await t.db.query(sql`update contacts set phone = '+3361234567' || id % 10, sms_status = 'opted_in' where workspace_id = ${ws.id}`);
    }
    const c = await campaign(ws.api, { message_id: m.body.id, recipients: { lists: [list] } });
    const p = await ws.api('POST', `/api/v1/campaigns/${c}/prepare`);
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body.checks.filter((x: any) => !x.ok), id).toEqual([]);
    expect(p.body.ok).toBe(true);
    expect(p.body.calculation.recipients).toBe(3);
  });
});
