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

// issue 17 through the real command: a semicolon file, a column named __proto__, a tags column
describe('parcours import: separators and header names (C-2, issue 17)', () => {
  it('guesses the semicolon, maps a __proto__ column and a tags column, and takes --delimiter', async () => {
    const file = path.join(dir, 'excel-fr.csv');
    writeFileSync(file, '\ufeff__proto__;Prénom;constructor;Tags\r\nelo@example.com;Élo;x;vip, paris\r\nfred@example.com;Fred;y;\r\n');
    const imp = await parcours('import', file, '--list', 'FR', '--map', '__proto__=email', '--map', 'constructor=ignore');
    expect(imp.stdout).toContain('separator: semicolon (guessed');
    expect(imp.stdout).toContain('__proto__ → email, Prénom → first_name, constructor → ignore, Tags → tags');
    expect(imp.stdout).toMatch(/import \d+ done: 2 rows, created 2, .* 0 lines with errors/);
    const out = await parcours('export', '--list', 'FR', '--fields', 'email,first_name');
    expect(out.stdout).toBe('email,first_name\nelo@example.com,Élo\nfred@example.com,Fred\n');

    // told the wrong separator, the file is one column: no email column to map
    const forced = await parcours('import', file, '--list', 'FR', '--delimiter', 'comma').catch((e) => e);
    expect(forced.stderr).toContain('map a column to email');
    const bad = await parcours('import', file, '--list', 'FR', '--delimiter', 'pipe').catch((e) => e);
    expect(bad.stderr).toContain('--delimiter "pipe"');
  }, 500_000);
});
