import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, screenshotOnFailure, startUi, type Ui } from './browser.ts';

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
    await p.goto(ui.url + '/');
    await p.getByLabel('Email').fill(ui.user.email);
    await p.getByLabel('Password').fill(ui.user.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('heading', { name: /Welcome to/ }).waitFor();
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
