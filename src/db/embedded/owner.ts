/**
 * The embedded database's own process (O-1): PGlite, served over the PostgreSQL wire protocol on
 * a Unix socket, so that a long statement never stops the app's event loop and the app reaches
 * it with the same `pg` driver as a PostgreSQL server. Started by `startEmbedded` (fork, with an
 * IPC channel); it holds the data directory's lock while it runs and stops when told to or when
 * its parent is gone (the channel closes), closing PGlite cleanly either way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ProtocolMux } from './mux.ts';
import { startMaintenance, type Maintenance } from './maintenance.ts';
import { acquire, release, type Owner } from './lock.ts';

/** What the app tells its owner process, and what it answers. */
export type OwnerRequest = { type: 'stop' };
export type OwnerReply = { type: 'ready'; socketDir: string } | { type: 'owned'; owner: Owner } | { type: 'failed'; message: string };

export interface OwnerArgs {
  /** Data directory; none for an in-memory database (tests). */
  dataDir?: string;
  sharedBuffers: string;
  /** Statements slower than this are logged to stderr (ms; none when absent). */
  slowMs?: number;
  command: string;
  appPid: number;
  /** How often tables are analyzed and vacuumed as needed (ms; default 30 s). */
  maintenanceMs?: number;
}

const send = (m: OwnerReply) => process.send?.(m);

/**
 * A data directory PGlite has not initialised yet is initialised by a short-lived child
 * process: initdb runs in a WebAssembly instance of its own whose memory (~500 MB) this
 * process would keep for good (measured: 780 MB resident after a fresh start, 294 MB when
 * opening an initialised directory).
 */
function initDataDir(dataDir: string) {
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  mkdirSync(dataDir, { recursive: true });
  const script = `const { PGlite } = await import(process.argv[1]); const db = new PGlite(process.argv[2]); await db.waitReady; await db.close();`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script, import.meta.resolve('@electric-sql/pglite'), dataDir], { stdio: 'inherit' });
}

/** The socket goes in the data directory, unless its path would pass the 107 bytes a Unix socket allows. */
function socketDirFor(dataDir?: string): { dir: string; temporary: boolean } {
  if (dataDir && path.join(dataDir, '.s.PGSQL.5432').length < 100) return { dir: dataDir, temporary: false };
  return { dir: mkdtempSync(path.join(os.tmpdir(), 'parcours-db-')), temporary: true };
}

async function main(args: OwnerArgs) {
  if (args.dataDir) mkdirSync(args.dataDir, { recursive: true, mode: 0o700 });
  const socket = socketDirFor(args.dataDir);
  const me: Owner = { pid: process.pid, command: args.command, appPid: args.appPid, socketDir: socket.dir, startedAt: new Date().toISOString() };
  if (args.dataDir) {
    const got = acquire(args.dataDir, me);
    if (!got.ok) {
      send({ type: 'owned', owner: got.owner });
      process.exit(3);
    }
  }
  let lite: PGlite | undefined;
  let mux: ProtocolMux | undefined;
  let maintenance: Maintenance | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (code: number) =>
    (stopping ??= (async () => {
      maintenance?.stop();
      await mux?.close().catch(() => {});
      await lite?.close().catch(() => {});
      if (args.dataDir) release(args.dataDir, process.pid);
      if (socket.temporary) rmSync(socket.dir, { recursive: true, force: true });
      process.exit(code);
    })());
  try {
    if (args.dataDir) initDataDir(args.dataDir);
    rmSync(path.join(socket.dir, '.s.PGSQL.5432'), { force: true }); // left by a process that was killed
    lite = new PGlite(args.dataDir, { postgresqlconf: [`shared_buffers = ${args.sharedBuffers}`] });
    await lite.waitReady;
    const db = lite;
    mux = new ProtocolMux(
      // syncToFs does nothing on the node and memory file systems: PGlite writes through at once
      { exec: (m) => db.execProtocolRaw(m, { syncToFs: false }) },
      {
        slowMs: args.slowMs,
        onSlow: (ms, text) => console.error(`${new Date().toISOString()} embedded database: ${Math.round(ms)} ms for ${text.replace(/\s+/g, ' ').slice(0, 300)}`),
        onFatal: (err) => {
          console.error('embedded database failed:', err);
          void stop(1);
        },
      },
    );
    await mux.listen(path.join(socket.dir, '.s.PGSQL.5432'));
    const statsMs = Number(process.env.PARCOURS_PGLITE_STATS_MS);
    if (statsMs > 0) reportStats(mux, statsMs);
    maintenance = startMaintenance(mux, db, { intervalMs: args.maintenanceMs, onError: (err) => console.error('embedded database maintenance failed:', err) });
    void maintenance.pass().catch(() => {});
  } catch (err) {
    send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
    await stop(1);
    return;
  }
  process.on('message', (m: OwnerRequest) => void (m.type === 'stop' && stop(0)));
  // the app is gone (killed, crashed): close the database cleanly rather than leave it open
  process.on('disconnect', () => void stop(0));
  // a terminal's Ctrl-C reaches the whole process group: the app stops first, then tells us
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  send({ type: 'ready', socketDir: socket.dir });
}

/**
 * PARCOURS_PGLITE_STATS_MS (diagnostics, bench/latency-under-load.ts): every so many ms, one
 * stderr line `embedded database stats {json}`: this process's event-loop delay, how long the
 * API's units waited in the queue and ran, and the other units (the worker's, maintenance).
 */
function reportStats(mux: ProtocolMux, everyMs: number) {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  mux.takeStats(); // starts the counting
  setInterval(() => {
    const s = mux.takeStats();
    const waits = s.apiWaits.sort((a, b) => a - b);
    const at = (p: number) => (waits.length ? waits[Math.min(waits.length - 1, Math.ceil(p * waits.length) - 1)] : 0);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    const line = {
      at: new Date().toISOString(),
      loopP99: round(loop.percentile(99) / 1e6),
      loopMax: round(loop.max / 1e6),
      apiUnits: waits.length,
      apiWaitP50: round(at(0.5)),
      apiWaitP99: round(at(0.99)),
      apiWaitMax: round(waits.at(-1) ?? 0),
      apiUnitMax: round(s.apiMaxMs),
      otherUnits: s.otherUnits,
      otherMs: Math.round(s.otherMs),
      otherMaxMs: round(s.otherMaxMs),
      otherMax: s.otherMax,
      holdMaxMs: round(s.holdMaxMs),
      holdMax: s.holdMax,
    };
    loop.reset();
    console.error(`embedded database stats ${JSON.stringify(line)}`);
  }, everyMs).unref();
}

if (process.send) void main(JSON.parse(process.argv[2]) as OwnerArgs);
