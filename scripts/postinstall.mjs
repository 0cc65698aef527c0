// After `npm install`: builds the web UI so that `npm start` serves it. A production install
// (`npm ci --omit=dev`) has no vite and takes web/dist/ from `npm run build`: nothing to do then.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const vite = path.join(root, 'node_modules/vite/bin/vite.js');
if (!existsSync(vite)) {
  if (!existsSync(path.join(root, 'web/dist/index.html'))) console.warn('parcours: vite is not installed and web/dist/ is missing: run `npm run build` where dev dependencies are installed');
} else {
  execFileSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}
