/**
 * Recipe: a Vitest setup file. List it in `setupFiles` (vitest.config.ts) or import it
 * at the top of a test file: each test file gets its own Letterbox in-process, on
 * ports chosen by the OS, emptied before every test, stopped after the file.
 *
 *   import { letterbox } from './letterbox.setup.js';
 *   await sendSignupMail(letterbox().smtp.port);
 *   const mail = await letterbox().client.waitForMessage({ query: 'to:new@user.test' });
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
// In your project: import { startLetterbox, type Letterbox } from 'letterbox-mail';
import { startLetterbox, type Letterbox } from '../../server/index.js';

let box: Letterbox | undefined;

beforeAll(async () => {
  box = await startLetterbox({ pop3: false, imap: false });
});

beforeEach(async () => {
  await box?.store.clear();
});

afterAll(async () => {
  await box?.stop();
  box = undefined;
});

/** The Letterbox of the running test file. */
export function letterbox(): Letterbox & { smtp: { host: string; port: number } } {
  if (!box?.smtp) throw new Error('letterbox.setup.ts has not started Letterbox yet (use it inside a test or hook)');
  return box as Letterbox & { smtp: { host: string; port: number } };
}
