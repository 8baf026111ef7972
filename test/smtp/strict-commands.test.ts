import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { numbered, queuedId } from './fixtures.js';
import { ehlo, SmtpDialogue, type Reply } from './smtp-dialogue.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** The enhanced status code of a reply (RFC 3463), e.g. "5.5.2". */
const enhanced = (reply: Reply) => /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3}) /.exec(reply.text)?.[1];

/** DATA with a message that needs no dot-stuffing, and the reply to its end. */
async function data(smtp: SmtpDialogue, raw: Buffer): Promise<Reply> {
  expect((await smtp.command('DATA')).code).toBe(354);
  smtp.write(Buffer.concat([raw, Buffer.from('.\r\n')]));
  return smtp.reply();
}

/**
 * After a refused command the transaction is as it was: without an accepted MAIL,
 * RCPT is out of sequence; and a full transaction still goes through, stored with
 * exactly the envelope it was given.
 */
async function untouchedAndServing(box: TestSandbox, smtp: SmtpDialogue): Promise<void> {
  expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(503);
  const sent = await smtp.send('a@red.example', ['b@blue.example'], numbered(7));
  expect(sent.code).toBe(250);
  expect(box.store.get(queuedId(sent.text))?.envelope).toEqual({ mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] });
}

describe('SMTP command lines: control characters (RFC 5321 §2.3.8, §4.1.1)', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpAuthAcceptAny: true });
  });
  afterAll(() => box.stop(0));

  it('answers 501 5.5.2 to MAIL FROM with a bare CR and a smuggled RCPT, and accepts nothing', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const before = box.store.stats().messages;
    const reply = await smtp.command('MAIL FROM:<a@red.example>\rRCPT TO:<evil@blue.example>');
    expect(reply.code).toBe(501);
    expect(enhanced(reply)).toBe('5.5.2');
    await untouchedAndServing(box, smtp);
    expect(box.store.stats().messages).toBe(before + 1);
    expect(box.store.messages().some((m) => m.envelope.rcptTo.includes('evil@blue.example'))).toBe(false);
    await smtp.quit();
  });

  it.each([
    ['NUL', 'MAIL FROM:<a@red.example>\0'],
    ['NUL in the address', 'MAIL FROM:<a\0b@red.example>'],
    ['HTAB before a parameter', 'MAIL FROM:<a@red.example>\tSIZE=100'],
    ['HTAB after the verb', 'MAIL\tFROM:<a@red.example>'],
    ['VT', 'MAIL FROM:<a@red.example>\v'],
    ['FF', 'MAIL FROM:<a@red.example> \f'],
    ['ESC', 'MAIL FROM:<a\x1b[31m@red.example>'],
    ['DEL', 'MAIL FROM:<a@red.example>\x7f'],
    ['a CR before the CRLF', 'MAIL FROM:<a@red.example>\r'],
  ])('answers 501 5.5.2 to MAIL with %s, and the session goes on', async (_name, line) => {
    const { smtp } = await ehlo(box.port('smtp'));
    const reply = await smtp.command(line);
    expect(reply.code).toBe(501);
    expect(enhanced(reply)).toBe('5.5.2');
    await untouchedAndServing(box, smtp);
    await smtp.quit();
  });

  it('answers 501 5.5.2 to a command line that is not UTF-8 (RFC 6531 §3.3), where a UTF-8 address is stored as sent', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    for (const line of [Buffer.from('MAIL FROM:<\xff\xfe@red.example> SMTPUTF8', 'latin1'), Buffer.from('MAIL FROM:<jos\xe9@red.example>', 'latin1')]) {
      smtp.write(Buffer.concat([line, Buffer.from('\r\n')]));
      const reply = await smtp.reply();
      expect(reply.code).toBe(501);
      expect(reply.text).toBe('501 5.5.2 Syntax error: the command line is not UTF-8 (RFC 6531 section 3.3)');
    }
    await untouchedAndServing(box, smtp);
    expect((await smtp.command('MAIL FROM:<josé@red.example> SMTPUTF8')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<ñandú@blue.example>')).code).toBe(250);
    const sent = await data(smtp, numbered(9));
    expect(box.store.get(queuedId(sent.text))?.envelope).toEqual({ mailFrom: 'josé@red.example', rcptTo: ['ñandú@blue.example'] });
    await smtp.quit();
  });

  it('answers 501 to RCPT with a control character, keeping the recipients already accepted', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<c@blue.example>\0')).code).toBe(501);
    expect((await smtp.command('RCPT TO:<d@blue.example>\rRCPT TO:<e@blue.example>')).code).toBe(501);
    const sent = await data(smtp, numbered(8));
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.envelope.rcptTo).toEqual(['b@blue.example']);
    await smtp.quit();
  });

  it.each([
    ['NOOP', 'NOOP\0'],
    ['RSET', 'RSET\r'],
    ['EHLO', 'EHLO client\x01.test'],
    ['DATA', 'DATA\t'],
  ])('answers 501 to %s with a control character', async (_name, line) => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    const reply = await smtp.command(line);
    expect(reply.code).toBe(501);
    // The transaction is still open: DATA after the refused line takes the message.
    expect((await data(smtp, numbered(9))).code).toBe(250);
    await smtp.quit();
  });

  it('answers 501 to an AUTH continuation line with a control character and ends the exchange (RFC 4954 §4)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('AUTH LOGIN')).code).toBe(334);
    expect((await smtp.command(b64('user') + '\0')).code).toBe(501);
    // The exchange is over: the next line is a command again, not a password.
    expect((await smtp.command('NOOP')).code).toBe(250);
    expect((await smtp.command('AUTH PLAIN')).code).toBe(334);
    expect((await smtp.command(b64('\0user\0secret') + '\r')).code).toBe(501);
    expect((await smtp.command(`AUTH PLAIN ${b64('\0user\0secret')}`)).code).toBe(235);
    await smtp.quit();
  });

  it('closes with 421 a session that keeps sending lines with control characters', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const replies = [];
    for (let i = 0; i < 10; i++) replies.push((await smtp.command(`NOOP \0${i}`)).code);
    expect(replies).toEqual([...Array<number>(9).fill(501), 421]);
    await smtp.closed;
  });

  it('keeps control characters inside DATA byte for byte: the rule is for command lines only', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const body = 'Subject: raw\r\n\r\nbare\rCR, NUL\0, tab\t, DEL\x7f, ESC\x1b, bare\nLF\r\n';
    const sent = await smtp.send('a@red.example', ['b@blue.example'], body);
    expect(sent.code).toBe(250);
    expect((await box.store.readRaw(queuedId(sent.text)))?.toString('latin1')).toBe(body);
    await smtp.quit();
  });

  it('offers no CHUNKING, and answers BDAT as an unknown command, storing nothing (RFC 3030)', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines.some((l) => /CHUNKING|BINARYMIME/.test(l))).toBe(false);
    const before = box.store.stats().messages;
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    expect((await smtp.command('BDAT 4 LAST')).code).toBe(500);
    expect(box.store.stats().messages).toBe(before);
    await smtp.quit();
  });
});

