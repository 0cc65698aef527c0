#!/usr/bin/env node
// From the TypeScript sources through tsx when it is installed (`npm install`: no build step
// between install and start), else the compiled server (`npm run build`, then a production
// install without dev dependencies: `npm ci --omit=dev`). PARCOURS_COMPILED=1 picks the
// compiled server even where tsx is installed.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/main.js', import.meta.url);
let tsx;
if (process.env.PARCOURS_COMPILED !== '1') tsx = await import('tsx/esm/api').catch(() => undefined);
if (tsx) {
  tsx.register();
  await import('../src/main.ts');
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  console.error('parcours: neither tsx (a development install) nor dist/ (npm run build) is here: run `npm install`, or `npm run build` before `npm ci --omit=dev`');
  process.exit(1);
}
