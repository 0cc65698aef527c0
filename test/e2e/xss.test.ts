import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/accounts/index.ts';
import { apiClient } from '../helpers.ts';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 16, item 1: HTML written by a colleague never runs script on the app's origin. An
 * author puts a script in a message and sends a test; the admin, logged into the UI, opens its
 * view-online link in the same browser. The script tries to read the admin's session
 * (GET /api/v1/me, for the CSRF token) and to create an admin API key with it.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('stored script in a message (issue 16)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('does not run on the view-online page: it cannot read /api/v1/me nor create an API key', async () => {
    screenshotOnFailure(() => ui?.page, 'xss-view-online');
    const { db, clock } = ui.t.app.ctx;
    const ws = (await ui.api('GET', '/api/v1/me')).body.workspace.id as number;
    const author = apiClient(ui.t.http, { authorization: `Bearer ${(await createApiKey(db, clock, ws, 'author', 'author')).key}` });
    const attack = `<p>Hello <a href="{{ view_online_url }}">view online</a></p>
<script>
  window.__ran = true;
  fetch('/api/v1/me', { credentials: 'include' }).then((r) => r.json()).then((me) => {
    document.title = 'read:' + (me.csrf_token || 'none');
    return fetch('/api/v1/api-keys', { method: 'POST', credentials: 'include',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
      body: JSON.stringify({ name: 'stolen', role: 'admin' }) });
  }).then((r) => { document.title += ' key:' + r.status; }, (e) => { document.title = 'failed:' + e; });
</script>`;
    const m = await author('POST', '/api/v1/messages', { name: 'Innocent', channel: 'email', content: { subject: 'Hi', body: attack } });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    expect((await author('POST', `/api/v1/messages/${m.body.id}/test`, { to: ['admin@example.com'] })).status).toBe(202);
    await ui.t.app.drain();
    const sent = (await ui.api('GET', '/api/v1/outbox')).body.data[0];
    const html = (await ui.api('GET', `/api/v1/outbox/${sent.id}`)).body.html as string;
    expect(html).toContain('<script>'); // the message kept its script: the defence is where it is shown
    const link = /href="(https?:\/\/[^"]*\/v\/[^"]+)"/.exec(html)![1];
    const view = link.replace(/^https?:\/\/[^/]+/, ui.url);

    const p = ui.page;
    await logIn(ui);

    const answer = await p.goto(view);
    expect(answer!.status()).toBe(200);
    await p.getByText('view online').waitFor();
    await p.waitForTimeout(1000);
    expect(await p.title()).not.toMatch(/read:|key:/);
    const keys = (await ui.api('GET', '/api/v1/api-keys')).body.data as { name: string }[];
    expect(keys.map((k) => k.name)).not.toContain('stolen');
    expect(await p.evaluate(() => (window as unknown as { __ran?: boolean }).__ran ?? false)).toBe(false);
    expect(answer!.headers()['content-security-policy']).toMatch(/^sandbox/);
  });
});
