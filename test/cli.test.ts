import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real command in a child process, on an embedded database in a temporary data directory. */
async function parcours(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, PARCOURS_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  return run(process.execPath, [path.join(root, 'bin/parcours.mjs'), ...args], { cwd: root, env, timeout: 240_000 });
}

describe('parcours import / export (C-2)', () => {
  it('imports a CSV into a new list with a mapping and tags, reports rejected lines, then exports the list', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, 'E-mail,Prénom,Nom,Notes\nann@example.com,Ann,Lee,x\n"bob@example.com","Bob\nby",Stone,y\nnot-an-email,Cat,,z\ndan@example.com,Dan,Ray\n');
    const imp = await parcours('import', file, '--list', 'Newsletter', '--map', 'Notes=ignore', '--map', 'Nom=last_name', '--tag', 'cli');
    expect(imp.stderr).toContain('created workspace'); // an empty database gets its first workspace
    expect(imp.stdout).toContain('E-mail → email, Prénom → first_name, Nom → last_name, Notes → ignore');
    expect(imp.stdout).toMatch(/import \d+ done: 4 rows, created 2, updated 0, unchanged 0, skipped 2, 2 lines with errors/);
    expect(imp.stdout).toContain('line 5 [E-mail]: not a valid email address');
    expect(imp.stdout).toContain('line 6: expected 4 fields, found 3');

    const out = await parcours('export', '--list', 'Newsletter', '--fields', 'email,first_name,last_name');
    expect(out.stdout).toBe('email,first_name,last_name\nann@example.com,Ann,Lee\nbob@example.com,"Bob\nby",Stone\n');
  }, 500_000);
});
