import { describe, expect, it } from 'vitest';
import { startTestSandbox } from '../helpers/sandbox.js';
import { numbered, queuedId } from './fixtures.js';
import { dotStuff, ehlo, SmtpDialogue } from './smtp-dialogue.js';

/** Stop: refuse new work at once, let open transactions finish, cut off at the deadline. */
describe('SMTP graceful stop', () => {
  it('closes idle sessions with 421 and refuses new connections', async () => {
    const box = await startTestSandbox();
    const port = box.port('smtp');
    const { smtp } = await ehlo(port);
    const stopped = box.stop(30_000);
    const reply = await smtp.reply();
    expect(reply.code).toBe(421);
    await smtp.closed;
    await stopped;
    await expect(SmtpDialogue.open(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('lets a message in the middle of DATA finish, then closes that session', async () => {
    const box = await startTestSandbox();
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    const raw = dotStuff(numbered(1));
    smtp.write(raw.subarray(0, 20));
    const stopped = box.stop(30_000);
    smtp.write(Buffer.concat([raw.subarray(20), Buffer.from('.\r\n')]));
    const sent = await smtp.reply();
    expect(sent.code).toBe(250);
    expect((await box.store.readRaw(queuedId(sent.text)))?.equals(numbered(1))).toBe(true);
    expect((await smtp.reply()).code).toBe(421);
    await smtp.closed;
    await stopped;
  });

  it('lets a transaction between RCPT and DATA finish, but refuses a new MAIL', async () => {
    const box = await startTestSandbox();
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    const stopped = box.stop(30_000);
    expect((await smtp.command('RCPT TO:<c@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write(Buffer.concat([dotStuff(numbered(2)), Buffer.from('.\r\n')]));
    expect((await smtp.reply()).code).toBe(250);
    expect((await smtp.reply()).code).toBe(421);
    await smtp.closed;
    await stopped;
    expect(box.store.latest()?.envelope.rcptTo).toEqual(['b@blue.example', 'c@blue.example']);
  });

  it('cuts off a transaction still open at the deadline and stores nothing of it', async () => {
    const box = await startTestSandbox();
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write('Subject: never finished\r\n\r\n');
    await box.stop(50);
    await smtp.closed;
    expect(box.store.stats().messages).toBe(0);
  });

  it('is idempotent', async () => {
    const box = await startTestSandbox();
    await Promise.all([box.stop(0), box.stop(0)]);
    await box.stop(0);
  });
});
