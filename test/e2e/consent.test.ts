import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/** Issue 16, item 4 (C-4): re-subscribing in the UI asks for the proof; the history names who. */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('consent proof in the contact record (issue 16)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('asks for a reason, a date and a source before re-subscribing, and shows the user in the history', async () => {
    screenshotOnFailure(() => ui?.page, 'consent-proof');
    const c = (await ui.api('POST', '/api/v1/contacts', { email: 'gone@example.com', first_name: 'Gaspard' })).body;
    await ui.api('POST', `/api/v1/contacts/${c.id}/consent`, { channel: 'email', status: 'unsubscribed' });
    const p = ui.page;
    await logIn(ui);
    await p.goto(`${ui.url}/contacts/${c.id}`);
    await p.getByRole('button', { name: 'Resubscribe…' }).click();
    const form = p.getByRole('form', { name: 'Proof of email consent' });
    await form.waitFor();
    expect((await ui.api('GET', `/api/v1/contacts/${c.id}`)).body.email_status).toBe('unsubscribed'); // nothing changed by the click
    await form.getByLabel('Reason').fill('Asked to be back on the list at the shop');
    await form.getByLabel('Consent given on').fill('2026-01-04');
    await form.getByLabel('Source').selectOption('paper form');
    await form.getByRole('button', { name: 'Resubscribe' }).click();
    await p.getByTestId('consent-history').getByText(`by ${ui.user.email}`).first().waitFor();
    await p.getByTestId('consent-history').getByText(/Asked to be back on the list at the shop · consent given 2026-01-04 · paper form/).waitFor();
    expect((await ui.api('GET', `/api/v1/contacts/${c.id}`)).body.email_status).toBe('subscribed');
  });
});

describe.runIf(HAS_CHROMIUM && EMBEDDED)('invitations in the UI (issue 16, item 8)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('invites a colleague from the settings; they choose a password on the link and log in', async () => {
    screenshotOnFailure(() => ui?.page, 'invitation');
    const p = ui.page;
    await logIn(ui);
    await p.goto(ui.url + '/settings');
    await p.getByRole('tab', { name: 'Users and roles' }).or(p.getByRole('button', { name: 'Users and roles' })).or(p.getByRole('link', { name: 'Users and roles' })).first().click();
    const card = p.locator('.card', { hasText: 'Invite a colleague' });
    await card.getByLabel('Email').fill('nina@example.com');
    await card.getByLabel('Role').selectOption('author');
    await card.getByRole('button', { name: 'Send invitation' }).click();
    await p.getByRole('status').getByText('Invitation sent to nina@example.com').waitFor();
    await p.getByRole('table', { name: 'Pending invitations' }).getByText('nina@example.com').waitFor();
    await ui.t.app.drain();
    const sent = (await ui.api('GET', '/api/v1/outbox?to=nina@example.com')).body.data[0];
    const link = /href="https?:\/\/[^/]+(\/invite\/[\w-]+)"/.exec((await ui.api('GET', `/api/v1/outbox/${sent.id}`)).body.html)![1];

    const other = await ui.browser.newPage();
    await other.goto(ui.url + link);
    await other.getByRole('heading', { name: 'Join Maison Lumière' }).waitFor();
    await other.getByLabel('Choose a password').fill('nina has a long password');
    await other.getByRole('button', { name: 'Accept the invitation' }).click();
    await other.getByRole('heading', { name: 'Welcome to Maison Lumière' }).waitFor();
    await other.getByRole('link', { name: 'Log in' }).click();
    await other.getByLabel('Email').fill('nina@example.com');
    await other.getByLabel('Password').fill('nina has a long password');
    await other.getByRole('button', { name: 'Log in' }).click();
    await other.getByRole('heading', { name: /Welcome to/ }).waitFor();
    const members = (await ui.api('GET', '/api/v1/users')).body.data;
    expect(members.find((m: any) => m.email === 'nina@example.com')?.role).toBe('author');
    await other.close();
  });
});
