import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { onTestFailed } from 'vitest';
import { createUser, addMember, createWorkspace, createApiKey } from '../../src/accounts/index.ts';
import { apiClient, testApp, type Api, type TestApp } from '../helpers.ts';

/** Debian's chromium (apt-get install chromium); the e2e suite is skipped without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'test-results');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the UI when web/dist is missing or older than its sources (npm install builds it too). */
export function ensureUiBuilt() {
  const index = join(ROOT, 'web/dist/index.html');
  const src = Math.max(newest(join(ROOT, 'web/src')), statSync(join(ROOT, 'web/index.html')).mtimeMs, statSync(join(ROOT, 'web/vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= src) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export interface Ui {
  t: TestApp;
  browser: Browser;
  page: Page;
  url: string;
  api: Api;
  user: { email: string; password: string };
  close(): Promise<void>;
}

/** The real server on the embedded database, with a worker, a user and a logged-out browser page; `env` is the app's configuration (e.g. SMTP_URL). */
export async function startUi(env: Record<string, string> = {}): Promise<Ui> {
  ensureUiBuilt();
  const { chromium } = await import('playwright-core');
  const t = await testApp(env);
  await t.app.startWorker();
  await t.http.listen({ port: 0, host: '127.0.0.1' });
  const port = (t.http.server.address() as { port: number }).port;
  const { db, clock } = t.app.ctx;
  const ws = await createWorkspace(db, clock, 'Maison Lumière');
  const user = { email: 'marie@example.com', password: 'correct horse battery' };
  const uid = await createUser(db, clock, { email: user.email, name: 'Marie', password: user.password });
  await addMember(db, clock, ws.id, uid, 'owner');
  const key = await createApiKey(db, clock, ws.id, 'e2e', 'owner');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('dialog', (d) => void d.accept());
  return {
    t,
    browser,
    page,
    url: `http://127.0.0.1:${port}`,
    api: apiClient(t.http, { authorization: `Bearer ${key.key}` }),
    user,
    async close() {
      await browser.close();
      await t.close();
    },
  };
}

/** Logs the workspace's owner in through the login page and waits for the home page. */
export async function logIn(ui: Ui, page: Page = ui.page) {
  await page.goto(ui.url + '/');
  await page.getByLabel('Email').fill(ui.user.email);
  await page.getByLabel('Password').fill(ui.user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
}

/** Saves a screenshot of the page in test-results/ when the current test fails. */
export function screenshotOnFailure(page: () => Page | undefined, name: string) {
  onTestFailed(async () => {
    const p = page();
    if (!p) return;
    mkdirSync(RESULTS, { recursive: true });
    await p.screenshot({ path: join(RESULTS, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {});
  });
}

/** How wide the page's document is (P-2: at 390 px nothing may scroll sideways). */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}
