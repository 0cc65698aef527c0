import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 19 (M-1, M-7): a message built from a gallery template opens in the visual editor
 * (GrapesJS + grapesjs-mjml) with the template's content, and a block dragged from the panel
 * with the mouse lands in the canvas. The longer scenario (field, image upload, undo, preview,
 * test send, reopen) is in commit e17b428 and does not pass yet: see issue 19's note.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;

/** Drags a block from the editor's block panel and drops it just below `target` (in the canvas), with real mouse moves. */
async function dragBlock(p: Page, label: string, target: Locator) {
  const block = p.locator('.visual-editor .gjs-block', { hasText: new RegExp(`^\\s*${label}\\s*$`) });
  await target.scrollIntoViewIfNeeded();
  const t = (await target.boundingBox())!;
  await block.hover();
  await p.mouse.down();
  await p.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 12 });
  await p.mouse.move(t.x + t.width / 2, t.y + t.height - 3, { steps: 6 });
  await p.mouse.up();
}

describe.runIf(HAS_CHROMIUM && EMBEDDED)('visual email editor (issue 19, M-1)', () => {
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi();
  }, 180_000);
  afterAll(async () => ui?.close());

  it('opens a template-built email in the visual editor and drops a Text block on its canvas with the mouse', async () => {
    screenshotOnFailure(() => ui?.page, 'visual-editor');
    const p = ui.page;
    await p.setViewportSize({ width: 1400, height: 1500 });
    const problems: string[] = [];
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // nothing is fetched from elsewhere (telemetry, web fonts, placeholder images): the page's policy would refuse it
    p.on('console', (m) => { if (/Content Security Policy/.test(m.text())) problems.push(m.text()); });
    p.on('request', (r) => { if (!r.url().startsWith(ui.url) && !/^(data|blob|about):/.test(r.url()) && !r.url().startsWith('http://parcours.test/media/')) problems.push(`request to ${r.url()}`); });

    const ana = await ui.api('POST', '/api/v1/contacts', { email: 'ana@example.com', first_name: 'Ana' });
    expect(ana.status, JSON.stringify(ana.body)).toBe(201);
    // a message made from the gallery's Welcome template (what "Use this template" posts)
    const template = (await ui.api('GET', '/api/v1/templates/welcome')).body;
    const m = await ui.api('POST', '/api/v1/messages', { name: 'Spring welcome', channel: 'email', content: template.content });
    expect(m.status, JSON.stringify(m.body)).toBe(201);
    await logIn(ui);
    await p.goto(`${ui.url}/messages/${m.body.id}`);
    await p.getByRole('button', { name: 'Visual' }).click();
    const frame: FrameLocator = p.frameLocator('.visual-editor iframe.gjs-frame');
    const intro = frame.getByText('Thank you for signing up', { exact: false });
    await intro.waitFor({ timeout: 30_000 });

    // a Text block dropped below the introduction lands in the canvas
    await dragBlock(p, 'Text', intro);
    const written = frame.getByText('Insert text here');
    await written.waitFor();
    expect(problems).toEqual([]);
  }, 240_000);
});
