import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf } from '../helpers/stored-bytes.js';
import { loggedIn, type ImapLineClient } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

let users = 0;
/** A fresh login holding one message with these bytes, INBOX selected. */
async function withMessage(raw: Buffer): Promise<ImapLineClient> {
  const user = `bin${++users}@blue.com`;
  await box.store.deliver({ raw, envelope: { mailFrom: 'a@red.com', rcptTo: [user] } });
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S0', 'SELECT INBOX');
  return c;
}

/** Sends a command and returns its first response line as bytes, then reads to the tagged line. */
async function firstLineBytes(c: ImapLineClient, tag: string, text: string): Promise<Buffer> {
  c.write(`${tag} ${text}\r\n`);
  const first = await c.lineBytes();
  await c.until(tag);
  return first;
}

const header = (cte: string) => Buffer.from(`From: a@red.com\r\nSubject: part\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n`);
const tail = Buffer.from('\r\n--b--\r\n');

describe('IMAP BINARY of content holding NUL (RFC 3516 §4.2)', () => {
  const payload = Buffer.from([0x00, 0x2d, 0xe4, 0x0d, 0x0a, 0x0d, 0x0a]);

  it('sends BINARY[1] and BINARY.PEEK[1] as a literal8, with BINARY.SIZE the decoded length', async () => {
    const c = await withMessage(Buffer.concat([header('binary'), payload, tail]));
    const line = await firstLineBytes(c, 'B1', 'FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])');
    expect(line).toEqual(Buffer.concat([Buffer.from('* 1 FETCH (BINARY.SIZE[1] 7 BINARY[1] ~{7}\r\n'), payload, Buffer.from(')\r\n')]));
    c.close();
  });

  it('never puts a NUL in a plain literal: BODY[1], BODY[] and RFC822 carry it as 0x80', async () => {
    const raw = Buffer.concat([header('binary'), payload, tail]);
    const c = await withMessage(raw);
    const shown = Buffer.from(payload);
    shown[0] = 0x80;
    const part = await firstLineBytes(c, 'B1', 'FETCH 1 (BODY.PEEK[1])');
    expect(part).toEqual(Buffer.concat([Buffer.from('* 1 FETCH (BODY[1] {7}\r\n'), shown, Buffer.from(')\r\n')]));
    const whole = await firstLineBytes(c, 'B2', 'FETCH 1 (BODY.PEEK[])');
    expect(whole.includes(0)).toBe(false);
    expect(whole.includes(Buffer.from(`{${raw.length}}\r\n`))).toBe(true);
    expect((await firstLineBytes(c, 'B3', 'FETCH 1 RFC822')).includes(0)).toBe(false);
    // The stored bytes stay as received.
    expect(await bytesOf(box.store, box.store.folder(`bin${users}@blue.com`, 'INBOX')?.entries[0]?.message)).toEqual(raw);
    c.close();
  });

  it('keeps a literal8 for a partial BINARY range holding NUL, and a plain literal for one without', async () => {
    const c = await withMessage(Buffer.concat([header('binary'), payload, tail]));
    expect(await firstLineBytes(c, 'B1', 'FETCH 1 (BINARY.PEEK[1]<0.2>)')).toEqual(Buffer.from('* 1 FETCH (BINARY[1]<0> ~{2}\r\n\u0000-)\r\n', 'latin1'));
    expect(await firstLineBytes(c, 'B2', 'FETCH 1 (BINARY.PEEK[1]<1.1>)')).toEqual(Buffer.from('* 1 FETCH (BINARY[1]<1> {1}\r\n-)\r\n'));
    c.close();
  });
});

describe('IMAP BINARY of quoted-printable (RFC 2045 §6.7)', () => {
  // Trailing white space on encoded lines, soft breaks with white space after the "=".
  const encoded = ['hello  ', 'bar=', '', 'foo\t=', 'bar', 'foo\t \t= ', '=62', 'foo = \t', 'bar', 'foo =', '=62', 'foo  ', 'bar=', '', 'foo_bar', ''].join('\r\n');
  const decoded = 'hello\r\nbar\r\nfoo\tbar\r\nfoo\t \tb\r\nfoo bar\r\nfoo b\r\nfoo\r\nbar\r\nfoo_bar\r\n';

  it('drops trailing white space, joins soft breaks, and BINARY.SIZE counts the decoded bytes', async () => {
    const c = await withMessage(Buffer.concat([header('quoted-printable'), Buffer.from(encoded), tail]));
    expect(await c.command('Q1', 'FETCH 1 (BINARY.SIZE[1])')).toEqual([`* 1 FETCH (BINARY.SIZE[1] ${decoded.length})`, 'Q1 OK FETCH completed']);
    expect(decoded.length).toBe(65);
    expect(await c.command('Q2', 'FETCH 1 (BINARY.PEEK[1])')).toEqual([`* 1 FETCH (BINARY[1] {65}\r\n${decoded})`, 'Q2 OK FETCH completed']);
    expect(await c.command('Q3', 'FETCH 1 (BINARY.PEEK[1]<10.10>)')).toEqual([`* 1 FETCH (BINARY[1]<10> {10}\r\n${decoded.slice(10, 20)})`, 'Q3 OK FETCH completed']);
    c.close();
  });
});
