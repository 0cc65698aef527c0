import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { BUILTIN } from '../../src/templates/index.ts';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui, pageWidth } from './browser.ts';

/**
 * Issue 19 (M-7): the template gallery in Chromium. Browse the built-in emails and SMS starters,
 * delete a workspace's own template, start a message from "welcome"; at a phone's 390 px the
 * gallery does not scroll sideways and every email template renders within the width.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;
const EMAILS = BUILTIN.filter((t) => t.channel === 'email');

/** The document's scrollWidth of the frame an iframe shows (a sandboxed one too). */
async function frameScrollWidth(page: Page, selector: string) {
  const frame = await (await page.locator(selector).elementHandle())!.contentFrame();
  return frame!.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
}

describe.runIf(HAS_CHROMIUM && EMBEDDED)('template gallery (issue 19, M-7)', () => {
  let ui: Ui;
  const dialogs: string[] = [];
  beforeAll(async () => {
    ui = await startUi();
    ui.page.on('dialog', (d) => void dialogs.push(d.message()));
    await logIn(ui);
  }, 120_000);
  afterAll(async () => ui?.close());

  it('shows the built-in email templates with previews, then the SMS starters', async () => {
    screenshotOnFailure(() => ui?.page, 'templates-gallery');
    const p = ui.page;
    await p.goto(`${ui.url}/messages`);
    await p.getByRole('button', { name: 'From a template' }).click();
    await p.getByRole('heading', { name: 'Templates', level: 1 }).waitFor();
    expect(await p.title()).toBe('Templates · Parcours');
    await expect.poll(() => p.getByRole('navigation').getByRole('link', { name: 'Messages' }).getAttribute('aria-current')).toBe('page');
    const gallery = p.getByTestId('template-gallery');
    const cards = gallery.getByTestId('template-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(EMAILS.length);
    expect(EMAILS.length).toBeGreaterThanOrEqual(12);
    for (const t of EMAILS) await gallery.getByRole('heading', { name: t.name, exact: true }).waitFor();
    // the welcome card's thumbnail: the server's rendering for the sample contact, sandboxed
    const thumb = gallery.locator('[data-template="welcome"] iframe');
    await thumb.waitFor();
    expect(await thumb.getAttribute('sandbox')).toBe('');
    expect(await thumb.getAttribute('srcdoc')).toContain('Maison Lumière');
    expect(await thumb.getAttribute('srcdoc')).not.toContain('{{');

    await p.getByRole('button', { name: 'SMS', exact: true }).click();
    await expect.poll(() => new URL(p.url()).search).toBe('?channel=sms');
    await gallery.getByRole('heading', { name: 'Opt-in welcome' }).waitFor();
    expect(await cards.count()).toBe(BUILTIN.filter((t) => t.channel === 'sms').length);
    await gallery.locator('[data-template="sms-reminder"] .tpl-sms-bubble').getByText(/^Maison Lumière: Hi Alex, .*Reply STOP to opt out$/).waitFor();
    expect(await gallery.getByRole('heading', { name: 'Welcome', exact: true }).count()).toBe(0);
  });

  it('deletes a template the workspace saved, after asking in the page', async () => {
    screenshotOnFailure(() => ui?.page, 'templates-delete');
    const p = ui.page;
    const saved = await ui.api('POST', '/api/v1/templates', { name: 'Our spring text', channel: 'sms', content: { text: 'Spring is here at {{ workspace.name }}. Reply STOP to opt out' } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    await p.goto(`${ui.url}/templates?channel=sms`);
    const own = p.getByTestId('own-templates').locator(`[data-template="${saved.body.id}"]`);
    await own.getByText('Spring is here at Maison Lumière. Reply STOP to opt out').waitFor();
    expect(await p.getByTestId('template-gallery').getByRole('button', { name: 'Delete' }).count()).toBe(0); // built-in ones cannot be
    await own.getByRole('button', { name: 'Delete' }).click();
    const confirm = p.getByRole('alertdialog');
    await confirm.getByText(/Delete the template Our spring text\?/).waitFor();
    await confirm.getByRole('button', { name: 'No, go back' }).click();
    expect((await ui.api('GET', `/api/v1/templates/${saved.body.id}`)).status).toBe(200);
    await own.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete template' }).click();
    await p.getByText('No saved SMS template yet').waitFor();
    expect((await ui.api('GET', `/api/v1/templates/${saved.body.id}`)).status).toBe(404);
    expect(dialogs).toEqual([]); // no window.confirm
  });

  it('starts a message from "welcome" and opens it with the template\'s content', async () => {
    screenshotOnFailure(() => ui?.page, 'templates-use');
    const p = ui.page;
    await p.goto(`${ui.url}/templates`);
    await p.locator('[data-template="welcome"]').getByRole('button', { name: 'Use this template' }).click();
    await p.waitForURL(/\/messages\/\d+$/);
    const id = Number(new URL(p.url()).pathname.split('/').pop());
    await expect.poll(() => p.getByLabel('Subject').inputValue()).toBe('Welcome to {{ workspace.name }}, {{ contact.first_name | default: "friend" }}');
    expect(await p.getByRole('textbox', { name: 'Name', exact: true }).inputValue()).toBe('Welcome');
    const tpl = (await ui.api('GET', '/api/v1/templates/welcome')).body;
    const m = (await ui.api('GET', `/api/v1/messages/${id}`)).body;
    expect(m).toMatchObject({ name: 'Welcome', channel: 'email' });
    expect(m.content).toMatchObject(tpl.content);
  });

  it('at 390 px: the gallery has no sideways scroll and every email template renders within the width', async () => {
    const p = await ui.browser.newPage({ viewport: { width: 390, height: 844 } });
    screenshotOnFailure(() => p, 'templates-390');
    p.setDefaultTimeout(10_000);
    await logIn(ui, p);
    await p.goto(`${ui.url}/templates`);
    const cards = p.getByTestId('template-gallery').getByTestId('template-card');
    await cards.first().waitFor();
    await p.locator('[data-template="welcome"] iframe').waitFor();
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    await p.locator('[data-template="receipt"]').scrollIntoViewIfNeeded();
    await p.locator('[data-template="receipt"] iframe').waitFor(); // loaded when scrolled to
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);

    for (const t of EMAILS) {
      await p.getByRole('button', { name: `Preview ${t.name}`, exact: true }).click();
      const dialog = p.getByRole('dialog', { name: `${t.name} template preview` });
      const frame = dialog.locator('iframe.tpl-full');
      await frame.waitFor();
      const width = await frame.evaluate((f) => f.clientWidth);
      expect(width, t.id).toBeLessThanOrEqual(390);
      expect(width, t.id).toBeGreaterThan(300);
      await p.frameLocator('dialog iframe.tpl-full').locator('table').first().waitFor();
      // the MJML stacks its columns: nothing in the email is wider than the phone's frame
      expect(await frameScrollWidth(p, 'dialog iframe.tpl-full'), t.id).toBeLessThanOrEqual(width);
      expect(await pageWidth(p), t.id).toBeLessThanOrEqual(390);
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'detached' });
    }
    await p.close();
  }, 120_000);
});
