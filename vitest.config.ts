import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // spawned app processes inherit it: every JSON answer is checked against its OpenAPI schema
    env: { PARCOURS_CHECK_RESPONSES: 'true' },
  },
});
