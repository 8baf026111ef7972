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
    // A worker keeps the modules it loaded from one test file to the next: loading the
    // server's module graph again for each of some 230 files took more time than the
    // tests themselves (the whole run went from 294 s to 175 s). Tests share no state
    // through modules: each starts its own servers and stores on port 0, and restores
    // what it changes (fake timers, environment variables).
    isolate: false,
  },
});
