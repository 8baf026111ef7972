import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { numbered, queuedId } from './fixtures.js';
import { ehlo, SmtpDialogue } from './smtp-dialogue.js';

describe('SMTP extensions and limits', () => {
  let box: TestSandbox;
  const maxSize = 64 * 1024;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpMaxSize: maxSize, smtpMaxRecipients: 3 });
  });
  afterAll(() => box.stop(0));

  it('offers the ESMTP extensions, and no STARTTLS or AUTH when neither is configured', async () => {
    const { smtp, greeting, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(greeting.code).toBe(220);
    expect(reply.code).toBe(250);
    expect(reply.lines.slice(1)).toEqual(expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', `SIZE ${maxSize}`]));
    expect(reply.lines.some((l) => l.startsWith('STARTTLS') || l.startsWith('AUTH'))).toBe(false);
    await smtp.quit();
  });

  it('accepts the null reverse-path <>', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const sent = await smtp.send('', ['bob@blue.example'], 'Subject: bounce\r\n\r\nundeliverable\r\n');
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.envelope.mailFrom).toBe('');
    await smtp.quit();
  });

  it('names the stored message in the DATA reply, with an enhanced status code', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const sent = await smtp.send('a@red.example', ['b@blue.example'], numbered(1));
    expect(sent.text).toMatch(/^250 2\.6\.0 Ok: queued as [0-9A-Za-z]{22}$/);
    await smtp.quit();
  });

  it('answers 552 to a message that grows past the limit while streaming, then takes the next on the same session', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const before = box.store.stats().messages;
    const big = Buffer.from('Subject: big\r\n\r\n' + ('y'.repeat(998) + '\r\n').repeat(200));
    const refused = await smtp.send('a@red.example', ['b@blue.example'], big);
    expect(refused.code).toBe(552);
    expect(box.store.stats().messages).toBe(before);
    // The rest of the oversize DATA was drained, not read as commands.
    const next = await smtp.send('a@red.example', ['b@blue.example'], numbered(2));
    expect(next.code).toBe(250);
    expect((await box.store.readRaw(queuedId(next.text)))?.equals(numbered(2))).toBe(true);
    await smtp.quit();
  });

  it('answers 552 at MAIL to a declared SIZE past the limit (RFC 1870)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const reply = await smtp.command(`MAIL FROM:<a@red.example> SIZE=${maxSize + 1}`);
    expect(reply.code).toBe(552);
    expect((await smtp.command('MAIL FROM:<a@red.example> SIZE=100')).code).toBe(250);
    await smtp.quit();
  });

  it('answers 452 past the most recipients, and stores the message for those accepted', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    for (const r of ['r1', 'r2', 'r3']) expect((await smtp.command(`RCPT TO:<${r}@blue.example>`)).code).toBe(250);
    const fourth = await smtp.command('RCPT TO:<r4@blue.example>');
    expect(fourth.code).toBe(452);
    expect(fourth.text).toContain('4.5.3');
    // A repeated recipient is not a new one.
    expect((await smtp.command('RCPT TO:<R1@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write('Subject: three\r\n\r\nhi\r\n.\r\n');
    const sent = await smtp.reply();
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.envelope.rcptTo).toHaveLength(3);
    await smtp.quit();
  });

  it('nodemailer reports the 552 and the session it pools still works', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), pool: true, maxConnections: 1 });
    try {
      await expect(
        transport.sendMail({ envelope: { from: 'a@red.example', to: ['b@blue.example'] }, raw: Buffer.alloc(maxSize + 10, 'z') }),
      ).rejects.toMatchObject({ responseCode: 552 });
      const info = await transport.sendMail({ envelope: { from: 'a@red.example', to: ['b@blue.example'] }, raw: numbered(3) });
      expect((await box.store.readRaw(queuedId(info.response)))?.equals(numbered(3))).toBe(true);
    } finally {
      transport.close();
    }
  });

  it('does not look up the client name (no reverse DNS): the session sees the address literal', async () => {
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    await smtp.reply();
    const reply = await smtp.command('EHLO client.test');
    expect(reply.lines[0]).toContain('[127.0.0.1]');
    await smtp.quit();
  });
});
