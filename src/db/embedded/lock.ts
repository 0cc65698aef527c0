import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * One owner per data directory (O-1): the process serving the embedded database holds
 * `parcours.lock`, which names it and the socket it serves on. Created with O_EXCL, so of two
 * processes starting at once one wins; a lock whose process is gone is stale and taken over.
 *
 * Hand-written: proper-lockfile and the like keep no payload (who owns it, where to reach it),
 * which is what the CLI needs, and judge staleness by mtime rather than by the owner's pid.
 */
export interface Owner {
  /** The process serving the database. */
  pid: number;
  /** The parcours command it serves for (`parcours start`, `parcours import`, …) and its pid. */
  command: string;
  appPid: number;
  /** Directory of the PostgreSQL socket `.s.PGSQL.5432`. */
  socketDir: string;
  startedAt: string;
}

/** Part of the owner process's command line (see owner.ts). */
export const OWNER_SCRIPT = 'db/embedded/owner';

export const lockPath = (dataDir: string) => path.join(dataDir, 'parcours.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a pid the system reused for some other program is not an owner
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(OWNER_SCRIPT);
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

/** The live owner of `dataDir`, if any. */
export function readOwner(dataDir: string): Owner | null {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const owner = JSON.parse(text) as Owner;
    return alive(owner.pid) ? owner : null;
  } catch {
    return null; // half-written by a process that died while writing it
  }
}

/** Takes the lock for `owner`, or returns the live owner that holds it. */
export function acquire(dataDir: string, owner: Owner): { ok: true } | { ok: false; owner: Owner } {
  const file = lockPath(dataDir);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(owner));
      closeSync(fd);
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = readOwner(dataDir);
    if (current) return { ok: false, owner: current };
    // stale: move it aside (atomic, so two takers cannot both remove it), then try again
    try {
      renameSync(file, `${file}.stale-${process.pid}`);
      unlinkSync(`${file}.stale-${process.pid}`);
    } catch {
      /* another taker moved it first */
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

export function release(dataDir: string, pid: number) {
  try {
    const current = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as Owner;
    if (current.pid === pid) unlinkSync(lockPath(dataDir));
  } catch {
    /* gone already */
  }
}
