/**
 * Recipe: a Playwright fixture. `letterbox` is one in-process Letterbox per worker,
 * emptied before each test that uses it:
 *
 *   import { test, expect } from './letterbox-fixture.js';
 *   test('sign-up', async ({ page, letterbox }) => { … letterbox.client.waitForMessage(…) … });
 */
import { test as base } from '@playwright/test';
// In your project: import { startLetterbox, type Letterbox } from 'letterbox-mail';
import { startLetterbox, type Letterbox } from '../../server/index.js';

type Smtp = { host: string; port: number };

export const test = base.extend<{ letterbox: Letterbox & { smtp: Smtp } }, { letterboxWorker: Letterbox & { smtp: Smtp } }>({
  letterboxWorker: [
    async ({}, use) => {
      const box = await startLetterbox({ pop3: false, imap: false });
      await use(box as Letterbox & { smtp: Smtp });
      await box.stop();
    },
    { scope: 'worker' },
  ],
  letterbox: async ({ letterboxWorker }, use) => {
    await letterboxWorker.store.clear();
    await use(letterboxWorker);
  },
});

export { expect } from '@playwright/test';
