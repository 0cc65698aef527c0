import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/index.ts';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 19 in Debian's chromium: contacts at volume (count, sort, select all matching, bulk
 * actions done by the server), a readable timeline, and the segment editor's fresh conditions,
 * field changes, tag suggestions and keyboard use (C-1, C-3, S-1, S-4, P-2).
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('contacts at volume and the segment editor in a real browser (P-2)', () => {
  let ui: Ui;
  let ws = 0;
  const page = () => ui?.page;
  const go = (path: string) => ui.page.goto(ui.url + path);
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

    // 390 px wide: the page does not scroll sideways; the table scrolls in its box
    await p.setViewportSize({ width: 390, height: 800 });
    await go('/contacts');
    await p.getByTestId('contacts-table').waitFor();
    const overflow = await p.evaluate(() => {
      const card = document.querySelector('[data-testid="contacts-table"]')!.closest('.card') as HTMLElement;
      return card.scrollWidth - card.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await p.setViewportSize({ width: 1400, height: 900 });
  });

  it('segment editor: no error or count request for a fresh condition, keeps the operator, suggests tags, ignores ↓ on Add', async () => {
    screenshotOnFailure(page, 'segment-editor-issue-19');
    const p = ui.page;
    await p.setViewportSize({ width: 1400, height: 900 });
    const counts: string[] = [];
    p.on('request', (r) => { if (r.url().endsWith('/api/v1/segments/count')) counts.push(r.postData() ?? ''); });
    await go('/segments/new');
    const live = p.getByTestId('live-count');
    await expect.poll(() => live.textContent()).toBe('1,080');
    const conditions = p.getByTestId('condition');
    const addButton = p.getByRole('button', { name: '+ Add condition…' });

    // a fresh tag condition: no error, no request, until it is complete
    counts.length = 0;
    await addButton.click();
    await p.getByRole('menuitem', { name: 'Tag' }).click();
    await expect.poll(() => conditions.count()).toBe(1);
    await p.waitForTimeout(800);
    expect(counts).toEqual([]);
    expect(await p.locator('.field-error').count()).toBe(0);
    expect(await live.textContent()).toBe('—');
    // existing tags are suggested
    const suggestions = await p.getByTestId('tag-suggestions').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(suggestions).toEqual(['spring-2027', 'vip']);
    await p.getByLabel('Tag', { exact: true }).fill('vip');
    await expect.poll(() => live.textContent()).toBe('1');
    expect(counts.length).toBe(1); // debounced: one request for the whole word

    // leaving an incomplete condition says what it lacks, in words
    await p.getByLabel('Tag', { exact: true }).fill('');
    await p.getByLabel('Name').click();
    await p.locator('.field-error').getByText('Type or choose a tag.').waitFor();
    await p.getByRole('button', { name: 'Remove condition' }).click();

    // field email "contains" → city keeps "contains"; → birthday says why it changed
    await addButton.click();
    await p.getByRole('menuitem', { name: 'Field' }).click();
    expect(await p.getByLabel('Field operator').inputValue()).toBe('contains');
    await p.getByLabel('Value').fill('lyon');
    await p.getByLabel('Field', { exact: true }).selectOption('city');
    expect(await p.getByLabel('Field operator').inputValue()).toBe('contains');
    expect(await p.getByLabel('Value').inputValue()).toBe('lyon');
    await p.getByLabel('Field', { exact: true }).selectOption('birthday');
    expect(await p.getByLabel('Field operator').inputValue()).toBe('eq');
    await p.getByText('“contains” does not apply to a date field: the operator is now “is”.').waitFor();
    await p.getByRole('button', { name: 'Remove condition' }).click();

    // the keyboard: ↓ opens the menu and moves in it; only Enter adds one condition
    await expect.poll(() => conditions.count()).toBe(0);
    await addButton.focus();
    for (let i = 0; i < 4; i++) await p.keyboard.press('ArrowDown');
    expect(await conditions.count()).toBe(0);
    await p.keyboard.press('Escape');
    expect(await conditions.count()).toBe(0);
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    await expect.poll(() => conditions.count()).toBe(1);
    await conditions.first().getByText('Field').waitFor();
  });
});
