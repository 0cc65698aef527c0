import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 17 (C-2) in the import screens: the separator chosen at upload or after it, a tags
 * column, and a custom field created from the mapping screen. Embedded database only, as ui.test.ts.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('import screens: separator, tags column, new field (C-2)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('re-reads a file with the chosen separator, maps tags and creates a field while mapping', async () => {
    screenshotOnFailure(() => ui?.page, 'import-formats');
    const p = ui.page;
    await logIn(ui);
    await p.goto(ui.url + '/imports/new');
    // chosen wrong on purpose: one column, then read again as semicolons from the mapping step
    await p.getByLabel('Separator').selectOption('comma');
    const csv = 'Email;Prénom;Points;Étiquettes\nzoe@example.com;Zoé;12;vip, lyon\n';
    await p.getByLabel('CSV file').setInputFiles({ name: 'fr.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await p.getByTestId('mapping').waitFor();
    await expect.poll(() => p.getByTestId('mapping').locator('tbody tr').count()).toBe(1);
    await p.getByLabel('Separator').selectOption('semicolon');
    await p.getByLabel('Map Prénom').waitFor();
    expect(await p.getByTestId('separator').textContent()).toContain('semicolon');
    expect(await p.getByLabel('Map Email').inputValue()).toBe('email');
    expect(await p.getByLabel('Map Étiquettes').inputValue()).toBe('tags');
    await p.getByLabel('Map Points').selectOption('+new');
    expect(await p.getByLabel('New field key for Points').inputValue()).toBe('points');
    await p.getByLabel('New field type for Points').selectOption('number');
    await p.getByRole('button', { name: 'Start import' }).click();
    await p.getByText('done', { exact: true }).waitFor({ timeout: 20_000 });

    const fields = (await ui.api('GET', '/api/v1/fields')).body.data;
    expect(fields.map((f: any) => [f.key, f.type])).toEqual([['points', 'number']]);
    const [zoe] = (await ui.api('GET', '/api/v1/contacts?q=zoe')).body.data;
    const got = (await ui.api('GET', `/api/v1/contacts/${zoe.id}`)).body;
    expect(got).toMatchObject({ first_name: 'Zoé', fields: { points: 12 } });
    expect(got.tags.sort()).toEqual(['lyon', 'vip']);
  });
});
