import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/index.ts';
import { recordEngagement, unsubscribeFromDelivery } from '../../src/delivery/feedback.ts';
import { HAS_CHROMIUM, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * P-2: what a marketer does, in Debian's chromium against the real server on the embedded
 * database. The tests run in order and build on each other: a list, an import into it, a
 * segment over it, an email, a journey sending that email.
 */
if (!HAS_CHROMIUM) console.warn('e2e: /usr/bin/chromium not found (apt-get install chromium): the browser tests are skipped');

// Issue 8 specifies the embedded database for these tests. On PostgreSQL the in-process
// worker claims due rows on its own connection while the test advances the manual clock, so
// a check can run before the worker's batch commits; the PostgreSQL pass covers the same
// behaviour through the API tests.
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;
if (!EMBEDDED) console.warn('e2e: the browser tests run on the embedded database only (PGlite pass)');

describe.runIf(HAS_CHROMIUM && EMBEDDED)('web UI in a real browser (P-2)', () => {
  let ui: Ui;
  const page = () => ui?.page;
  const go = (path: string) => ui.page.goto(ui.url + path);
  const ids: { list?: number } = {};

  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('logs in and creates a list, showing API errors next to the field', async () => {
    screenshotOnFailure(page, 'login-and-list');
    const p = ui.page;
    await go('/');
    await p.getByLabel('Password').fill('wrong password');
    await p.getByLabel('Email').fill(ui.user.email);
    await p.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => p.getByRole('alert').textContent()).toBeTruthy();
    await p.getByLabel('Password').fill(ui.user.password);
    await p.getByRole('button', { name: 'Log in' }).click();
    await p.getByRole('heading', { name: 'Welcome to Maison Lumière' }).waitFor();

    await p.getByRole('navigation').getByRole('link', { name: 'Lists' }).click();
    await p.getByText('No list yet').waitFor();
    await p.getByRole('button', { name: 'Create list' }).click();
    await p.locator('.field.has-error').getByText('Required: fill this in.').waitFor(); // in words, not zod's text (issue 19)
    await p.getByLabel('Name').fill('Newsletter');
    await p.getByRole('button', { name: 'Create list' }).click();
    await p.getByTestId('lists-table').getByRole('link', { name: 'Newsletter' }).waitFor();
    const lists = await ui.api('GET', '/api/v1/lists');
    ids.list = lists.body.data.find((l: any) => l.name === 'Newsletter').id;
  });

  it('imports a CSV through the wizard: mapping, progress, the rejected lines, then the contacts', async () => {
    screenshotOnFailure(page, 'import-wizard');
    const p = ui.page;
    await go('/contacts');
    await p.getByText('No contacts yet').waitFor();
    await p.getByRole('link', { name: 'Import CSV' }).click();
    const csv = 'Email,Prénom,Nom,Ville\ncamille@example.com,Camille,Martin,Lyon\nlea@example.com,Léa,Roy,Paris\nnot-an-email,Bad,Line,Nice\nhugo@example.com,Hugo,<b>Bold</b>,Lyon\n';
    await p.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await p.getByTestId('mapping').waitFor();
    expect(await p.getByLabel('Map Email').inputValue()).toBe('email');
    await p.getByLabel('Map Prénom').selectOption('first_name');
    await p.getByLabel('Map Nom').selectOption('last_name');
    await p.getByLabel('Add to Newsletter').check();
    await p.getByRole('button', { name: 'Start import' }).click();
    await p.getByText('done', { exact: true }).waitFor({ timeout: 20_000 });
    const counters = p.getByTestId('import-counters');
    await expect.poll(() => counters.textContent()).toMatch(/3\s*Created/);
    await p.getByTestId('import-errors').getByText(/not a valid email/).waitFor();
    expect(await p.getByTestId('import-errors').textContent()).toContain('4');

    await p.getByRole('link', { name: 'See the contacts' }).click();
    const table = p.getByTestId('contacts-table');
    await table.getByRole('link', { name: 'Camille Martin' }).waitFor();
    // what a contact typed is text, never markup
    await table.getByText('Hugo <b>Bold</b>').waitFor();
    await p.getByLabel('Search contacts').fill('lea@');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await table.getByRole('link', { name: 'Léa Roy' }).click();
    await p.getByRole('heading', { name: 'Léa Roy' }).waitFor();
    await p.getByText('Joined the list “Newsletter” by an import').first().waitFor();
  });

  it('builds a segment with a live count, and saves it', async () => {
    screenshotOnFailure(page, 'segment-builder');
    const p = ui.page;
    await go('/segments');
    await p.locator('header').getByRole('link', { name: 'New segment' }).click();
    const count = p.getByTestId('live-count');
    await expect.poll(() => count.textContent(), { timeout: 10_000 }).toBe('3');
    await p.getByRole('button', { name: '+ Add condition…' }).click();
    await p.getByRole('menuitem', { name: 'List membership' }).click();
    await expect.poll(() => count.textContent()).toBe('3');
    await p.getByRole('button', { name: '+ Add condition…' }).click();
    await p.getByRole('menuitem', { name: 'Field' }).click();
    await p.getByLabel('Field', { exact: true }).selectOption('first_name');
    await p.getByLabel('Field operator').selectOption('starts_with');
    await p.getByLabel('Value').fill('ca');
    await expect.poll(() => count.textContent()).toBe('1');
    await p.getByLabel('Name').fill('Camilles');
    await p.getByRole('button', { name: 'Save segment' }).click();
    await p.waitForURL(/\/segments\/\d+$/);
    await p.getByRole('link', { name: 'Camille Martin' }).waitFor();
  });

  it('edits an email with a live preview as a contact, sends a test and finds it in the outbox', async () => {
    screenshotOnFailure(page, 'message-editor');
    const p = ui.page;
    await go('/settings');
    await p.getByRole('button', { name: 'Sender identities' }).click();
    await p.getByLabel('From name').fill('Maison Lumière');
    await p.getByLabel('From email').fill('bonjour@lumiere.example');
    await p.getByRole('button', { name: 'Add' }).click();
    await p.getByText('Maison Lumière <bonjour@lumiere.example>').waitFor();

    await go('/messages');
    await p.getByText('No message yet').waitFor();
    await p.getByLabel('Name').fill('Bienvenue');
    await p.getByRole('button', { name: 'Create and edit' }).click();
    await p.getByLabel('Subject').fill('Bienvenue {{ contact.first_name }}');
    await p.getByLabel('Sender').selectOption({ label: 'Maison Lumière <bonjour@lumiere.example>' });
    await p.getByLabel('HTML body').fill('<h1>Bonjour </h1><p>Merci !</p>');
    await p.getByLabel('HTML body').evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(12, 12));
    await p.getByLabel('Insert a field').selectOption('{{ contact.first_name }}');
    expect(await p.getByLabel('HTML body').inputValue()).toBe('<h1>Bonjour {{ contact.first_name }}</h1><p>Merci !</p>');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('Saved as version 2.').waitFor();
    await p.getByLabel('Preview as').selectOption({ label: 'Camille Martin' });
    await expect.poll(() => p.getByTestId('preview-subject').textContent()).toBe('Bienvenue Camille');
    await p.frameLocator('iframe[title="Email preview"]').getByRole('heading', { name: 'Bonjour Camille' }).waitFor();
    expect(await p.locator('iframe[title="Email preview"]').getAttribute('sandbox')).toBe('');

    // a Liquid error is shown next to the body
    await p.getByLabel('HTML body').fill('<p>{{ contact.first_name </p>');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.locator('.field.has-error').getByText(/not closed/).waitFor();
    await p.getByLabel('HTML body').fill('<h1>Bonjour {{ contact.first_name }}</h1><p>Merci !</p>');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('Saved as version 3.').waitFor();

    await p.getByLabel('To (emails, comma separated)').fill('me@lumiere.example');
    await p.getByRole('button', { name: 'Send test' }).click();
    await p.getByText(/Test sent to me@lumiere.example/).waitFor();

    await p.getByRole('navigation').getByRole('link', { name: 'Outbox' }).click();
    const link = p.getByTestId('outbox-table').getByRole('link', { name: '[TEST] Bienvenue Camille' });
    await link.waitFor({ timeout: 15_000 });
    await link.click();
    await p.frameLocator('iframe[title="Message"]').getByRole('heading', { name: 'Bonjour Camille' }).waitFor();
  });

  it('builds a journey in the graph, activates it, and shows the sent count after the clock moves', async () => {
    screenshotOnFailure(page, 'journey-builder');
    const p = ui.page;
    await go('/journeys');
    await p.getByLabel('Name').fill('Welcome series');
    await p.getByRole('button', { name: 'Create and open the builder' }).click();
    await p.getByTestId('node-trigger').click();
    await p.getByLabel('Trigger type').selectOption('list_joined');
    await p.getByLabel('Newsletter').check();
    await p.getByRole('button', { name: '+ Email' }).click();
    await p.getByTestId('node-email_1').waitFor();
    expect(await p.getByLabel('Message', { exact: true }).inputValue()).not.toBe('');
    // the new step is selected: a wait, then a second email, chain after it
    await p.getByRole('button', { name: '+ Wait' }).click();
    await p.getByRole('button', { name: '+ Email' }).click();
    await p.getByTestId('node-email_2').waitFor();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('No problem found').waitFor();
    // react-flow draws edges after the nodes are measured: wait for them instead of counting once
    await expect.poll(() => p.locator('.react-flow__edge').count(), { timeout: 15_000 }).toBe(3);
    await p.getByRole('button', { name: 'Activate' }).click();
    await p.locator('.badge', { hasText: 'active' }).waitFor();

    const c = await ui.api('POST', '/api/v1/contacts', { email: 'nina@example.com', first_name: 'Nina', list_ids: [ids.list] });
    expect(c.status).toBe(201);
    const adv = await ui.api('POST', '/api/v1/clock/advance', { by: 'PT1H' });
    expect(adv.status).toBe(200);
    await p.reload();
    await expect.poll(() => p.getByTestId('sent-email_1').textContent(), { timeout: 15_000 }).toBe('1');
    expect(await p.getByTestId('sent-email_2').textContent()).toBe('0');

    await p.getByRole('button', { name: 'Dry run' }).click();
    await p.getByLabel('Dry-run contact').selectOption({ label: 'Camille Martin' });
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    await p.getByTestId('dry-run-result').getByText(/sends email/).first().waitFor();

    await p.getByRole('button', { name: 'Report' }).click();
    await p.getByTestId('daily-chart').locator('svg').first().waitFor();

  });

  it('sends an A/B campaign with a control group through the wizard, approval, a hand-picked winner and the outbox (K-1 … K-8)', async () => {
    screenshotOnFailure(page, 'campaign');
    const p = ui.page;
    const m = await ui.api('POST', '/api/v1/messages', {
      name: 'Soldes', channel: 'email',
      content: { subject: 'Les soldes, {{ contact.first_name }}', body: '<p>-20 %</p><p><a href="{{ unsubscribe_url }}">Se désabonner</a></p>', sender_id: (await ui.api('GET', '/api/v1/senders')).body.data[0].id },
    });
    expect(m.status).toBe(201);
    await go('/campaigns');
    await p.getByLabel('Name').fill('Soldes d’hiver');
    await p.getByLabel('Message').selectOption({ label: 'Soldes (email)' });
    await p.getByRole('button', { name: 'Create and set up' }).click();

    // 1. recipients: a list, a control group, and the count
    await p.getByLabel('Lists: Newsletter', { exact: true }).check();
    await p.getByLabel('Control group (%)').fill('10');
    await p.getByRole('button', { name: 'Calculate' }).click();
    await expect.poll(() => p.getByTestId('recipient-counts').textContent()).toMatch(/4\s*Matching/);
    const calc = (await ui.api('POST', `/api/v1/campaigns/${p.url().split('/').pop()}/calculate`, {})).body;
    expect(calc.recipients + calc.control_group).toBe(4);

    // 2. A/B test: two subjects, half the audience, the winner picked by hand
    await p.getByRole('button', { name: '2. A/B test' }).click();
    await p.getByLabel('Test variants on part of the audience').check();
    await p.getByLabel('Subject of A').fill('Soldes A {{ contact.first_name }}');
    await p.getByLabel('Test share (%)').fill('50');
    await p.getByLabel('Decide after').fill('soon');
    await p.getByLabel('I pick the winner by hand').check();
    // an API error is shown next to the field it names, and its step is marked
    await p.getByRole('button', { name: 'Save draft' }).click();
    await p.locator('.field.has-error').getByText(/a duration such as/).waitFor();
    await p.getByLabel('Decide after').fill('4h');
    await p.getByRole('button', { name: 'Save draft' }).click();
    await p.getByTestId('variant-B').getByText('give message_id, subject or from').waitFor();
    await p.getByLabel('Subject of B').fill('Soldes B {{ contact.first_name }}');

    // 3. schedule and 4. options
    await p.getByRole('button', { name: '3. Schedule' }).click();
    await p.getByLabel(/Now/).check();
    await p.getByRole('button', { name: '4. Options' }).click();
    await p.getByLabel('Subject prefix').fill('[SOLDES]');
    await p.getByRole('button', { name: 'Prepare for approval' }).click();
    await p.getByTestId('checklist').getByText('Every version has an unsubscribe link').waitFor();
    await p.locator('.badge', { hasText: 'awaiting approval' }).waitFor();

    await p.getByRole('button', { name: 'Approve' }).click();
    await p.locator('.badge', { hasText: /sending/ }).first().waitFor();
    await ui.api('POST', '/api/v1/clock/advance', { by: 'PT5M' });
    await p.reload();
    await p.getByRole('button', { name: 'Variant A wins' }).click();
    await p.getByRole('alertdialog').getByRole('button', { name: 'Variant A wins' }).click();
    await p.getByTestId('ab-winner').getByText('A').waitFor();
    await ui.api('POST', '/api/v1/clock/advance', { by: 'PT10M' });

    const id = Number(p.url().split('/').pop());
    const report = (await ui.api('GET', `/api/v1/campaigns/${id}/report`)).body;
    expect(report.totals.sent).toBe(calc.recipients);
    expect(Object.keys(report.variants).sort()).toEqual(['A', 'B']);
    await p.reload();
    await p.getByTestId('variant-chart').locator('svg').first().waitFor();
    await p.getByTestId('holdout').waitFor();
    await p.getByTestId('audit-log').getByText('approved').first().waitFor();

    await go('/outbox');
    await p.getByTestId('outbox-table').getByRole('link', { name: /^\[SOLDES\] Soldes A \w+/ }).first().waitFor({ timeout: 15_000 });
  });

  it('shows recent campaigns with their results, active journeys, approvals and sending health on the home page (P-2, K-8)', async () => {
    screenshotOnFailure(page, 'home');
    const p = ui.page;
    const { db } = ui.t.app.ctx;
    const c = (await ui.api('GET', '/api/v1/campaigns')).body.data.find((x: any) => x.name === 'Soldes d’hiver');
    // engagement on the campaign: two opens (one contact clicks too), one unsubscribe (not Nina: a later test resends to her)
    const { rows } = await db.query<{ id: number; workspace_id: number; contact_id: number }>(sql`
      select id, workspace_id, contact_id from deliveries where campaign_id = ${c.id} and status in ('sent', 'delivered') and to_address <> 'nina@example.com' order by id limit 2`);
    expect(rows).toHaveLength(2);
    for (const d of rows) expect(await recordEngagement(ui.t.app.ctx, d.workspace_id, d.id, 'opened')).toBe(true);
    expect(await recordEngagement(ui.t.app.ctx, rows[0].workspace_id, rows[0].id, 'clicked', 'https://example.com/soldes')).toBe(true);
    expect(await unsubscribeFromDelivery(ui.t.app.ctx, rows[1].workspace_id, rows[1].id, rows[1].contact_id)).toBe(true);
    const r = (await ui.api('GET', `/api/v1/campaigns/${c.id}/report`)).body;
    expect(r.totals.opened).toBe(2);
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

    await go('/');
    const row = p.getByTestId('recent-campaigns').locator(`tr[data-campaign="${c.id}"]`);
    await row.getByRole('link', { name: 'Soldes d’hiver' }).waitFor();
    const cell = (m: string) => row.locator(`[data-metric="${m}"]`).textContent();
    await expect.poll(() => cell('sent')).toBe(String(r.totals.sent));
    expect(await cell('delivered')).toBe(`${r.totals.delivered} / ${r.totals.bounced}`);
    expect(await cell('open_rate')).toBe(pct(r.rates.open_rate));
    expect(await cell('click_rate')).toBe(pct(r.rates.click_rate));
    expect(await cell('unsubscribed')).toBe('1');
    expect(r.rates.open_rate).toBeGreaterThan(0);
    // the other cards are there and filled from their APIs
    await p.getByRole('link', { name: 'Welcome series' }).waitFor();
    await p.getByText('Nothing waits for approval').waitFor();
    await p.locator('.stat-label', { hasText: 'Queued' }).waitFor();

    // a draft has no results yet, and the list asks for a bounded number of campaigns
    const draft = await ui.api('POST', '/api/v1/campaigns', { name: 'Brouillon <b>gras</b>', message_id: (await ui.api('GET', `/api/v1/campaigns/${c.id}`)).body.message_id, recipients: { lists: [ids.list] } });
    expect(draft.status).toBe(201);
    await p.reload();
    const drow = p.getByTestId('recent-campaigns').locator(`tr[data-campaign="${draft.body.id}"]`);
    await drow.getByText('not sent yet').waitFor();
    expect(await drow.getByRole('link').textContent()).toBe('Brouillon <b>gras</b>'); // shown as text, not HTML
  });

  it('filters the campaign and journey lists by status and name', async () => {
    screenshotOnFailure(page, 'list-filters');
    const p = ui.page;
    await go('/campaigns');
    const table = p.getByTestId('campaigns-table');
    await table.getByRole('link', { name: 'Brouillon <b>gras</b>' }).waitFor();
    await p.getByLabel('Search campaigns').fill('HIVER'); // case and accents do not matter
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await table.getByRole('link', { name: 'Soldes d’hiver' }).waitFor();
    await p.getByLabel('Status of the campaigns listed').selectOption('draft');
    await p.getByText('No campaign matches these filters').waitFor();
    await p.getByLabel('Search campaigns').fill('');
    await table.getByRole('link', { name: 'Brouillon <b>gras</b>' }).waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await p.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);

    await go('/journeys');
    const journeys = p.getByTestId('journeys-table');
    await journeys.getByRole('link', { name: 'Welcome series' }).waitFor();
    await p.getByLabel('Status of the journeys listed').selectOption('draft');
    await p.getByText('No journey matches these filters').waitFor();
    await p.getByLabel('Status of the journeys listed').selectOption('active');
    await p.getByLabel('Search journeys').fill('welcome');
    await journeys.getByRole('link', { name: 'Welcome series' }).waitFor();
    await p.getByLabel('Search journeys').fill('nothing like it');
    await p.getByText('No journey matches these filters').waitFor();
  });
  it('saves node positions without a new version, publishes one on a structural change, and lists the versions (J-17)', async () => {
    screenshotOnFailure(page, 'journey-versions');
    const p = ui.page;
    const j = (await ui.api('GET', '/api/v1/journeys')).body.data.find((x: any) => x.name === 'Welcome series');
    const get = async () => (await ui.api('GET', `/api/v1/journeys/${j.id}`)).body;
    expect((await get()).version).toBe(1);
    await go(`/journeys/${j.id}`);
    const node = p.getByTestId('node-email_2');
    await node.waitFor();
    const box = (await node.boundingBox())!;
    await p.mouse.move(box.x + box.width / 2, box.y + 12);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width / 2 + 160, box.y + 70, { steps: 10 });
    await p.mouse.up();
    await p.getByText('unsaved changes').waitFor();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await get()).definition.layout?.email_2).toBeTruthy();
    const saved = await get();
    expect(saved.version).toBe(1); // moving a node is not a structural change
    const at = saved.definition.layout.email_2;
    await p.reload();
    await expect.poll(() => p.locator('.react-flow__node[data-id="email_2"]').evaluate((el) => (el as HTMLElement).style.transform)).toBe(`translate(${at.x}px, ${at.y}px)`);

    // settings: re-entry and exit criteria are structural: a new version
    await p.getByRole('button', { name: 'Settings', exact: true }).click();
    await p.getByLabel('Re-entry').selectOption('after_exit');
    await p.getByLabel('Contacts matching these conditions leave the journey').check();
    await p.getByRole('button', { name: '+ Add condition…' }).click();
    await p.getByRole('menuitem', { name: 'Purchase' }).click();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await get()).version).toBe(2);
    expect((await get()).definition.exit_criteria).toBeTruthy();
    await p.getByRole('button', { name: 'Versions', exact: true }).click();
    const versions = p.getByTestId('versions');
    await expect.poll(() => versions.locator('tbody tr').count()).toBe(2);
    await versions.locator('tr', { hasText: 'v2' }).getByText('current').waitFor();
    expect(await versions.locator('tr', { hasText: 'v1' }).locator('td').nth(3).textContent()).toBe('1'); // Nina entered v1

    // v1 drawn read-only: its steps, no builder buttons nor side panel, nothing moves
    await p.getByRole('button', { name: 'View v1' }).click();
    const view = p.getByTestId('version-view');
    await p.getByRole('heading', { name: 'Version 1 (read-only)' }).waitFor();
    for (const s of ['trigger', 'email_1', 'wait_1', 'email_2']) await view.getByTestId(`node-${s}`).waitFor();
    await expect.poll(() => view.locator('.react-flow__edge').count(), { timeout: 15_000 }).toBe(3);
    expect(await view.getByText('with exit criteria').count()).toBe(0); // v2 added them
    expect(await view.locator('.react-flow__node.draggable').count()).toBe(0);
    expect(await view.getByRole('button', { name: '+ Email' }).count()).toBe(0);
    const v1node = view.locator('.react-flow__node[data-id="email_2"]');
    const before = await v1node.evaluate((el) => (el as HTMLElement).style.transform);
    const vbox = (await v1node.boundingBox())!;
    await p.mouse.move(vbox.x + vbox.width / 2, vbox.y + 12);
    await p.mouse.down();
    await p.mouse.move(vbox.x + vbox.width / 2 + 120, vbox.y + 60, { steps: 5 });
    await p.mouse.up();
    await p.mouse.click(vbox.x + vbox.width / 2, vbox.y + vbox.height / 2); // nodes take no clicks: nothing to select or edit
    expect(await v1node.evaluate((el) => (el as HTMLElement).style.transform)).toBe(before);
    expect(await p.getByText('Nothing selected').count()).toBe(0);
    expect(await p.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(await p.getByText('unsaved changes').count()).toBe(0);
    expect((await get()).version).toBe(2);
  });

  it('lists activation problems, each with a resolve link that selects the faulty step (J-16)', async () => {
    screenshotOnFailure(page, 'journey-problems');
    const p = ui.page;
    const j = await ui.api('POST', '/api/v1/journeys', { name: 'Broken', definition: { trigger: { type: 'manual' }, start: 'e1', steps: [{ id: 'e1', type: 'email', message_id: 999999, next: null }], settings: { timezone: 'Mars/Base', reentry: 'never', window: null } } });
    expect(j.status).toBe(201);
    await go(`/journeys/${j.body.id}`);
    const problems = p.getByTestId('problems');
    await problems.getByText(/no email message 999999/).waitFor();
    await problems.locator('li', { hasText: 'no email message' }).getByRole('button', { name: 'resolve' }).click();
    await p.getByRole('heading', { name: 'Step e1' }).waitFor();
    await problems.locator('li', { hasText: 'time zone' }).getByRole('button', { name: 'resolve' }).click();
    await p.getByLabel('Journey time zone').waitFor();
    expect(await p.getByLabel('Journey time zone').inputValue()).toBe('Mars/Base');
  });

  it('adds a language version to a message and previews it as a contact of that language (M-1)', async () => {
    screenshotOnFailure(page, 'message-languages');
    const p = ui.page;
    const lea = (await ui.api('GET', '/api/v1/contacts?q=lea@')).body.data[0];
    await ui.api('PATCH', `/api/v1/contacts/${lea.id}`, { language: 'fr' });
    const m = (await ui.api('GET', '/api/v1/messages')).body.data.find((x: any) => x.name === 'Bienvenue');
    await go(`/messages/${m.id}`);
    await p.getByLabel('New language code').fill('fr');
    await p.getByRole('button', { name: '+ Add version' }).click();
    await p.getByLabel('Subject').fill('Bienvenue en français, {{ contact.first_name }}');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText(/Saved as version/).waitFor();
    const saved = (await ui.api('GET', `/api/v1/messages/${m.id}`)).body;
    expect(saved.content.languages.fr.subject).toBe('Bienvenue en français, {{ contact.first_name }}');
    await p.getByLabel('Preview as').selectOption({ label: 'Léa Roy' });
    await expect.poll(() => p.getByTestId('preview-subject').textContent()).toBe('Bienvenue en français, Léa');
    expect(await p.getByTestId('preview-language').textContent()).toBe('fr');
    // a Liquid error in the fr version is shown on the fr version's field
    await p.getByRole('button', { name: 'Default', exact: true }).click();
    await p.getByLabel('Subject').fill('Bienvenue {{ contact.first_name }}');
    await p.getByRole('button', { name: 'fr', exact: true }).click();
    await p.getByLabel('HTML body').fill('<p>{% if x %}</p>');
    await p.getByRole('button', { name: 'Default', exact: true }).click();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.locator('.field.has-error .field-error').getByText(/not closed/).waitFor();
    expect(await p.getByLabel('HTML body').inputValue()).toBe('<p>{% if x %}</p>');
    await p.getByRole('button', { name: 'Delete fr version' }).click();
    await p.getByRole('alertdialog').getByRole('button', { name: 'Delete fr version' }).click();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await ui.api('GET', `/api/v1/messages/${m.id}`)).body.content.languages?.fr).toBeUndefined();
  });

  it('resends a past message from the contact record (C-6)', async () => {
    screenshotOnFailure(page, 'contact-resend');
    const p = ui.page;
    const nina = (await ui.api('GET', '/api/v1/contacts?q=nina@')).body.data[0];
    await go(`/contacts/${nina.id}`);
    const rows = p.getByTestId('deliveries').locator('tbody tr');
    await rows.first().waitFor();
    const before = await rows.count();
    await rows.first().getByRole('button', { name: 'Resend' }).click();
    await p.getByRole('alertdialog').getByRole('button', { name: 'Resend' }).click();
    await p.getByTestId('resent').getByText(/nina@example.com/).waitFor();
    await expect.poll(() => rows.count()).toBe(before + 1);
  });

  it('manages webhooks, engagement thresholds and the usual delivery window in the settings (P-4, S-3, M-4)', async () => {
    screenshotOnFailure(page, 'settings');
    const p = ui.page;
    await go('/settings');
    await p.getByRole('button', { name: 'Webhooks' }).click();
    await p.getByText('No webhook').waitFor();
    await p.getByLabel('URL').fill('not a url');
    await p.getByRole('button', { name: 'Subscribe' }).click();
    await p.locator('.field.has-error').first().waitFor();
    await p.getByLabel('URL').fill('https://hooks.example.com/parcours');
    // a custom event nothing here emits: the other tests' events would otherwise be delivered
    // to it before 'Nothing sent yet' is read (this test failed once that way)
    await p.getByLabel('Event types').fill('never.emitted');
    await p.getByRole('button', { name: 'Subscribe' }).click();
    await p.getByTestId('webhook-secret').getByText(/whsec_/).waitFor();
    await p.getByTestId('webhooks').getByText('https://hooks.example.com/parcours').waitFor();
    await p.getByRole('button', { name: 'Deliveries' }).click();
    await p.getByText('Nothing sent yet').waitFor();
    await p.getByRole('button', { name: 'Delete' }).click();
    await p.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
    await p.getByText('No webhook').waitFor();

    await p.getByRole('button', { name: 'Engagement' }).click();
    await p.getByLabel('Window (days)').fill('60');
    await p.getByRole('button', { name: 'Save thresholds' }).click();
    await p.getByText(/Saved: the next recomputation/).waitFor();
    expect((await ui.api('GET', '/api/v1/engagement')).body.settings.window_days).toBe(60);

    await p.getByRole('button', { name: 'Delivery windows' }).click();
    await p.getByLabel('Window time zone').fill('Nowhere/Land');
    await p.getByRole('button', { name: 'Save window' }).click();
    await p.locator('.field.has-error').getByText(/IANA/).waitFor();
    await p.getByLabel('Window time zone').fill('Europe/Paris');
    await p.getByRole('button', { name: 'Save window' }).click();
    await p.getByText('Saved.').waitFor();
    expect((await ui.api('GET', '/api/v1/workspace')).body.settings.default_window.timezone).toBe('Europe/Paris');
  });
});
