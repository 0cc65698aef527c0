import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui, pageWidth } from './browser.ts';

/**
 * Issue 19 in Debian's chromium, the segment editor (S-1, S-4, P-2): a fresh condition shows no
 * error and asks for no count until it is complete; a field change keeps an operator the new field
 * supports, and a new segment's save says so; tags are suggested from the workspace's tags; the arrow keys move in the
 * "+ Add condition…" menu without adding; the segments list and a segment page fit 390 px.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('the segment editor in a real browser (S-1, S-4, P-2)', () => {
  let ui: Ui;
  const page = () => ui?.page;
  const go = (path: string) => ui.page.goto(ui.url + path);
  /** The bodies of the live-count requests, to see when the editor asks for one. */
  const counts: string[] = [];

  beforeAll(async () => {
    ui = await startUi();
    await ui.api('POST', '/api/v1/fields', { key: 'city', type: 'text' });
    const cities = ['Lyon', 'Lyon', 'Paris', 'Villeurbanne-lès-Lyon', 'Nantes', 'Lille'];
    for (const [i, city] of cities.entries()) {
      const r = await ui.api('POST', '/api/v1/contacts', { email: `client${i}@example.com`, fields: { city } });
      expect(r.status).toBe(201);
    }
    const ids = (await ui.api('GET', '/api/v1/contacts?limit=10')).body.data.map((c: any) => c.id);
    await ui.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['vip'], contact_ids: ids.slice(0, 1) });
    await ui.api('POST', '/api/v1/contacts/bulk', { action: 'tag', tags: ['spring-2027'], contact_ids: ids.slice(0, 4) });
    await logIn(ui);
    ui.page.on('request', (r) => { if (r.url().endsWith('/api/v1/segments/count')) counts.push(r.postData() ?? ''); });
  }, 120_000);
  afterAll(async () => ui?.close());

  /** A new segment's page, once its live count shows every contact (no condition yet); answers that count. */
  async function newSegment() {
    await go('/segments/new');
    const live = ui.page.getByTestId('live-count');
    await expect.poll(() => live.textContent()).toBe('6');
    return live;
  }

  it('a fresh condition: no error, no count request until complete; existing tags suggested; one request per word', async () => {
    screenshotOnFailure(page, 'segment-editor-fresh');
    const p = ui.page;
    const live = await newSegment();
    const conditions = p.getByTestId('condition');
    const addButton = p.getByRole('button', { name: '+ Add condition…' });

    const fresh = [['Tag', 'Tag', 'Type or choose a tag.'], ['Field', 'Value', 'Give a value to compare with.'], ['Custom event', 'Event name', 'Type the event name.']];
    for (const [type, input, missing] of fresh) {
      counts.length = 0;
      await addButton.click();
      await p.getByRole('menuitem', { name: type, exact: true }).click();
      await expect.poll(() => conditions.count()).toBe(1);
      await p.waitForTimeout(800); // longer than the count's debounce
      expect(counts, type).toEqual([]);
      expect(await p.locator('.field-error').count(), type).toBe(0);
      expect(await live.textContent()).toBe('—');
      await p.getByText('Complete the conditions to count.').waitFor();
      // leaving the incomplete condition says what it lacks, in words
      await p.getByLabel(input, { exact: true }).click();
      expect(await p.locator('.field-error').count(), type).toBe(0);
      await p.getByLabel('Name', { exact: true }).click();
      await p.locator('.field-error').getByText(missing).waitFor();
      await p.getByRole('button', { name: 'Remove condition' }).click();
      await expect.poll(() => conditions.count()).toBe(0);
    }

    counts.length = 0;
    await addButton.click();
    await p.getByRole('menuitem', { name: 'Tag' }).click();
    const suggestions = await p.getByTestId('tag-suggestions').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(suggestions).toEqual(['spring-2027', 'vip']);
    await p.getByLabel('Tag', { exact: true }).pressSequentially('spring-2027', { delay: 30 });
    await expect.poll(() => live.textContent()).toBe('4');
    expect(counts.length).toBe(1); // debounced: one request for the whole word
    expect(JSON.parse(counts[0]).criteria).toEqual({ all: [{ type: 'tag', op: 'has', tag: 'spring-2027' }] });
    expect(await p.locator('.field-error').count()).toBe(0);
  });

  it('email "contains" becomes city "contains" with its value; a date field says why the operator changed', async () => {
    screenshotOnFailure(page, 'segment-editor-field');
    const p = ui.page;
    const live = await newSegment();
    await p.getByRole('button', { name: '+ Add condition…' }).click();
    await p.getByRole('menuitem', { name: 'Field' }).click();
    expect(await p.getByLabel('Field operator').inputValue()).toBe('contains');
    await p.getByLabel('Value').fill('lyon');
    await p.getByLabel('Field', { exact: true }).selectOption('city');
    expect(await p.getByLabel('Field operator').inputValue()).toBe('contains');
    expect(await p.getByLabel('Value').inputValue()).toBe('lyon');
    await expect.poll(() => live.textContent()).toBe('3'); // Lyon, Lyon, Villeurbanne-lès-Lyon
    expect(await p.locator('.cond [role=status]').count()).toBe(0); // nothing changed, nothing to explain
    await p.getByLabel('Field', { exact: true }).selectOption('birthday');
    expect(await p.getByLabel('Field operator').inputValue()).toBe('eq');
    await p.getByText('“contains” does not apply to a date field: the operator is now “is”.').waitFor();
    expect(await p.locator('.field-error').count()).toBe(0);

    // saved, the segment reopens as built
    await p.getByLabel('Field', { exact: true }).selectOption('city');
    await p.getByLabel('Field operator').selectOption('contains');
    await p.getByLabel('Value').fill('lyon');
    await expect.poll(() => live.textContent()).toBe('3'); // as the marketer sees it counted
    await p.getByLabel('Name', { exact: true }).fill('Around Lyon');
    await p.getByRole('button', { name: 'Save segment' }).click();
    await p.getByText('Saved.').waitFor();
    await p.waitForURL(/\/segments\/\d+$/);
    await p.reload();
    await expect.poll(() => p.getByLabel('Value').inputValue()).toBe('lyon');
    expect(await p.getByLabel('Field', { exact: true }).inputValue()).toBe('city');
    expect(await p.getByLabel('Field operator').inputValue()).toBe('contains');
    await expect.poll(() => live.textContent()).toBe('3');
  });

  it('the keyboard: ↓ opens the menu and moves in it, Escape closes it, only Enter adds one condition', async () => {
    screenshotOnFailure(page, 'segment-editor-keyboard');
    const p = ui.page;
    await go('/segments/new');
    const conditions = p.getByTestId('condition');
    const addButton = p.getByRole('button', { name: '+ Add condition…' });
    await addButton.waitFor();
    await addButton.focus();
    await p.keyboard.press('ArrowDown');
    const menu = p.getByRole('menu', { name: 'Condition types' });
    await menu.waitFor();
    const focused = () => p.evaluate(() => document.activeElement?.textContent);
    expect(await focused()).toBe('List membership');
    for (let i = 0; i < 3; i++) await p.keyboard.press('ArrowDown');
    expect(await focused()).toBe('Consent');
    await p.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Tag');
    expect(await conditions.count()).toBe(0);
    await p.keyboard.press('Escape');
    expect(await menu.count()).toBe(0);
    expect(await focused()).toBe('+ Add condition…');
    expect(await conditions.count()).toBe(0);
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    await expect.poll(() => conditions.count()).toBe(1);
    await conditions.first().getByText('Field').waitFor();
    expect(await menu.count()).toBe(0);
  });

  it('at 390 px the segments list and a segment page do not scroll sideways', async () => {
    screenshotOnFailure(page, 'segment-editor-390');
    const p = ui.page;
    await p.setViewportSize({ width: 390, height: 800 });
    const made = await ui.api('POST', '/api/v1/segments', { name: 'Lyon area', criteria: { all: [{ type: 'field', field: 'city', op: 'contains', value: 'lyon' }] } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    try {
      await go('/segments');
      await p.getByTestId('segments-table').getByRole('link', { name: 'Lyon area' }).waitFor();
      expect(await pageWidth(ui.page)).toBeLessThanOrEqual(390);
      await p.getByTestId('segments-table').getByRole('link', { name: 'Lyon area' }).click();
      await expect.poll(() => p.getByTestId('live-count').textContent()).toBe('3');
      await p.getByRole('button', { name: '+ Add condition…' }).click();
      await p.getByRole('menuitem', { name: 'Email activity' }).click();
      expect(await pageWidth(ui.page)).toBeLessThanOrEqual(390);
    } finally {
      await p.setViewportSize({ width: 1400, height: 900 });
    }
  });
});
