import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['test/e2e/global-setup.ts'],
    // Protocol tests open many sockets; two workers match the two cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