describe('SMTP MAIL and RCPT parameters (RFC 5321 §4.1.1.11, §4.1.2)', () => {
  let box: TestSandbox;
  const maxSize = 64 * 1024;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpMaxSize: maxSize });
  });
  afterAll(() => box.stop(0));

  it.each([
    ['an unknown parameter', 'MAIL FROM:<a@red.example> FOO=BAR'],
    ['an unknown keyword without a value', 'MAIL FROM:<a@red.example> FOO'],
    ['DSN RET when DSN is not offered (RFC 3461)', 'MAIL FROM:<a@red.example> RET=HDRS'],
    ['DSN ENVID when DSN is not offered', 'MAIL FROM:<a@red.example> ENVID=abc'],
    ['REQUIRETLS, not offered (RFC 8689)', 'MAIL FROM:<a@red.example> REQUIRETLS'],
    ['AUTH= when AUTH is not offered (RFC 4954 §5)', 'MAIL FROM:<a@red.example> AUTH=<>'],
    ['a SIZE that is not a number (RFC 1870)', 'MAIL FROM:<a@red.example> SIZE=abc'],
    ['an empty SIZE', 'MAIL FROM:<a@red.example> SIZE='],
    ['a SIZE without a value', 'MAIL FROM:<a@red.example> SIZE'],
    ['BODY=9BIT (RFC 6152)', 'MAIL FROM:<a@red.example> BODY=9BIT'],
    ['BODY=BINARYMIME without CHUNKING (RFC 3030)', 'MAIL FROM:<a@red.example> BODY=BINARYMIME'],
    ['SMTPUTF8 with a value (RFC 6531 §3.4)', 'MAIL FROM:<a@red.example> SMTPUTF8=yes'],
    ['a parameter without a keyword', 'MAIL FROM:<a@red.example> =x'],
    ['a known parameter after an unknown one', 'MAIL FROM:<a@red.example> SIZE=10 X-FOO=1 BODY=7BIT'],
  ])('answers 555 5.5.4 to MAIL with %s, and nothing changes', async (_name, line) => {
    const { smtp } = await ehlo(box.port('smtp'));
    const reply = await smtp.command(line);
    expect(reply.code).toBe(555);
    expect(enhanced(reply)).toBe('5.5.4');
    await untouchedAndServing(box, smtp);
    await smtp.quit();
  });

  it.each([
    ['NOTIFY when DSN is not offered (RFC 3461)', 'RCPT TO:<c@blue.example> NOTIFY=SUCCESS,FAILURE'],
    ['ORCPT when DSN is not offered', 'RCPT TO:<c@blue.example> ORCPT=rfc822;c@blue.example'],
    ['an unknown parameter', 'RCPT TO:<c@blue.example> FOO=BAR'],
    ['a MAIL parameter', 'RCPT TO:<c@blue.example> SIZE=100'],
  ])('answers 555 5.5.4 to RCPT with %s, and the recipient is not added', async (_name, line) => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    expect((await smtp.command('RCPT TO:<b@blue.example>')).code).toBe(250);
    const reply = await smtp.command(line);
    expect(reply.code).toBe(555);
    expect(enhanced(reply)).toBe('5.5.4');
    const sent = await data(smtp, numbered(10));
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.envelope.rcptTo).toEqual(['b@blue.example']);
    await smtp.quit();
  });

  it('says a quoted local part holding a space is not supported (553), rather than call part of it a parameter; without a space it is taken', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const sender = await smtp.command('MAIL FROM:<"john smith"@red.example>');
    expect([sender.code, enhanced(sender)]).toEqual([553, '5.1.7']);
    expect(sender.text).toContain('quoted local part');
    await untouchedAndServing(box, smtp);
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(250);
    const recipient = await smtp.command('RCPT TO:<"jane\\" doe"@blue.example> SIZE=1');
    expect([recipient.code, enhanced(recipient)]).toEqual([553, '5.1.3']);
    expect((await smtp.command('RCPT TO:<"jane.doe"@blue.example>')).code).toBe(250);
    const sent = await data(smtp, numbered(12));
    expect(box.store.get(queuedId(sent.text))?.envelope.rcptTo).toEqual(['"jane.doe"@blue.example']);
    await smtp.quit();
  });

  it('takes the parameters it offers in EHLO, any case, and stores the message', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines).toEqual(expect.arrayContaining(['8BITMIME', 'SMTPUTF8', `SIZE ${maxSize}`]));
    for (const params of [' SIZE=100', ' BODY=8BITMIME', ' body=7bit', ' SMTPUTF8', ' Size=0 Body=8BitMime smtputf8', '  SIZE=12  BODY=7BIT ']) {
      const sent = await smtp.send('a@red.example', ['b@blue.example'], numbered(11), params);
      expect(sent.code, params).toBe(250);
      expect((await box.store.readRaw(queuedId(sent.text)))?.equals(numbered(11))).toBe(true);
    }
    await smtp.quit();
  });

  it('answers 555 to any parameter after HELO, which offers no extension (RFC 5321 §4.1.1.1)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('HELO client.test')).code).toBe(250);
    for (const parameter of ['SIZE=100', 'BODY=8BITMIME', 'SMTPUTF8']) {
      expect((await smtp.command(`MAIL FROM:<a@red.example> ${parameter}`)).code, parameter).toBe(555);
    }
    await untouchedAndServing(box, smtp);
    // EHLO starts over, with its extensions.
    expect((await smtp.command('EHLO client.test')).code).toBe(250);
    expect((await smtp.send('a@red.example', ['b@blue.example'], numbered(13), ' SIZE=100')).code).toBe(250);
    await smtp.quit();
  });

  it('still answers 552 to a well-formed SIZE past the limit (RFC 1870)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command(`MAIL FROM:<a@red.example> SIZE=${maxSize + 1}`)).code).toBe(552);
    await smtp.quit();
  });
});

