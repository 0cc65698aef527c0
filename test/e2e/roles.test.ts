import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, screenshotOnFailure, startUi, type Ui } from './browser.ts';
import { addMember, createUser } from '../../src/accounts/index.ts';
import { BODY } from '../campaigns-support.ts';

/**
 * Issue 19 in Debian's chromium, P-3 and K-6 as each role meets them: the UI shows a button only
 * to a role the API lets use it. The author of a campaign awaiting approval sees no Approve; the
 * approver sees Approve and Reject but none of the edits (wizard, duplicate, cancel, new campaign,
 * message save or test send), and approving works from there.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;
const PASSWORD = 'correct horse battery';

describe.runIf(HAS_CHROMIUM && EMBEDDED)('each role sees the buttons it may use (P-3, K-6)', () => {
  let ui: Ui;
  let current: Page | undefined;
  let campaign: number;
  let message: number;

  beforeAll(async () => {
    ui = await startUi();
    const { db, clock } = ui.t.app.ctx;
    const ws = (await ui.api('GET', '/api/v1/workspace')).body.id as number;
    for (const role of ['author', 'approver'] as const) {
      const uid = await createUser(db, clock, { email: `${role}@example.com`, name: role, password: PASSWORD });
      await addMember(db, clock, ws, uid, role);
    }
    const list = (await ui.api('POST', '/api/v1/lists', { name: 'Clients' })).body.id;
    const contact = (await ui.api('POST', '/api/v1/contacts', { email: 'ana@example.com', first_name: 'Ana' })).body.id;
    await ui.api('POST', `/api/v1/lists/${list}/members`, { contact_ids: [contact] });
    await ui.api('POST', '/api/v1/senders', { from_name: 'Maison', from_email: 'news@maison.example' });
    message = (await ui.api('POST', '/api/v1/messages', { name: 'Spring', channel: 'email', content: { subject: 'Spring', body: BODY } })).body.id;
    campaign = (await ui.api('POST', '/api/v1/campaigns', { name: 'Spring sale', message_id: message, recipients: { lists: [list] } })).body.id;
    expect(campaign, 'campaign created').toBeTypeOf('number');
    const prepared = await ui.api('POST', `/api/v1/campaigns/${campaign}/prepare`);
    expect(prepared.body.ok, JSON.stringify(prepared.body)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
  });

  async function logInAs(role: string): Promise<Page> {
    const context = await ui.browser.newContext({ viewport: { width: 1400, height: 900 } });
    const p = await context.newPage();
    p.setDefaultTimeout(10_000);
    current = p;
    await p.goto(ui.url + '/');
    await p.getByLabel('Email').fill(`${role}@example.com`);
    await p.getByLabel('Password').fill(PASSWORD);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('heading', { name: /Welcome/ }).waitFor();
    return p;
  }

  it('the author edits and duplicates, and sees no Approve on a campaign awaiting approval', async () => {
    screenshotOnFailure(() => current, 'roles-author');
    const p = await logInAs('author');
    await p.goto(`${ui.url}/campaigns/${campaign}`);
    await p.getByText('An approver decides: your role cannot approve.').waitFor();
    expect(await p.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Reject…' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Save draft' }).count()).toBe(1);
    expect(await p.getByRole('button', { name: 'Duplicate' }).count()).toBe(1);
    await p.goto(`${ui.url}/messages/${message}`);
    await p.getByRole('button', { name: 'Save', exact: true }).waitFor();
    expect(await p.getByRole('button', { name: 'Send test' }).count()).toBe(1);
    await p.context().close();
  });

  it('the approver sees Approve and Reject, no edit, and approves', async () => {
    screenshotOnFailure(() => current, 'roles-approver');
    const p = await logInAs('approver');
    await p.goto(`${ui.url}/campaigns`);
    await p.getByRole('link', { name: 'Spring sale' }).waitFor();
    expect(await p.getByText('New campaign').count()).toBe(0);
    await p.goto(`${ui.url}/messages/${message}`);
    await p.getByText('Your role does not edit messages: preview it as any contact.').waitFor();
    await p.getByTestId('preview-subject').waitFor(); // the preview is there
    for (const name of ['Save', 'Delete', 'Send test']) expect(await p.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    await p.goto(`${ui.url}/campaigns/${campaign}`);
    await p.getByRole('button', { name: 'Approve' }).waitFor();
    expect(await p.getByRole('button', { name: 'Reject…' }).count()).toBe(1);
    for (const name of ['Save draft', 'Prepare for approval', 'Duplicate', 'Cancel campaign', 'Delete']) expect(await p.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    await p.getByText('Your role does not edit campaigns: the settings are shown as they are.').waitFor();
    await p.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(async () => (await ui.api('GET', `/api/v1/campaigns/${campaign}`)).body.status, { timeout: 15_000 }).not.toBe('awaiting_approval');
    await p.context().close();
  });
});
