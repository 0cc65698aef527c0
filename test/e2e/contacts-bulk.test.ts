import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/index.ts';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui, pageWidth } from './browser.ts';

/**
 * Issue 19 in Debian's chromium: contacts at volume (count, sort, pages, select all matching or
 * 1,000 picked on pages, bulk actions done by the server in one request), a readable timeline,
 * and both pages at 390 px (C-1, C-3, P-2). The segment editor is in segment-editor.test.ts.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('contacts at volume and the segment editor in a real browser (P-2)', () => {
  let ui: Ui;
  let ws = 0;
  const page = () => ui?.page;
  const go = (path: string) => ui.page.goto(ui.url + path);
  /** How wide the page is laid out: more than the viewport means it scrolls sideways. */
  const bulkRequests: string[] = [];
  const events = async (type: string, key: string, value: string | number) =>
    (await ui.t.app.ctx.db.query<{ n: number }>(sql`
      select count(*)::int as n from events where workspace_id = ${ws} and type = ${type} and data ->> ${key} = ${String(value)}`)).rows[0].n;

  beforeAll(async () => {
    ui = await startUi();
    const db = ui.t.app.ctx.db;
    ws = Number((await db.query<{ id: number }>(sql`select id from workspaces where name = 'Maison Lumière'`)).rows[0].id);
    const now = ui.t.app.ctx.clock.now();
    // 1,050 "spring" contacts and 30 others, created a second apart
    await db.query(sql`
      insert into contacts (workspace_id, key, email, first_name, created_at, updated_at)
      select ${ws}, k, k, 'Client ' || i, ${now}::timestamptz - i * interval '1 second', ${now}
        from (select i, (case when i <= 1050 then 'spring' else 'autumn' end) || lpad(i::text, 4, '0') || '@example.com' as k
                from generate_series(1, 1080) i) x`);
    const first = (await ui.api('GET', '/api/v1/contacts?limit=1&q=autumn1080')).body.data[0];
    await ui.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['vip'], contact_ids: [first.id] });
    await ui.api('POST', '/api/v1/lists', { name: 'Spring sale' });
    await ui.api('POST', '/api/v1/fields', { key: 'city', type: 'text' });
    await logIn(ui);
    ui.page.on('request', (r) => { if (r.url().endsWith('/api/v1/contacts/bulk')) bulkRequests.push(r.postData() ?? ''); });
  }, 120_000);
  afterAll(async () => ui?.close());

  it('counts, sorts, selects all contacts matching a search and tags then lists them in one server request each', async () => {
    screenshotOnFailure(page, 'contacts-bulk');
    const p = ui.page;
    await go('/contacts');
    const count = p.getByTestId('contacts-count');
    await expect.poll(() => count.textContent()).toBe('1–25 of 1,080 contacts');
    const firstEmail = () => p.getByTestId('contacts-table').locator('tbody tr').first().locator('td').nth(2).textContent();
    expect(await firstEmail()).toBe('spring0001@example.com'); // newest first
    await p.getByLabel('Sort contacts').selectOption('email');
    await expect.poll(firstEmail).toBe('autumn1051@example.com');
    await p.getByRole('button', { name: /^Email/ }).click(); // Z–A
    await expect.poll(firstEmail).toBe('spring1050@example.com');
    await p.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => count.textContent()).toBe('26–50 of 1,080 contacts');

    await p.getByLabel('Search contacts').fill('spring');
    await expect.poll(() => count.textContent()).toBe('1–25 of 1,050 contacts');
    await p.getByLabel('Select the contacts on this page').check();
    await p.getByRole('button', { name: 'Select all 1,050 matching contacts' }).click();
    const bar = p.getByTestId('bulk-bar');
    await bar.getByText('all 1,050 matching contacts').waitFor();
    await bar.getByLabel('Bulk tag').fill('spring-2027');
    await bar.getByRole('button', { name: 'Apply…' }).click();
    const confirm = p.getByRole('alertdialog', { name: 'Confirm bulk action' });
    await confirm.getByText('Add the tag “spring-2027” to all 1,050 matching contacts?').waitFor();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await p.getByRole('status').getByText(/^1,050 changes: 1,050 contacts tagged/).waitFor();
    const tags = (await ui.api('GET', '/api/v1/tags')).body.data;
    expect(tags.find((t: any) => t.tag === 'spring-2027')?.contact_count).toBe(1050);
    expect(await events('tag.added', 'tag', 'spring-2027')).toBe(1050);

    await p.getByLabel('Filter by tag').selectOption('spring-2027');
    await expect.poll(() => count.textContent()).toBe('1–25 of 1,050 contacts');
    await p.getByLabel('Select the contacts on this page').check();
    await p.getByRole('button', { name: 'Select all 1,050 matching contacts' }).click();
    await bar.getByLabel('Bulk action').selectOption('add_to_list');
    await bar.getByLabel('Bulk list').selectOption({ label: 'Spring sale' });
    await bar.getByRole('button', { name: 'Apply…' }).click();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await p.getByRole('status').getByText(/^1,050 changes: 1,050 contacts added to the list/).waitFor();
    const list = (await ui.api('GET', '/api/v1/lists')).body.data.find((l: any) => l.name === 'Spring sale');
    expect(list.member_count).toBe(1050);
    expect(await events('list.joined', 'list_id', list.id)).toBe(1050);

    // the contact's timeline tells it in words, with the list's name
    await p.getByTestId('contacts-table').locator('tbody tr').first().getByRole('link').click();
    const timeline = p.getByTestId('timeline');
    await timeline.getByText('Joined the list “Spring sale” by hand').waitFor();
    await timeline.getByText('Was tagged “spring-2027”').waitFor();
    expect(await timeline.textContent()).not.toContain('list_id');

    // 390 px wide: the list and the contact record do not scroll sideways; the table scrolls in its box
    await p.setViewportSize({ width: 390, height: 800 });
    await go('/contacts');
    await p.getByTestId('contacts-table').waitFor();
    expect(await pageWidth(ui.page)).toBeLessThanOrEqual(390);
    await p.getByTestId('contacts-table').locator('tbody tr').first().getByRole('link').click();
    await p.getByTestId('timeline').getByText('Joined the list “Spring sale” by hand').waitFor();
    expect(await pageWidth(ui.page)).toBeLessThanOrEqual(390);
    await p.setViewportSize({ width: 1400, height: 900 });
  });

  it('a bulk action on 1,000 contacts picked on four pages of 250, then a delete of two, each in one request', async () => {
    screenshotOnFailure(page, 'contacts-bulk-1000');
    const p = ui.page;
    await go('/contacts');
    const count = p.getByTestId('contacts-count');
    const pageNo = p.getByTestId('page-number');
    await p.getByLabel('Filter by list').selectOption({ label: 'Spring sale' });
    await expect.poll(() => count.textContent()).toBe('1–25 of 1,050 contacts');
    await p.getByLabel('Rows per page').selectOption('250');
    await expect.poll(() => count.textContent()).toBe('1–250 of 1,050 contacts');
    expect(await pageNo.textContent()).toBe('Page 1 of 5');
    const bar = p.getByTestId('bulk-bar');
    for (let i = 1; i <= 4; i++) {
      if (i > 1) {
        await p.getByRole('button', { name: 'Next' }).click();
        await expect.poll(() => count.textContent()).toBe(`${((i - 1) * 250 + 1).toLocaleString('en')}–${(i * 250).toLocaleString('en')} of 1,050 contacts`);
        expect(await pageNo.textContent()).toBe(`Page ${i} of 5`);
      }
      await p.getByLabel('Select the contacts on this page').check();
      await bar.getByText(`${(i * 250).toLocaleString('en')} selected contacts`).waitFor();
    }
    await p.getByRole('button', { name: 'First' }).click();
    await expect.poll(() => count.textContent()).toBe('1–250 of 1,050 contacts');
    expect(await p.getByLabel('Select the contacts on this page').isChecked()).toBe(true);
    await p.getByText('1,000 contacts are selected, all 250 on this page among them.').waitFor();

    bulkRequests.length = 0;
    await bar.getByLabel('Bulk action').selectOption('remove_from_list');
    await bar.getByLabel('Bulk list').selectOption({ label: 'Spring sale' });
    await bar.getByRole('button', { name: 'Apply…' }).click();
    const confirm = p.getByRole('alertdialog', { name: 'Confirm bulk action' });
    await confirm.getByText('Remove 1,000 selected contacts from the list “Spring sale”?').waitFor();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await p.getByRole('status').getByText(/^1,000 changes: 1,000 contacts removed from the list/).waitFor();
    expect(bulkRequests.length).toBe(1);
    expect(JSON.parse(bulkRequests[0]).contact_ids).toHaveLength(1000);
    const list = (await ui.api('GET', '/api/v1/lists')).body.data.find((l: any) => l.name === 'Spring sale');
    expect(list.member_count).toBe(50);
    expect(await events('list.left', 'list_id', list.id)).toBe(1000);
    await expect.poll(() => count.textContent()).toBe('1–50 of 50 contacts');
    expect(await bar.count()).toBe(0); // the selection is cleared

    // delete two picked by hand
    const rows = p.getByTestId('contacts-table').locator('tbody tr');
    const emails = [await rows.nth(0).locator('td').nth(2).textContent(), await rows.nth(1).locator('td').nth(2).textContent()];
    for (const r of [rows.nth(0), rows.nth(1)]) await r.getByRole('checkbox').check();
    await bar.getByText('2 selected contacts').waitFor();
    bulkRequests.length = 0;
    await bar.getByLabel('Bulk action').selectOption('delete');
    await bar.getByRole('button', { name: 'Apply…' }).click();
    await confirm.getByText('Delete 2 selected contacts? Their history stays in reports; this cannot be undone.').waitFor();
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await p.getByRole('status').getByText(/^2 changes: 2 contacts deleted\.$/).waitFor();
    expect(bulkRequests.length).toBe(1);
    await expect.poll(() => count.textContent()).toBe('1–48 of 48 contacts');
    for (const e of emails) expect((await ui.api('GET', `/api/v1/contacts?q=${e}`)).body.data).toEqual([]);
    expect((await ui.api('GET', '/api/v1/contacts?limit=1')).body.total).toBe(1078);
  });
});
