import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openDb } from '../app.ts';
import { backup, DataDirInUse, readOwner, restore, RestoreRefused, sql } from '../db/index.ts';
import { syncFieldIndexes } from '../contacts/index.ts';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const total = (t: Record<string, number>) => Object.values(t).reduce((a, n) => a + n, 0).toLocaleString('en');

/** `parcours backup FILE`: a consistent copy while the app runs (through it, on the embedded database). */
async function backupTo(file: string, o: { force?: boolean }) {
  if (existsSync(file) && !o.force) throw new Error(`${file} exists: choose another name, or pass --force to overwrite it`);
  const db = await openDb(loadConfig(), { join: true, command: 'parcours backup' });
  try {
    const started = performance.now();
    const s = await backup(db, file);
    console.log(`backup written to ${file}: ${Object.keys(s.tables).length} tables, ${total(s.tables)} rows, ${mb(s.bytes)}, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.close();
  }
}

/**
 * `parcours restore FILE`: into DATABASE_URL, or the embedded data directory, which must not be
 * in use: a restore replaces what the app works on.
 */
async function restoreFrom(file: string, o: { force?: boolean }) {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  const config = loadConfig();
  if (!config.databaseUrl) {
    const owner = readOwner(config.dataDir);
    if (owner) throw new DataDirInUse(config.dataDir, owner, 'stop it before restoring into its directory');
  }
  const db = await openDb(config, { command: 'parcours restore' });
  try {
    const started = performance.now();
    const r = await restore(db, file, { force: o.force });
    // each number field's index is built by a job, not a migration: build them now
    const { rows } = await db.query<{ id: number }>(sql`select id from workspaces order by id`);
    for (const w of rows) await syncFieldIndexes(db, w.id);
    console.log(`restored ${file}: ${Object.keys(r.tables).length} tables, ${total(r.tables)} rows, in ${((performance.now() - started) / 1000).toFixed(1)} s${r.upgraded.length ? `; then applied ${r.upgraded.join(', ')}` : ''}`);
  } catch (err) {
    if (err instanceof RestoreRefused) throw new Error(`restore refused: ${err.message}`);
    throw err;
  } finally {
    await db.close();
  }
}

export function registerBackupCommands(program: Command) {
  program
    .command('backup')
    .argument('<file>', 'where to write the backup (gzip\'d; restore it with `parcours restore`)')
    .option('--force', 'overwrite the file if it exists')
    .description('write a consistent backup of the whole database, while the app runs (embedded or DATABASE_URL)')
    .action((file: string, o: { force?: boolean }) => backupTo(file, o));
  program
    .command('restore')
    .argument('<file>', 'a file written by `parcours backup`, from either database')
    .option('--force', 'replace what the target database holds (otherwise a non-empty target is refused)')
    .description('restore a backup into DATABASE_URL or the embedded data directory (stopped), then apply newer migrations')
    .action((file: string, o: { force?: boolean }) => restoreFrom(file, o));
}
