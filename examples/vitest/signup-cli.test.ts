/** The same recipe against Letterbox started as a child process (port 0 + --ports-file). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLetterboxProcess, type LetterboxProcess } from '../cli-process/letterbox-process.js';
import { sendSignupMail } from '../signup-app.js';

// In your project the default command (`npx letterbox`) is right; here the CLI runs from source.
const FROM_SOURCE = [process.execPath, '--import', 'tsx', join(import.meta.dirname, '..', '..', 'server', 'main.ts')];

describe('sign-up mail (Letterbox as a child process)', () => {
  let box: LetterboxProcess;
  beforeAll(async () => {
    box = await startLetterboxProcess({ command: FROM_SOURCE });
  });
  afterAll(() => box?.stop());

  it('arrives with a code the test can read', async () => {
    const code = await sendSignupMail(box.smtp, 'cli@user.test');
    const mail = await box.client.waitForMessage({ query: 'to:cli@user.test', timeout: 5000 });
    expect((await box.client.extract(mail.ID)).Codes).toContain(code);
  });

  it('stops cleanly on SIGTERM', async () => {
    await box.stop();
    await expect(fetch(box.url)).rejects.toThrow();
  });
});
