import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { HAS_CHROMIUM, logIn, screenshotOnFailure, startUi, type Ui } from './browser.ts';

/**
 * Issue 19: every main page is usable on a phone, 390 × 844: nothing wider than the screen
 * (document scrollWidth ≤ 390), and the navigation opens from a Menu button. The workspace has
 * some of everything: contacts on a list, a segment, messages, a sent campaign with its report,
 * a draft campaign, an active journey, an import.
 */
const EMBEDDED = !process.env.TEST_DATABASE_URL && !process.env.DATABASE_URL;
if (!EMBEDDED) console.warn('e2e: the browser tests run on the embedded database only (PGlite pass)');

const WIDTH = 390;

/** What sticks out past the screen's right edge, to name it when the test fails. */
async function overflow(p: Page) {
  return p.evaluate((width) => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.right <= width + 0.5) continue;
      // only the outermost element that sticks out
      const parent = el.parentElement?.getBoundingClientRect();
      if (parent && parent.right > width + 0.5) continue;
      out.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} right=${Math.round(r.right)}`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 8) };
  }, WIDTH);
}

describe.runIf(HAS_CHROMIUM && EMBEDDED)('the UI at 390 px (issue 19)', () => {
  let ui: Ui;
  let phone: Page | undefined;
  const ids: Record<string, number> = {};

  const ok = async (method: string, url: string, body?: unknown) => {
    const r = await ui.api(method, url, body ?? (method === 'POST' ? {} : undefined));
    expect(r.status, `${method} ${url}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  };

  beforeAll(async () => {
    ui = await startUi();
    const sender = await ok('POST', '/api/v1/senders', { from_name: 'Maison Lumière', from_email: 'bonjour@maison-lumiere.example' });
    ids.list = (await ok('POST', '/api/v1/lists', { name: 'Newsletter des abonnés fidèles', description: 'Chaque mois, les nouveautés de la maison' })).id;
    await ok('POST', '/api/v1/fields', { key: 'loyalty_programme_level', label: 'Loyalty programme level', type: 'text' });
    for (const [i, name] of ['Camille', 'Léa', 'Hugo', 'Jean-Baptiste-Alexandre'].entries())
      ids.contact = (await ok('POST', '/api/v1/contacts', { email: `${name.toLowerCase().normalize('NFD').replace(/[^a-z-]/g, '')}.avec-une-adresse-assez-longue${i}@exemple-de-domaine.example`, first_name: name, last_name: 'Martin-Dupont', list_ids: [ids.list], tags: ['customer', 'wholesale-partner'], fields: { loyalty_programme_level: 'gold' } })).id;
    ids.segment = (await ok('POST', '/api/v1/segments', { name: 'Gold customers on the newsletter', criteria: { all: [{ type: 'list', op: 'in', list_ids: [ids.list] }, { type: 'field', field: 'loyalty_programme_level', op: 'is', value: 'gold' }] } })).id;
    const body = '<h1>Les soldes</h1><p>Bonjour {{ contact.first_name }}, -20 % sur tout.</p><p><a href="{{ unsubscribe_url }}">Se désabonner</a></p>';
    ids.message = (await ok('POST', '/api/v1/messages', { name: 'Soldes d’hiver, édition spéciale', channel: 'email', content: { subject: 'Les soldes, {{ contact.first_name }}', body, sender_id: sender.id } })).id;
    ids.campaign = (await ok('POST', '/api/v1/campaigns', { name: 'Soldes d’hiver — tous les abonnés', message_id: ids.message, recipients: { lists: [ids.list] } })).id;
    expect((await ok('POST', `/api/v1/campaigns/${ids.campaign}/prepare`)).ok).toBe(true);
    await ok('POST', `/api/v1/campaigns/${ids.campaign}/approve`);
    await ok('POST', '/api/v1/clock/advance', { by: 'PT10M' });
    ids.draft = (await ok('POST', '/api/v1/campaigns', { name: 'Brouillon du printemps', message_id: ids.message, recipients: { lists: [ids.list] } })).id;
    ids.journey = (await ok('POST', '/api/v1/journeys', {
      name: 'Welcome series for new subscribers',
      definition: {
        trigger: { type: 'list_joined', list_ids: [ids.list] }, start: 'e1',
        steps: [{ id: 'e1', type: 'email', message_id: ids.message, next: 'w1' }, { id: 'w1', type: 'wait', delay: { amount: 2, unit: 'days' }, next: 'e2' }, { id: 'e2', type: 'email', message_id: ids.message, next: null }],
      },
    })).id;
    await ok('POST', `/api/v1/journeys/${ids.journey}/activate`);
    const csv = 'email,first_name\nimported@example.com,Imported\nnot-an-email,Bad\n';
    const up = await ui.api('POST', '/api/v1/imports/upload?filename=contacts.csv', csv, { 'content-type': 'text/csv' });
    expect(up.status).toBe(201);
    ids.import = (await ok('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping, list_ids: [ids.list] })).id;
    await ok('POST', '/api/v1/clock/advance', { by: 'PT1M' });

    phone = await ui.browser.newPage({ viewport: { width: WIDTH, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    phone.setDefaultTimeout(10_000);
    await logIn(ui, phone);
  }, 180_000);
  afterAll(async () => ui?.close());

  it('opens the navigation from the Menu button, and closes it on a choice', async () => {
    screenshotOnFailure(() => phone, 'mobile-nav');
    const p = phone!;
    const nav = p.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false); // no sidebar on a phone
    const menu = p.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    await menu.click();
    await nav.waitFor({ state: 'visible' });
    expect(await p.getByRole('button', { name: 'Close menu' }).getAttribute('aria-expanded')).toBe('true');
    const box = (await nav.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(WIDTH);
    await nav.getByRole('link', { name: 'Contacts' }).click();
    await p.getByRole('heading', { name: 'Contacts', exact: true }).waitFor();
    await nav.waitFor({ state: 'hidden' });
    expect(p.url()).toMatch(/\/contacts$/);
  });

  const pages: [string, () => string, string | RegExp][] = [
    ['home', () => '/', /Welcome/],
    ['contacts', () => '/contacts', 'Contacts'],
    ['a contact', () => `/contacts/${ids.contact}`, /Jean-Baptiste-Alexandre/],
    ['lists', () => '/lists', 'Lists'],
    ['fields', () => '/fields', 'Custom fields'],
    ['segments', () => '/segments', 'Segments'],
    ['a segment', () => `/segments/${ids.segment}`, /Gold customers/],
    ['messages', () => '/messages', 'Messages'],
    ['a message', () => `/messages/${ids.message}`, /Soldes/],
    ['campaigns', () => '/campaigns', 'Campaigns'],
    ['a sent campaign and its report', () => `/campaigns/${ids.campaign}`, /Soldes d’hiver/],
    ['a draft campaign (the wizard)', () => `/campaigns/${ids.draft}`, /Brouillon/],
    ['journeys', () => '/journeys', 'Journeys'],
    ['a journey (the builder)', () => `/journeys/${ids.journey}`, /Welcome series/],
    ['settings', () => '/settings', 'Settings'],
    ['a new import', () => '/imports/new', /Import/],
    ['an import and its rejected lines', () => `/imports/${ids.import}`, /Import/],
    ['outbox', () => '/outbox', 'Outbox'],
  ];

  for (const [name, path, heading] of pages) {
    it(`${name}: nothing wider than the screen`, async () => {
      screenshotOnFailure(() => phone, `mobile-${name}`);
      const p = phone!;
      await p.goto(ui.url + path());
      await p.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      await p.waitForLoadState('networkidle');
      await p.waitForTimeout(300); // charts and the journey graph lay out after their data
      const o = await overflow(p);
      if (process.env.MOBILE_SHOTS) await p.screenshot({ path: `${process.env.MOBILE_SHOTS}/${name.replace(/[^a-z]+/g, '-')}.png`, fullPage: true });
      expect(o.scrollWidth, `wider than ${WIDTH}: ${o.out.join(', ')}`).toBeLessThanOrEqual(WIDTH);
    });
  }

  it('the journey builder at 390: the canvas is as wide as the screen and a step opens its panel', async () => {
    screenshotOnFailure(() => phone, 'mobile-builder');
    const p = phone!;
    await p.goto(`${ui.url}/journeys/${ids.journey}`);
    const canvas = p.locator('.canvas');
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    expect(box.width).toBeGreaterThan(WIDTH - 40);
    expect(box.height).toBeGreaterThan(300);
    await p.getByTestId('node-e1').click();
    await p.getByLabel('Message', { exact: true }).waitFor();
    expect((await overflow(p)).scrollWidth).toBeLessThanOrEqual(WIDTH);
  });
});
