/**
 * `npm run screenshots`: every README screenshot (docs/screenshots/*.png) from one `parcours demo`
 * workspace, as a user meets it (issue 19), so that the pages agree with each other: the real CLI
 * fills a fresh data directory, `parcours start` serves it, a campaign is sent through the HTTP
 * API to an SMTP sink, its recipients open and click as mail clients would, then Debian's
 * chromium logs in and takes the pictures.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Locator } from 'playwright-core';
import { startSmtpSink } from '../test/smtp-sink.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/parcours.mjs');
const OUT = join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const t0 = performance.now();
const log = (s: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${s}`);

/** A number in [0, 1) fixed by the text: the same recipients open and click on every run. */
const chance = (...parts: string[]) => createHash('sha256').update(parts.join(' ')).digest().readUInt32BE(0) / 2 ** 32;
const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 180_000) => {
  for (const end = Date.now() + ms; !(await ok()); await new Promise((r) => setTimeout(r, 250)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
};

// `parcours start` serves web/dist: rebuild it when a source is newer (what the e2e tests do)
const newest = (dir: string): number => Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
const index = join(ROOT, 'web/dist/index.html');
if (!existsSync(index) || statSync(index).mtimeMs < newest(join(ROOT, 'web/src'))) execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'parcours-screenshots-'));
const env: NodeJS.ProcessEnv = { ...process.env, PARCOURS_DATA_DIR: dir, LOG_LEVEL: 'warn' };
delete env.DATABASE_URL; // the embedded database in the fresh directory, whatever the shell has
const sink = await startSmtpSink();
let server: ReturnType<typeof spawn> | undefined;
let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
try {
  // 1. the demo, as an operator runs it; on an empty database it prints the first login, once
  log('parcours demo --contacts 10000');
  const demo = execFileSync(process.execPath, [BIN, 'demo', '--contacts', '10000'], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [, email, password] = /log in as (\S+) with password (\S+)/.exec(demo) ?? [];
  const workspaceId = Number(/demo workspace (\d+) ready/.exec(demo)?.[1]);
  if (!password || !workspaceId) throw new Error(`unexpected output of parcours demo:\n${demo}`);

  // 2. the server, sending to the sink, with its own address in the tracking links
  const port = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
  const url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [BIN, 'start'], { cwd: ROOT, env: { ...env, HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: url, SMTP_URL: sink.url }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.on('data', (d: Buffer) => (process.stdout.write(d), d.includes('Parcours is running') && resolve()));
    server!.once('exit', (code) => reject(new Error(`parcours start exited (${code})`)));
  });

  // 3. the owner's session in the demo workspace (the audit then names them), then the campaign
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password, workspace_id: workspaceId }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token } = await login.json();
  const api = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, { method, headers: { cookie, 'x-csrf-token': csrf_token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
  const lists = (await api('GET', '/api/v1/lists')).data;
  const list = (name: string) => lists.find((l: any) => l.name === name).id as number;
  const sender = (await api('GET', '/api/v1/senders')).data[0];
  // the gallery's Promotion template (what "Use this template" posts), from the demo's sender
  const template = await api('GET', '/api/v1/templates/promotion');
  const message = await api('POST', '/api/v1/messages', { name: 'Weekend sale', channel: 'email', content: { ...template.content, sender_id: sender.id } });
  const SUBJECT_B = 'This weekend only: 20% off everything';
  const campaign = await api('POST', '/api/v1/campaigns', {
    name: 'Weekend sale', message_id: message.id, recipients: { lists: [list('Promotions')] }, control_group_percent: 10,
    ab_test: { variants: [{ id: 'A', subject: template.content.subject }, { id: 'B', subject: SUBJECT_B }], test_percent: 20, winner_metric: 'opens', decide_after: '4h', auto: false },
  });
  const base = `/api/v1/campaigns/${campaign.id}`;
  const calc = await api('POST', `${base}/calculate`, {});
  const prepared = await api('POST', `${base}/prepare`);
  if (!prepared.ok) throw new Error(`prepare: ${JSON.stringify(prepared.checks.filter((c: any) => !c.ok))}`);
  await api('POST', `${base}/approve`);
  log(`campaign ${campaign.id}: ${calc.recipients} recipients (test ${calc.ab_test.test}), control group ${calc.control_group}`);

  // recipients read their mail: each from its own address (real readers do not share one, and
  // the tracking endpoints limit requests per address), the pixel, then maybe a link
  const get = (link: string, i: number, method = 'GET') => new Promise<void>((resolve, reject) => {
    const req = http.request(link, { method, localAddress: `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` }, (r) => (r.resume(), r.statusCode! < 400 ? resolve() : reject(new Error(`${method} ${link}: ${r.statusCode}`))));
    req.on('error', reject).end();
  });
  const buyers: string[] = [];
  const read = async (from: number) => {
    const mails = sink.received.slice(from);
    for (let i = 0; i < mails.length; i += 25) {
      await Promise.all(mails.slice(i, i + 25).map(async ({ parsed, to: [to] }, k) => {
        const html = String(parsed.html);
        const b = parsed.subject === SUBJECT_B;
        if (chance(to, 'open') >= (b ? 0.31 : 0.38)) return; // B's plainer subject is opened less
        const n = from + i + k;
        await get(/src="([^"]*\/t\/o\/[^"]+)"/.exec(html)![1], n);
        const links = [...html.matchAll(/href="([^"]*\/t\/c\/[^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
        if (chance(to, 'click') < 0.3) {
          await get(links[Math.floor(chance(to, 'link') * links.length)], n);
          if (chance(to, 'buy') < 0.1) buyers.push(to);
        } else if (chance(to, 'unsubscribe') < 0.02) await get(/href="([^"]*\/u\/[^"]+)"/.exec(html)![1], n, 'POST');
      }));
    }
    return mails.length;
  };
  await until('the test share', () => sink.received.length >= calc.ab_test.test);
  const read1 = await read(0);
  // the marketer picks the variant with the better open rate, and the rest of the audience gets it
  const variants = (await api('GET', `${base}/report`)).variants;
  const winner = Object.keys(variants).sort((a, b) => variants[b].open_rate - variants[a].open_rate)[0];
  await api('POST', `${base}/ab/winner`, { variant: winner });
  log(`A/B winner ${winner}: ${JSON.stringify(Object.fromEntries(Object.entries(variants).map(([k, v]: any) => [k, v.open_rate])))}`);
  await until('every recipient', () => sink.received.length >= calc.recipients);
  await read(read1);
  await until('the campaign to be sent', async () => (await api('GET', base)).status === 'sent');
  // the shop reports purchases: one clicker in ten, and 2 % of the list mail or not (the
  // control group included), so that the comparison with the control group has something to show
  const members: string[] = [];
  for (let cursor = ''; ; ) {
    const page = await api('GET', `/api/v1/contacts?list_id=${list('Promotions')}&limit=1000${cursor && `&cursor=${encodeURIComponent(cursor)}`}`);
    members.push(...page.data.map((c: any) => c.email));
    if (!(cursor = page.next_cursor)) break;
  }
  const bought = [...new Set([...buyers, ...members.filter((m) => chance(m, 'baseline') < 0.02)])];
  await api('POST', '/api/v1/events', { events: bought.map((e, i) => ({ type: 'purchase', email: e, properties: { order_id: `W${i}`, total: 40 + (i % 7) * 15, currency: 'EUR' } })) });
  log(`${sink.received.length} mails received, ${bought.length} purchases`);

  // the demo's members joined their lists before its welcome journey was active: some VIP
  // customers join the newsletter now, so that the journey has contacts in it (it sends in its
  // weekday delivery window, so they may wait for it)
  const vip = (await api('GET', `/api/v1/contacts?list_id=${list('VIP')}&limit=1000`)).data;
  const joining = vip.filter((c: any) => chance(c.email, 'join') < 0.1).map((c: any) => c.id);
  await api('POST', `/api/v1/lists/${list('Newsletter')}/members`, { contact_ids: joining });
  const journey = (await api('GET', '/api/v1/journeys')).data.find((j: any) => j.name === 'Welcome series');
  await until('the joins to enter the journey', async () => (await api('GET', `/api/v1/journeys/${journey.id}/report`)).entered >= joining.length);
  log(`${joining.length} contacts joined the newsletter and entered its welcome journey`);

  // 4. the pages, logged in through the login page as the demo's owner
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(30_000);
  const written: string[] = [];
  /** Waits for `ready`, then until nothing in view says it is loading, then saves docs/screenshots/NAME.png. */
  const shot = async (name: string, ready: Locator, whole = false) => {
    await ready.waitFor();
    await page.waitForFunction(() => ![...document.querySelectorAll('body *')].some((e) =>
      e.childElementCount === 0 && /(Loading|Counting|Rendering)[^…]*…/.test(e.textContent ?? '') && e.getBoundingClientRect().top < innerHeight));
    // a whole page in a window as tall as it is: the sidebar reaches the bottom as it does on screen
    if (whole) await page.setViewportSize({ width: 1400, height: await page.evaluate(() => document.documentElement.scrollHeight) });
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    written.push(`docs/screenshots/${name}.png`);
    log(`${name}.png`);
  };
  await page.goto(`${url}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  // the login opens the first start's own (empty) workspace: switch to the demo's, as its owner would
  const demoName = `Demo (10,000 contacts)`;
  await page.getByLabel('Workspace').selectOption({ label: demoName });
  await page.getByRole('heading', { name: `Welcome to ${demoName}` }).waitFor();
  await shot('home', page.getByTestId('recent-campaigns').locator(`tr[data-campaign="${campaign.id}"] [data-metric="open_rate"]`));

  await page.goto(`${url}/contacts`);
  await shot('contacts', page.getByTestId('contacts-count').getByText(/ of /));

  await page.goto(`${url}/segments`);
  await page.getByTestId('segments-table').getByRole('link', { name: 'Clicked, never bought' }).click();
  await shot('segment', page.getByTestId('live-count').getByText(/\d/));

  await page.goto(`${url}/templates`);
  // the two rows of cards in view: each thumbnail's email drawn (previews load as they come into view)
  const thumbs = page.getByTestId('template-thumbnail').locator('iframe');
  for (let i = 0; i < 8; i++) await thumbs.nth(i).contentFrame().getByText(demoName, { exact: true }).waitFor();
  await shot('templates', thumbs.first());
  await page.locator('[data-template="newsletter"]').getByRole('button', { name: 'Use this template' }).click();
  await page.waitForURL(/\/messages\/\d+$/);
  await page.getByRole('button', { name: 'Visual' }).click();
  // the form above the editor fills the first screen: scroll the editor to the top of the window
  await page.getByRole('button', { name: 'Visual' }).evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.mouse.move(100, 700); // off the blocks, which the scroll brought under the pointer (hovered, one is orange)
  await shot('editor', page.frameLocator('.visual-editor iframe.gjs-frame').getByText('Five small habits that make a big difference'));

  await page.goto(`${url}/journeys/${journey.id}`);
  await page.locator('.react-flow__edge').nth(4).waitFor({ state: 'attached' }); // react-flow draws the edges last
  await shot('journey-builder', page.getByTestId('counts-e1'));
  await page.getByRole('button', { name: 'Report' }).click();
  await shot('journey-report', page.getByTestId('daily-chart').locator('svg').first());

  await page.goto(`${url}/campaigns/${campaign.id}`);
  await page.getByTestId('holdout').waitFor();
  await shot('campaign-report', page.getByTestId('variant-chart').locator('svg').first(), true);

  console.log(`wrote ${written.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
} finally {
  // 5. stop everything this script started, and remove the demo's data
  await browser?.close();
  if (server && server.exitCode === null) await new Promise((resolve) => (server!.once('exit', resolve), server!.kill('SIGTERM')));
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
}
