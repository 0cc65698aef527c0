// npm run build: the server compiled to JavaScript (dist/, run by plain node: no tsx at run time)
// and the web UI as static files (web/dist/). A production install then needs only
// `npm ci --omit=dev` beside these two folders (see the Dockerfile).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const run = (bin, args) => execFileSync(process.execPath, [path.join(root, 'node_modules', bin), ...args], { cwd: root, stdio: 'inherit' });

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
// files the server reads beside its code: the SQL migrations (and any other non-TypeScript file under src/)
const copyAssets = (dir) => {
  for (const name of readdirSync(path.join(root, 'src', dir))) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, 'src', rel)).isDirectory()) copyAssets(rel);
    else if (!name.endsWith('.ts')) cpSync(path.join(root, 'src', rel), path.join(root, 'dist', rel));
  }
};
copyAssets('');
run('vite/bin/vite.js', ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']);
console.log('built dist/ (server) and web/dist/ (UI)');
