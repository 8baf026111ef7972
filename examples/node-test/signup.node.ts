/**
 * Recipe: Node's own test runner (node:test), no framework. Run with
 *   node --import tsx --test examples/node-test/signup.node.ts
 * One Letterbox for the file, started in-process and stopped after.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
// In your project: import { startLetterbox, type Letterbox } from 'letterbox-mail';
import { startLetterbox, type Letterbox } from '../../server/index.js';
import { sendSignupMail } from '../signup-app.js';

describe('sign-up mail (node:test)', () => {
  let box: Letterbox;
  before(async () => {
    box = await startLetterbox({ pop3: false, imap: false });
  });
  after(() => box.stop());
  beforeEach(async () => {
    await box.store.clear();
  });

  it('arrives with a code the test can read', async () => {
    const code = await sendSignupMail(box.smtp!, 'node@user.test');
    const mail = await box.client.waitForMessage({ query: 'to:node@user.test', timeout: 5000 });
    assert.equal(mail.Subject, 'Confirm your account');
    assert.ok((await box.client.extract(mail.ID)).Codes.includes(code));
  });

  it('can wait on the store events instead of HTTP', async () => {
    const delivered = new Promise<string>((resolve) => {
      const off = box.on('delivered', ({ message }) => {
        off();
        resolve(message.summary.subject);
      });
    });
    await sendSignupMail(box.smtp!, 'events@user.test');
    assert.equal(await delivered, 'Confirm your account');
  });
});
