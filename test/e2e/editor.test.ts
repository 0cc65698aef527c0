import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 19 (M-1): an email built in the visual editor by dragging blocks onto the GrapesJS
 * canvas, previewed as a contact before saving, saved, reopened as it was built.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

describe.runIf(HAS_CHROMIUM && EMBEDDED)('visual email editor (issue 19, M-1)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 120_000);
  afterAll(async () => ui?.close());

  it('builds an email by drag and drop, previews the unsaved draft as a contact, saves and reopens it', async () => {
    screenshotOnFailure(() => ui?.page, 'visual-editor');
    const p = ui.page;
    p.on('pageerror', (e) => console.error('PAGE ERROR', e.message, e.stack?.split('\n').slice(0, 3).join(' ')));
    const contact = await ui.api('POST', '/api/v1/contacts', { email: 'ana@example.com', first_name: 'Ana' });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    const m = await ui.api('POST', '/api/v1/messages', { name: 'Visual', channel: 'email', content: { subject: 'Hi', format: 'mjml', body: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{ contact.first_name }}</mj-text></mj-column></mj-section></mj-body></mjml>' } });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    await logIn(ui);
    await p.goto(`${ui.url}/messages/${m.body.id}`);
    await p.getByRole('button', { name: 'Visual' }).click();
    await p.getByTestId('visual-editor').waitFor();
    const frame = p.frameLocator('.visual-editor iframe.gjs-frame');
    const column = frame.locator('text=Hello').first();
    await column.waitFor({ timeout: 30_000 });
    // real drag and drop: the Button block onto the canvas, below the greeting
    const block = p.locator('.gjs-block', { hasText: 'Button' });
    const box = (await p.locator('.visual-editor iframe.gjs-frame').boundingBox())!;
    const target = (await column.boundingBox())!;
    await block.hover();
    await p.mouse.down();
    await p.mouse.move(box.x + box.width / 2, target.y + target.height - 2, { steps: 15 });
    await p.mouse.move(box.x + box.width / 2, target.y + target.height + 2, { steps: 5 });
    await p.mouse.up();
    await frame.locator('text=Button').first().waitFor();
    // preview the draft as the contact: the greeting's field is Ana's name, the button is there
    await p.getByLabel('Preview as').selectOption({ label: 'Ana' }).catch(async () => p.getByLabel('Preview as').selectOption({ index: 1 }));
    const preview = p.frameLocator('iframe[title="Email preview"]');
    await preview.locator('text=Hello Ana').waitFor({ timeout: 15_000 });
    await preview.locator('a', { hasText: 'Button' }).waitFor({ timeout: 15_000 });
    await p.getByRole('button', { name: 'Save' }).click();
    await p.getByText(/Saved as version/).waitFor();
    const saved = (await ui.api('GET', `/api/v1/messages/${m.body.id}`)).body;
    expect(saved.content.format).toBe('mjml');
    expect(saved.content.body).toContain('<mj-button');
    expect(saved.content.editor.kind).toBe('grapesjs');
    // reopened: the visual editor comes back with the button
    await p.reload();
    await p.frameLocator('.visual-editor iframe.gjs-frame').locator('text=Button').first().waitFor({ timeout: 30_000 });
  }, 120_000);
});
