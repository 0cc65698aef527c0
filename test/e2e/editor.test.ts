import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';
import { startSmtpSink, type Sink } from '../smtp-sink.ts';

/**
 * Issue 19 (M-1, M-7): an email built from a gallery template in the visual editor (GrapesJS +
 * grapesjs-mjml) by dragging blocks onto its canvas with the mouse, a field inserted from the
 * field picker, an image uploaded through the editor's image picker, undo with Ctrl+Z, the
 * unsaved draft previewed as a contact, a test send received by a real SMTP server, the message
 * reopened as it was built, and saved as a template of the workspace.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Drags a block from the editor's block panel and drops it just below `target` (in the canvas), with real mouse moves. */
async function dragBlock(p: Page, label: string, target: Locator) {
  const block = p.locator('.visual-editor .gjs-block', { hasText: new RegExp(`^\\s*${label}\\s*$`) });
  await target.scrollIntoViewIfNeeded();
  const t = (await target.boundingBox())!;
  await block.hover();
  await p.mouse.down();
  await p.mouse.move(t.x + t.width / 2, t.y + t.height / 2, { steps: 12 });
  await p.mouse.move(t.x + t.width / 2, t.y + t.height - 3, { steps: 6 });
  await p.waitForTimeout(150); // the editor shows where the block will land, as a person would wait to see
  await p.mouse.up();
}

