/** Recipe in use: the Vitest setup file, an app that mails a code, and a test that reads it. */
import { describe, expect, it } from 'vitest';
import { sendSignupMail } from '../signup-app.js';
import { letterbox } from './letterbox.setup.js';

describe('sign-up mail (Vitest setup file, embedded Letterbox)', () => {
  it('arrives with a code the test can read', async () => {
    const box = letterbox();
    const after = await box.client.latestId();
    const code = await sendSignupMail(box.smtp, 'new@user.test');
    const mail = await box.client.waitForMessage({ query: 'to:new@user.test subject:confirm', after, timeout: 5000 });
    expect(mail.Subject).toBe('Confirm your account');
    const found = await box.client.extract(mail.ID);
    expect(found.Codes).toContain(code);
    expect(found.Links).toContain(`https://shop.test/confirm?code=${code}`);
  });

  it('starts each test with an empty mailbox', async () => {
    expect((await letterbox().client.list()).total).toBe(0);
  });
});
