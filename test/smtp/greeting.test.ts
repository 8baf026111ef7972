import { afterEach, describe, expect, it, vi } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { SmtpDialogue } from './smtp-dialogue.js';

/**
 * smtp-server 3.21 waits a fixed 100 ms (a setTimeout) before every greeting.
 * Letterbox greets at once (server/smtp/greet-at-once.ts). With setTimeout frozen,
 * a real client must still get its 220: if the timer-based wait came back (an
 * smtp-server upgrade that changed its internals), the greeting would never come.
 */
describe('SMTP greeting', () => {
  let box: TestSandbox | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await box?.stop(0);
    box = undefined;
  });

  it('greets at once, without any timer', { timeout: 5_000 }, async () => {
    box = await startTestSandbox();
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    const greeting = await smtp.reply();
    expect(greeting.code).toBe(220);
    expect(greeting.text).toContain('ESMTP');
    vi.useRealTimers();
    expect((await smtp.command('EHLO client.test')).code).toBe(250);
    await smtp.quit();
  });

  it('with --smtp-early-talker-delay, refuses a client that talks before the greeting', async () => {
    box = await startTestSandbox({ smtpEarlyTalkerDelay: 60_000 });
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    smtp.write('EHLO eager.test\r\n');
    const reply = await smtp.reply();
    expect(reply.code).toBe(421);
    expect(reply.text).toContain('You talk too soon');
    await smtp.closed;
  });

  it('with --smtp-early-talker-delay, greets a client that waits', async () => {
    box = await startTestSandbox({ smtpEarlyTalkerDelay: 50 });
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    expect((await smtp.reply()).code).toBe(220);
    expect((await smtp.command('EHLO patient.test')).code).toBe(250);
    await smtp.quit();
  });
});
