import { defineConfig } from 'vite';

// The UI is a static bundle served by the API server (src/http/static.ts); `npm run dev:web`
// proxies /api to a running server on :3000.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    // libraries' "use client" directives mean nothing in a plain SPA bundle
    rolldownOptions: { onwarn: (w, warn) => (w.code === 'MODULE_LEVEL_DIRECTIVE' ? undefined : warn(w)) },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
