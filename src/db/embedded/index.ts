import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readOwner, type Owner } from './lock.ts';
import type { OwnerArgs, OwnerReply, OwnerRequest } from './owner.ts';

export { readOwner, type Owner } from './lock.ts';

// compiled (npm run build): owner.js beside this file, run by plain node; from the sources: owner.ts through tsx
const COMPILED = import.meta.url.endsWith('.js');
const OWNER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), COMPILED ? 'owner.js' : 'owner.ts');

/** The data directory is served by another live process. */
export class DataDirInUse extends Error {
  constructor(readonly dataDir: string, readonly owner: Owner, detail = 'stop it first, or use another PARCOURS_DATA_DIR') {
    super(`the data directory ${dataDir} is in use by ${describeOwner(owner)}: ${detail}`);
  }
}

export function describeOwner(o: Owner): string {
  return `\`${o.command}\` (pid ${o.appPid}, database process ${o.pid}, since ${o.startedAt})`;
}

export interface Embedded {
  /** Directory of the socket `.s.PGSQL.5432`: a libpq/pg `host`. */
  socketDir: string;
  stop(): Promise<void>;
  readonly pid: number;
}

/**
 * Starts the embedded database's own process (owner.ts) for `dataDir` (none: in memory) and
 * waits until it serves. Throws DataDirInUse when another live process holds the directory.
 */
export async function startEmbedded(opts: { dataDir?: string; sharedBuffers: string; command: string; slowMs?: number; maintenanceMs?: number }): Promise<Embedded> {
  const args: OwnerArgs = { dataDir: opts.dataDir, sharedBuffers: opts.sharedBuffers, slowMs: opts.slowMs, maintenanceMs: opts.maintenanceMs, command: opts.command, appPid: process.pid };
  const child: ChildProcess = fork(OWNER_ENTRY, [JSON.stringify(args)], {
    execArgv: COMPILED ? [] : ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const first = await new Promise<OwnerReply>((resolve, reject) => {
    child.once('message', (m: OwnerReply) => resolve(m));
    void exited.then((code) => reject(new Error(`the embedded database process exited (${code}) before it was ready`)));
  });
  if (first.type === 'owned') throw new DataDirInUse(opts.dataDir!, first.owner);
  if (first.type !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(`the embedded database did not start: ${first.message}`);
  }
  // the app must not wait for its database process to exit on its own
  child.unref();
  (child as unknown as { channel?: { unref(): void } }).channel?.unref();
  const ask = (req: OwnerRequest) => child.send(req);
  return {
    socketDir: first.socketDir,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      ask({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Whether something answers on the owner's socket (a live owner that is not stuck). */
export function reachable(socketDir: string, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path.join(socketDir, '.s.PGSQL.5432'));
    const done = (ok: boolean) => (s.destroy(), resolve(ok));
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A pg connection string to the embedded database's socket. */
export const socketUrl = (socketDir: string) => `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;

/** The live owner of `dataDir`, reachable on its socket; throws when it lives but does not answer. */
export async function reachOwner(dataDir: string): Promise<Owner | null> {
  const owner = readOwner(dataDir);
  if (!owner) return null;
  if (!(await reachable(owner.socketDir))) throw new DataDirInUse(dataDir, owner, 'its database socket does not answer');
  return owner;
}
