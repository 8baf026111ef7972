import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../server/sandbox.js';
import { startLoggedSandbox, type CaptureLog } from './capture-logger.js';
import { numbered, queuedId } from './fixtures.js';
import { ehlo, SmtpDialogue } from './smtp-dialogue.js';
import { bytesOf } from '../helpers/stored-bytes.js';

/** Deterministic bytes, so a failure replays the same input. */
function pseudoRandom(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('SMTP hostile input', () => {
  let box: Sandbox;
  let log: CaptureLog;
  let port: (name: string) => number;
  beforeAll(async () => {
    ({ box, log, port } = await startLoggedSandbox({ smtpTimeout: 1_000 }));
  });
  afterAll(() => box.stop(0));

  /** After each attack, the server still takes a normal message. */
  async function stillServes(): Promise<void> {
    const { smtp } = await ehlo(port('smtp'));
    const sent = await smtp.send('a@red.example', ['b@blue.example'], numbered(99));
    expect(sent.code).toBe(250);
    await smtp.quit();
  }

  it('keeps bare LF line ends as sent', async () => {
    const { smtp } = await ehlo(port('smtp'));
    const body = 'Subject: bare lf\nTo: b@blue.example\n\nline one\nline two\r\n';
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write(body + '.\r\n');
    const sent = await smtp.reply();
    expect(sent.code).toBe(250);
    expect((await box.store.readRaw(queuedId(sent.text)))?.toString('latin1')).toBe(body);
    await smtp.quit();
  });

  // RFC 5321 §4.1.1.4: only <CRLF>.<CRLF> ends DATA. Each of these, sent inside DATA and
  // followed by a second transaction, must neither end the message nor make a second one.
  it.each([
    ['<LF>.<LF>', '\n.\n'],
    ['<CR>.<CR>', '\r.\r'],
    ['<LF>.<CR><LF>', '\n.\r\n'],
    ['<CR><LF>.<LF>', '\r\n.\n'],
    ['<CR>.<CR><LF>', '\r.\r\n'],
  ])('does not end or split a message at %s (SMTP smuggling)', async (_name, terminator) => {
    const { smtp } = await ehlo(port('smtp'));
    const before = box.store.stats().messages;
    const payload =
      'From: a@red.example\r\nTo: b@blue.example\r\nSubject: carrier\r\n\r\nhello' +
      terminator +
      'MAIL FROM:<admin@blue.example>\r\nRCPT TO:<victim@blue.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n';
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write(payload + '.\r\n');
    const sent = await smtp.reply();
    expect(sent.code).toBe(250);
    // Exactly one reply for the whole DATA: the next command gets the next reply.
    expect((await smtp.command('NOOP')).code).toBe(250);
    expect(box.store.stats().messages).toBe(before + 1);
    const stored = box.store.get(queuedId(sent.text));
    // A dot that starts a line (after CRLF) with more on it is a transparency dot, removed (RFC 5321 §4.5.2).
    expect((await bytesOf(box.store, stored))?.toString('latin1')).toBe(payload.replace('\r\n.\n', '\r\n\n'));
    expect(stored?.envelope.rcptTo).toEqual(['b@blue.example']);
    expect(box.store.messages().some((m) => m.summary.subject === 'smuggled')).toBe(false);
    await smtp.quit();
  });

  it('un-stuffs a dot after a bare LF as after CRLF (smtp-server), keeping the LF', async () => {
    const { smtp } = await ehlo(port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write('Subject: s\r\n\r\na\n..b\r\n.\r\n');
    const sent = await smtp.reply();
    expect((await box.store.readRaw(queuedId(sent.text)))?.toString('latin1')).toBe('Subject: s\r\n\r\na\n.b\r\n');
    await smtp.quit();
  });

  it('removes the leading dot of any line with more on it (RFC 5321 §4.5.2), at the start of DATA too; after a bare LF only a doubled one', async () => {
    const { smtp } = await ehlo(port('smtp'));
    for (const [wire, kept] of [
      ['Subject: s\r\n\r\n.y\r\n..z\r\n.\r\r\na\n.w\r\n', 'Subject: s\r\n\r\ny\r\n.z\r\n\r\r\na\n.w\r\n'],
      ['.x\r\n', 'x\r\n'],
    ]) {
      expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
      expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
      expect((await smtp.command('DATA')).code).toBe(354);
      smtp.write(`${wire}.\r\n`);
      const sent = await smtp.reply();
      expect((await box.store.readRaw(queuedId(sent.text)))?.toString('latin1')).toBe(kept);
    }
    await smtp.quit();
  });

  it('answers a 10,000-byte command line with an error and keeps the session (RFC 4954 §4 allows 12,288)', async () => {
    const { smtp } = await ehlo(port('smtp'));
    const reply = await smtp.command('MAIL FROM:<' + 'a'.repeat(9_980) + '@red.example>');
    expect(reply.code).toBeGreaterThanOrEqual(500);
    expect((await smtp.command('X'.repeat(10_000))).code).toBe(500);
    expect((await smtp.command('NOOP')).code).toBe(250);
    await smtp.quit();
  });

  it('closes with 421 a line that never ends past the limit', async () => {
    const { smtp } = await ehlo(port('smtp'));
    smtp.write('NOOP ' + 'x'.repeat(13_000));
    const reply = await smtp.reply();
    expect(reply.code).toBe(421);
    await smtp.closed;
    await stillServes();
  });

  it('survives binary garbage: refuses it and closes the session', async () => {
    const before = box.store.stats().messages;
    const smtp = await SmtpDialogue.open(port('smtp'));
    expect((await smtp.reply()).code).toBe(220);
    smtp.write(pseudoRandom(64 * 1024, 0x5eed));
    await smtp.closed;
    expect(box.store.stats().messages).toBe(before);
    await stillServes();
  });

  it('refuses an HTTP request sent to the SMTP port', async () => {
    const smtp = await SmtpDialogue.open(port('smtp'));
    await smtp.reply();
    expect((await smtp.command('POST /api/v1/send HTTP/1.1')).code).toBe(421);
    await smtp.closed;
  });

  it('stores nothing when the client drops mid-DATA, and the session ends', async () => {
    const before = box.store.stats().messages;
    const mark = log.records.length;
    const { smtp } = await ehlo(port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('DATA')).code).toBe(354);
    smtp.write('Subject: half\r\n\r\n' + 'partial line\r\n'.repeat(5000));
    smtp.destroy();
    const abandoned = await log.next('message abandoned mid-DATA', mark);
    expect(abandoned.bytes).toBeGreaterThan(0);
    const session = await log.next('smtp session', mark);
    expect(session).toMatchObject({ ended: 'closed', transactions: 0 });
    expect(session.messages).toBeUndefined();
    expect(box.store.stats().messages).toBe(before);
    await stillServes();
  });

  it('closes an idle session after the configured timeout with 421 (RFC 5321 §4.5.3.2)', async () => {
    const mark = log.records.length;
    const smtp = await SmtpDialogue.open(port('smtp'));
    expect((await smtp.reply()).code).toBe(220);
    const reply = await smtp.reply();
    expect(reply.code).toBe(421);
    expect(reply.text).toMatch(/timeout/i);
    await smtp.closed;
    // (Other tests' sessions may end meanwhile: look for this one's line among them.)
    await expect.poll(() => log.records.slice(mark).some((r) => r.msg === 'smtp session' && r.ended === 'idle')).toBe(true);
  });
});