describe.runIf(HAS_CHROMIUM && EMBEDDED)('visual email editor (issue 19, M-1)', () => {
  let ui: Ui;
  let sink: Sink;
  beforeAll(async () => {
    sink = await startSmtpSink();
    ui = await startUi({ SMTP_URL: sink.url });
  }, 180_000);
  afterAll(async () => {
    await ui?.close();
    await sink?.close();
  });

  it('builds an email from a template by drag and drop, with a field, an uploaded image and undo; previews the draft as a contact, sends a test, reopens it as built', async () => {
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

    // a Text block dropped below the introduction opens for writing: the text, then a field from the picker
    await dragBlock(p, 'Text', intro);
    const written = frame.getByText('Insert text here');
    await written.waitFor();
    await written.dblclick();
    // as a person would: start typing once the text is open for writing (its toolbar shows)
    await frame.locator('[contenteditable="true"]').waitFor();
    await p.locator('.visual-editor .gjs-rte-toolbar').waitFor();
    await p.keyboard.press('Control+a');
    await p.keyboard.type('Our spring picks are in, ');
    await p.getByLabel('Insert a field').selectOption('{{ contact.first_name }}');
    await frame.getByText('Our spring picks are in, {{ contact.first_name }}').waitFor();

    // a Button below it
    await dragBlock(p, 'Button', frame.getByText('Our spring picks are in'));
    await frame.getByText('Button', { exact: true }).waitFor();
    // selected, it takes its link in the settings panel
    await frame.getByText('Button', { exact: true }).click();
    const link = p.locator('.visual-editor .gjs-trt-trait', { hasText: 'Link' }).locator('input');
    await link.fill('https://shop.example/spring');
    await link.press('Enter');

    // an Image: dropping it opens the image picker, where a file is uploaded to the library and chosen
    await dragBlock(p, 'Image', frame.getByText('Button', { exact: true }));
    const modal = p.locator('.gjs-mdl-container');
    await modal.waitFor();
    await modal.locator('input[type=file]').setInputFiles({ name: 'spring.png', mimeType: 'image/png', buffer: PNG });
    const asset = modal.locator('.gjs-am-asset', { hasText: 'spring' }).first();
    await asset.waitFor();
    await asset.dblclick();
    await modal.waitFor({ state: 'hidden' });
    // attached: the test's PUBLIC_URL (parcours.test) is not this server, so the image does not load here
    await frame.locator('img[src*="/media/"]').waitFor({ state: 'attached' });
    const library = (await ui.api('GET', '/api/v1/media')).body.data;
    expect(library.map((x: any) => x.filename)).toEqual([expect.stringContaining('spring')]);

    // undo: a Divider dropped, then Ctrl+Z takes it back
    const dividers = frame.locator('[data-gjs-type="mj-divider"]');
    const before = await dividers.count();
    await dragBlock(p, 'Divider', frame.getByText('Our spring picks are in'));
    await expect.poll(() => dividers.count()).toBe(before + 1);
    await p.locator('.visual-editor .ve-blocks').click({ position: { x: 5, y: 5 } }); // focus out of the canvas (the page's <main> takes it)
    await p.keyboard.press('Control+z');
    await expect.poll(() => dividers.count()).toBe(before);
    await frame.getByText('Button', { exact: true }).waitFor(); // the earlier blocks stay

    // the draft, not saved yet, previewed as Ana: the field is her name, the blocks are there
    expect((await ui.api('GET', `/api/v1/messages/${m.body.id}`)).body.version).toBe(1);
    await p.getByLabel('Preview as').selectOption({ label: 'Ana' });
    const preview = p.frameLocator('iframe[title="Email preview"]');
    await preview.getByText('Our spring picks are in, Ana').waitFor({ timeout: 15_000 });
    await preview.locator('a[href="https://shop.example/spring"]', { hasText: /^\s*Button\s*$/ }).waitFor();
    await preview.locator('img[src*="/media/"]').waitFor({ state: 'attached' });
    await p.getByRole('button', { name: 'Mobile', exact: true }).last().click();
    await p.getByTestId('preview-mobile').waitFor();

    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText(/Saved as version 2/).waitFor();
    const saved = (await ui.api('GET', `/api/v1/messages/${m.body.id}`)).body;
    expect(saved.content.format).toBe('mjml');
    expect(saved.content.body).toContain('<mj-button');
    expect(saved.content.body).toMatch(/<mj-image[^>]*src="http:\/\/parcours\.test\/media\//);
    // a space typed before the field is a no-break space in a contenteditable
    expect(saved.content.body.replace(/\u00a0/g, ' ')).toContain('Our spring picks are in, {{ contact.first_name }}');
    expect(saved.content.body).not.toContain('<mj-divider');
    expect(saved.content.editor.kind).toBe('grapesjs');

    // a test send, as Ana, received by the SMTP server with the blocks in its HTML
    await p.getByLabel('To (emails, comma separated)').fill('marie@example.com');
    await p.getByRole('button', { name: 'Send test' }).click();
    await p.getByText(/Test sent to marie@example.com/).waitFor();
    await expect.poll(() => sink.received.length, { timeout: 15_000 }).toBe(1);
    const html = String(sink.received[0].parsed.html).replace(/&nbsp;|\u00a0/g, ' ');
    expect(sink.received[0].to).toEqual(['marie@example.com']);
    expect(html).toContain('Our spring picks are in, Ana');
    expect(html).toMatch(/<a\s[^>]*>\s*Button\s*<\/a>/);
    expect(html).toMatch(/<img\s[^>]*src="http:\/\/parcours\.test\/media\/[^"]+spring/);
    expect(html).toContain('Welcome aboard, Ana!');
    expect(html).not.toContain('Infinity');

    // saved as a template of the workspace, with its design
    await p.getByRole('button', { name: 'Save as template' }).click();
    await p.getByLabel('Template name').fill('Spring welcome (ours)');
    await p.getByRole('button', { name: 'Save template' }).click();
    await p.getByTestId('template-saved').waitFor();
    const own = (await ui.api('GET', '/api/v1/templates?channel=email')).body.data.find((x: any) => x.name === 'Spring welcome (ours)');
    expect(own?.kind).toBe('own');
    const kept = (await ui.api('GET', `/api/v1/templates/${own.id}`)).body;
    expect(kept.content.editor.kind).toBe('grapesjs');

    // reopened: the visual editor comes back by itself with the design as built
    await p.reload();
    const again = p.frameLocator('.visual-editor iframe.gjs-frame');
    await again.getByText('Our spring picks are in, {{ contact.first_name }}').waitFor({ timeout: 30_000 });
    await again.getByText('Button', { exact: true }).waitFor();
    await again.locator('img[src*="/media/"]').waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
  }, 240_000);
});
