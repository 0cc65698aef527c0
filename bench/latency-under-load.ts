/**
 * How the embedded app answers while it works (O-1, issue 15): starts `parcours start` on a fresh
 * data directory and, every 100 ms, sends `GET /healthz` and an authenticated read
 * (`GET /api/v1/me`), while the app in turn
 *   (c) runs `parcours demo --contacts N` beside it (the CLI goes through the running instance),
 *   (b) recomputes engagement over the demo's contacts (POST /api/v1/engagement/recompute),
 *   (a) imports a CSV of R rows uploaded through the API (its worker does the import).
 * Prints p50 / p99 / max of both requests per phase, and the peak resident memory of the app's
 * process and of its database process.
 *
 *   node --import tsx bench/latency-under-load.ts [--rows 1000000] [--contacts 200000] [--only demo,recompute,import] [--root DIR] [--demo-first] [--profile DIR]
 *
 * --profile DIR writes the app process's CPU profile there (node --cpu-prof) when it stops.
 * --root runs another checkout's `bin/parcours.mjs` (to measure the code before a change).
 * --demo-first runs the demo before the app starts, unmeasured: the code before issue 15 had
 * CLI commands open the data directory a second time, so a demo beside the app never reached it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { embeddedEnv, freePort } from '../test/app-process.ts';
import { machine } from './setup.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    contacts: { type: 'string', default: '200000' },
    only: { type: 'string', default: 'demo,recompute,import' },
    root: { type: 'string', default: path.resolve(import.meta.dirname, '..') },
    'demo-first': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const rows = Number(args.rows);
const contacts = Number(args.contacts);
const phases = new Set(args.only!.split(','));
const bin = path.join(path.resolve(args.root!), 'bin/parcours.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-latency-'));
const dataDir = path.join(dir, 'data');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// the sampler alone sends 600 authenticated requests a minute, the default limit (PARCOURS_API_RATE_LIMIT)
// PARCOURS_PGLITE_STATS_MS: the database process reports its event-loop delay and queue waits every second
const env = embeddedEnv(dataDir, { PORT: String(port), PARCOURS_API_RATE_LIMIT: '1000000', PARCOURS_PGLITE_STATS_MS: '1000' });

console.log(`latency under load: ${machine()}; ${bin}`);

function cli(cmd: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...cmd], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`parcours ${cmd.join(' ')} exited ${code}:\n${out.slice(-2000)}`))));
  });
}

const demoKey = (out: string) => /demo workspace \d+ ready: .*API key (\S+)/.exec(out)![1];
let key = '';
if (args['demo-first']) key = demoKey(await cli(['demo', '--contacts', String(contacts)]));

// --profile DIR: the app's CPU profile (node --cpu-prof), to see what blocks its event loop
const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`, '--cpu-prof-interval=2000'] : [];
const app = spawn(process.execPath, [...profile, bin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
let banner = '';
app.stdout.on('data', (d) => (banner += d));
/** The database process's lines `embedded database stats {json}` (see owner.ts), the rest passed on. */
interface DbStats { at: string; loopP99: number; loopMax: number; apiUnits: number; apiWaitP50: number; apiWaitP99: number; apiWaitMax: number; apiUnitMax: number; otherUnits: number; otherMs: number; otherMaxMs: number; otherMax: string; holdMaxMs: number; holdMax: string }
const dbStats: DbStats[] = [];
let errTail = '';
app.stderr.on('data', (d) => {
  const lines = (errTail + d).split('\n');
  errTail = lines.pop()!;
  for (const line of lines) {
    const m = /embedded database stats (\{.*\})$/.exec(line);
    if (m) dbStats.push(JSON.parse(m[1]) as DbStats);
    else process.stderr.write(line + '\n');
  }
});
while (!/Parcours is running[\s\S]*(API key \(shown once\)|new API key)/.test(banner)) {
  if (app.exitCode !== null) throw new Error(`parcours start exited:\n${banner}`);
  await new Promise((r) => setTimeout(r, 100));
}
key ||= /API key \(shown once\): (\S+)/.exec(banner)![1];

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
const dbPid = () => {
  try {
    return (JSON.parse(readFileSync(path.join(dataDir, 'parcours.lock'), 'utf8')) as { pid: number }).pid;
  } catch {
    return undefined; // the code before issue 15 ran the database inside the app
  }
};

/** The app's own event-loop delay over the last second (from /metrics, whose scrape resets it) and its API pool's waiting clients. */
interface AppStats { at: string; loopP99: number; loopMax: number; poolWaiting: number }
async function scrape(): Promise<AppStats | null> {
  const at = new Date().toISOString();
  try {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const val = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    return {
      at,
      loopP99: val(/^parcours_nodejs_eventloop_lag_p99_seconds (\S+)$/m) * 1000,
      loopMax: val(/^parcours_nodejs_eventloop_lag_max_seconds (\S+)$/m) * 1000,
      poolWaiting: val(/^parcours_db_pool_connections\{pool="http",state="waiting"\} (\S+)$/m),
    };
  } catch {
    return null;
  }
}

