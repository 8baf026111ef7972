import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { ImapLineClient, loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

describe('IMAP any-state commands (RFC 3501 §6.1)', () => {
  it('greets with capabilities, and CAPABILITY lists them (§6.1.1)', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    const greeting = await c.line();
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 /);
    const reply = await c.command('abcd', 'CAPABILITY');
    expect(reply[0]).toMatch(/^\* CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL\+ SASL-IR ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN SPECIAL-USE CONDSTORE QRESYNC NOTIFY ESEARCH SEARCHRES BINARY UTF8=ACCEPT LIST-STATUS LIST-EXTENDED MULTIAPPEND CATENATE CREATE-SPECIAL-USE SORT SORT=DISPLAY ESORT CONTEXT=SEARCH CONTEXT=SORT PARTIAL THREAD=REFERENCES THREAD=ORDEREDSUBJECT WITHIN APPENDLIMIT=\d+ AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5$/);
    expect(reply[0]).not.toContain('STARTTLS');
    expect(reply[1]).toBe('abcd OK CAPABILITY completed');
    c.close();
  });

  it('NOOP and LOGOUT answer as in the RFC examples (§6.1.2, §6.1.3)', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    expect(await c.command('a002', 'NOOP')).toEqual(['a002 OK NOOP completed']);
    expect(await c.command('A023', 'LOGOUT')).toEqual(['* BYE Letterbox IMAP server logging out', 'A023 OK LOGOUT completed']);
    await c.closedByServer();
  });

  it('ID answers with the server identity (RFC 2971)', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    const reply = await c.command('a023', 'ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")');
    expect(reply[0]).toMatch(/^\* ID \("name" "Letterbox"/);
    expect(reply[1]).toBe('a023 OK ID completed');
    expect(await c.command('a024', 'ID NIL')).toHaveLength(2);
    // Pairs of a field (a string) and a value: a field left without one, or NIL as a field, is no ID.
    expect(await c.command('a025', 'ID ("name" "sodr" "version")')).toEqual(['a025 BAD ID: field and value pairs expected']);
    expect(await c.command('a026', 'ID (NIL "sodr")')).toEqual(['a026 BAD ID: a field is a string, not NIL']);
    expect((await c.command('a027', 'ID ("name" NIL)')).at(-1)).toBe('a027 OK ID completed');
    c.close();
  });

  it('ENABLE turns on IMAP4rev2 and CONDSTORE, ignoring unknown names (RFC 5161)', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    expect(await c.command('t1', 'ENABLE IMAP4rev2')).toEqual(['t1 BAD ENABLE is not valid in the not-authenticated state']);
    await c.command('t2', 'LOGIN bob@blue.com x');
    expect(await c.command('t3', 'ENABLE CONDSTORE X-GOOD-IDEA')).toEqual(['* ENABLED CONDSTORE', 't3 OK ENABLE completed']);
    expect(await c.command('t4', 'ENABLE IMAP4rev2 CONDSTORE')).toEqual(['* ENABLED IMAP4rev2', 't4 OK ENABLE completed']);
    c.close();
  });

  it('answers BAD to unknown commands, bad syntax and the wrong state, and keeps the connection', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    expect(await c.command('x1', 'FROBNICATE')).toEqual(['x1 BAD Unknown command FROBNICATE']);
    expect(await c.command('x2', 'SELECT INBOX')).toEqual(['x2 BAD SELECT is not valid in the not-authenticated state']);
    expect((await c.command('x3', 'LOGIN "unterminated'))[0]).toMatch(/^x3 BAD /);
    c.write('\r\n');
    expect(await c.line()).toBe('* BAD Could not read a tag and a command');
    await c.command('x4', 'LOGIN bob@blue.com x');
    expect(await c.command('x5', 'FETCH 1 FLAGS')).toEqual(['x5 BAD FETCH is not valid in the authenticated state']);
    expect(await c.command('x6', 'LOGIN bob@blue.com x')).toEqual(['x6 BAD LOGIN is not valid in the authenticated state']);
    expect((await c.command('x7', 'UID'))[0]).toBe('x7 BAD UID needs a command');
    expect(await c.command('x8', 'NOOP')).toEqual(['x8 OK NOOP completed']);
    c.close();
  });

  it('takes commands in lower case and pipelined', async () => {
    const c = await loggedIn(box.port('imap'));
    c.write('p1 noop\r\np2 select inbox\r\np3 noop\r\n');
    const lines = await c.until('p3');
    expect(lines).toContain('p1 OK NOOP completed');
    expect(lines.some((l) => l.startsWith('p2 OK [READ-WRITE]'))).toBe(true);
    c.close();
  });
});
