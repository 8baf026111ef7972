import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// The recipe needs no browser: it reads mail through the API.
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  reporter: 'line',
  timeout: 30_000,
  // Traces and screenshots, if any, stay out of the work tree.
  outputDir: join(tmpdir(), 'letterbox-playwright-results'),
});