describe('SMTP parameters follow what EHLO offers', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpMaxSize: 0, smtpAuthAcceptAny: true });
  });
  afterAll(() => box.stop(0));

  it('answers 555 to SIZE when no SIZE is offered (no limit configured)', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines.some((l) => l.startsWith('SIZE'))).toBe(false);
    expect((await smtp.command('MAIL FROM:<a@red.example> SIZE=100')).code).toBe(555);
    await untouchedAndServing(box, smtp);
    await smtp.quit();
  });

  it('takes AUTH=<> and AUTH=xtext when AUTH is offered (RFC 4954 §5)', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines.some((l) => l.startsWith('AUTH'))).toBe(true);
    expect((await smtp.send('a@red.example', ['b@blue.example'], numbered(12), ' AUTH=<>')).code).toBe(250);
    expect((await smtp.send('a@red.example', ['b@blue.example'], numbered(12), ' AUTH=a+2Bb@red.example')).code).toBe(250);
    expect((await smtp.command('MAIL FROM:<a@red.example> AUTH=')).code).toBe(555);
    await smtp.quit();
  });
});

describe('SMTP control characters before the greeting', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpEarlyTalkerDelay: 60_000 });
  });
  afterAll(() => box.stop(0));

  it('answers an early talker 421 and closes, whatever its line holds', async () => {
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    smtp.write('EHLO eager\0.test\r\n');
    const reply = await smtp.reply();
    expect(reply.code).toBe(421);
    expect(reply.text).toContain('You talk too soon');
    await smtp.closed;
  });
});