interface Samples {
  health: number[];
  read: number[];
  /** The slowest answers: when they were sent (wall clock, to match the slow-unit log) and how long they took. */
  slowest: { at: string; url: string; ms: number }[];
  failed: number;
  appRss: number;
  dbRss: number;
}

/** Every 100 ms, both requests, whether or not the earlier ones have answered. */
function sampler() {
  const s: Samples = { health: [], read: [], slowest: [], failed: 0, appRss: 0, dbRss: 0 };
  const pending = new Set<Promise<void>>();
  const time = (url: string, into: number[], headers: Record<string, string> = {}) => {
    const t = performance.now();
    const at = new Date().toISOString();
    const p = fetch(base + url, { headers, signal: AbortSignal.timeout(180_000) })
      .then(async (r) => {
        await r.arrayBuffer();
        if (!r.ok) s.failed++;
        const ms = performance.now() - t;
        into.push(ms);
        s.slowest.push({ at, url, ms });
        s.slowest.sort((a, b) => b.ms - a.ms).splice(5);
      })
      .catch(() => void s.failed++)
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  const db = dbPid();
  const appStats: AppStats[] = [];
  const fromDb = dbStats.length;
  void scrape(); // resets the app's histogram: what follows is this phase's
  const scraper = setInterval(() => void scrape().then((a) => a && appStats.push(a)), 1000);
  const timer = setInterval(() => {
    time('/healthz', s.health);
    time('/api/v1/me', s.read, { authorization: `Bearer ${key}` });
    s.appRss = Math.max(s.appRss, rssMb(app.pid));
    s.dbRss = Math.max(s.dbRss, rssMb(db));
  }, 100);
  return {
    async stop(): Promise<Samples & { app: AppStats[]; db: DbStats[] }> {
      clearInterval(timer);
      clearInterval(scraper);
      await Promise.all(pending);
      return { ...s, app: appStats, db: dbStats.slice(fromDb) };
    },
  };
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;

async function phase(name: string, work: () => Promise<void>) {
  const s = sampler();
  const t = performance.now();
  await work();
  const secs = (performance.now() - t) / 1000;
  const r = await s.stop();
  console.log(`  ${name} (${secs.toFixed(1)} s): GET /healthz ${fmt(r.health)}; GET /api/v1/me ${fmt(r.read)}; ${r.read.length + r.health.length} answered, ${r.failed} failed`);
  console.log(`  ${name}: peak RSS ${r.appRss.toFixed(0)} MB app${r.dbRss ? `, ${r.dbRss.toFixed(0)} MB database process` : ' (database inside it)'}`);
  console.log(`  ${name}: slowest answers: ${r.slowest.map((x) => `${x.at.slice(11, 23)} ${x.url} ${x.ms.toFixed(0)} ms`).join('; ')}`);
  // where a request waits: the app's event loop, or the database's queue (each figure per second)
  const worst = <T>(xs: T[], f: (x: T) => number) => xs.reduce<T | undefined>((a, b) => (a === undefined || f(b) > f(a) ? b : a), undefined);
  const over = (xs: number[], ms: number) => xs.filter((x) => x > ms).length;
  const appMax = r.app.map((a) => a.loopMax);
  console.log(`  ${name}: app event-loop delay: p50 of seconds' p99 ${pct(r.app.map((a) => a.loopP99), 50).toFixed(0)} ms, worst second's max ${Math.max(...appMax).toFixed(0)} ms, seconds with a stall > 100 ms: ${over(appMax, 100)} / ${appMax.length}, > 500 ms: ${over(appMax, 500)}; API pool's waiting clients at most ${Math.max(...r.app.map((a) => a.poolWaiting))}`);
  if (r.db.length) {
    const dbMax = r.db.map((d) => d.loopMax);
    const longest = worst(r.db, (d) => d.otherMaxMs)!;
    console.log(`  ${name}: database process event-loop delay: worst second's max ${Math.max(...dbMax).toFixed(0)} ms, seconds > 100 ms: ${over(dbMax, 100)} / ${dbMax.length}; busy with other units ${(r.db.reduce((a, d) => a + d.otherMs, 0) / (10 * r.db.length)).toFixed(0)} % of the time, longest ${longest.otherMaxMs.toFixed(0)} ms (${longest.otherMax})`);
    const hold = worst(r.db, (d) => d.holdMaxMs)!;
    console.log(`  ${name}: longest transaction (the session held) ${hold.holdMaxMs.toFixed(0)} ms (${hold.holdMax})`);
    console.log(`  ${name}: API units' queue wait: p50 of seconds' p99 ${pct(r.db.map((d) => d.apiWaitP99), 50).toFixed(0)} ms, worst second's p99 ${Math.max(...r.db.map((d) => d.apiWaitP99)).toFixed(0)} ms, max ${Math.max(...r.db.map((d) => d.apiWaitMax)).toFixed(0)} ms; longest API unit ${Math.max(...r.db.map((d) => d.apiUnitMax)).toFixed(0)} ms`);
  }
  // each slowest answer beside the seconds it spanned
  for (const x of r.slowest) {
    const from = Date.parse(x.at);
    const span = <T extends { at: string }>(xs: T[]) => xs.filter((a) => Date.parse(a.at) > from && Date.parse(a.at) <= from + x.ms + 1000);
    const a = span(r.app);
    const d = span(r.db);
    console.log(`    ${x.at.slice(11, 23)} ${x.url} ${x.ms.toFixed(0)} ms: app loop max ${a.map((s) => s.loopMax.toFixed(0)).join('/') || '-'} ms; db queue wait max ${d.map((s) => s.apiWaitMax.toFixed(0)).join('/') || '-'} ms, longest unit ${d.map((s) => s.otherMaxMs.toFixed(0)).join('/') || '-'} ms, transaction ${d.map((s) => s.holdMaxMs.toFixed(0)).join('/') || '-'} ms, db loop max ${d.map((s) => s.loopMax.toFixed(0)).join('/') || '-'} ms`);
  }
}

async function call(method: string, url: string, body?: unknown) {
  const r = await fetch(base + url, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${await r.text()}`);
  return r.json();
}

try {
  if (!args['demo-first'] && (phases.has('demo') || phases.has('recompute'))) {
    await phase(`demo, ${contacts.toLocaleString('en')} contacts`, async () => {
      key = demoKey(await cli(['demo', '--contacts', String(contacts)])); // the demo workspace's
    });
  }
  if (phases.has('recompute')) {
    // more emails needed than the demo sent (6): every level changes, and the end can be seen from outside
    const before = JSON.stringify((await call('GET', '/api/v1/engagement')).levels);
    await call('PATCH', '/api/v1/workspace', { settings: { engagement: { min_emails: 7 } } });
    await phase(`engagement recomputation, ${contacts.toLocaleString('en')} contacts`, async () => {
      // its job ends with the last slice (the levels change with the first one)
      const { job_id } = await call('POST', '/api/v1/engagement/recompute');
      let levels = before;
      for (let still = 0; ; ) {
        await new Promise((r) => setTimeout(r, 500));
        const job = await fetch(`${base}/api/v1/jobs/${job_id}`, { headers: { authorization: `Bearer ${key}` } });
        if (job.ok) {
          const { status, error } = await job.json();
          if (status === 'failed') throw new Error(`the recomputation failed: ${error}`);
          if (status === 'done') break;
          continue;
        }
        // no GET /api/v1/jobs/:id (an older checkout): done when the levels, changed, stay so for 5 s
        const now = JSON.stringify((await call('GET', '/api/v1/engagement')).levels);
        still = now !== before && now === levels ? still + 1 : 0;
        levels = now;
        if (still >= 10) break;
      }
    });
    if (JSON.stringify((await call('GET', '/api/v1/engagement')).levels) === before) throw new Error('the recomputation changed no level');
  }
  if (phases.has('import')) {
    const file = path.join(import.meta.dirname, 'data', `latency-${rows}.csv`);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true });
      const out = createWriteStream(file);
      out.write('email,first_name,last_name,city\n');
      for (let i = 0; i < rows; i++) if (!out.write(`load${i}@example.com,First${i},Last${i % 5000},City ${i % 300}\n`)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
    }
    const list = await call('POST', '/api/v1/lists', { name: `Load ${Date.now()}` });
    await phase(`import, ${rows.toLocaleString('en')} rows`, async () => {
      const up = await fetch(`${base}/api/v1/imports/upload`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: readFileSync(file) });
      const upload = await up.json();
      const imp = await call('POST', '/api/v1/imports', { upload_id: upload.upload_id, mapping: upload.suggested_mapping, list_ids: [list.id] });
      const seen = new Set<number>();
      for (;;) {
        const st = await call('GET', `/api/v1/imports/${imp.id}`);
        seen.add(st.progress);
        if (st.status === 'done' || st.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      console.log(`  import: progress values seen while it ran: ${[...seen].join(', ')}`);
    });
  }
} finally {
  app.kill('SIGTERM');
  await once(app, 'exit');
  rmSync(dir, { recursive: true, force: true });
}
