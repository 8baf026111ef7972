import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bytesOf, storedBytes } from '../helpers/stored-bytes.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

/** A message whose headers carry raw UTF-8 (RFC 6532), as an RFC 6855 client APPENDs it. */
const MESSAGE = Buffer.from('From: Jürgen <juergen@red.example>\r\nTo: bob@blue.com\r\nSubject: Grüße aus Köln\r\nDate: Wed, 17 Jul 1996 02:23:25 -0700\r\n\r\nHallo\r\n');

describe('IMAP UTF8=ACCEPT (RFC 6855)', () => {
  it('switches mailbox names and quoted strings to UTF-8 after ENABLE, with the RFC 3501 §5.1.3 name', async () => {
    const user = 'utf8-names@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    expect((await c.command('A0', 'CAPABILITY'))[0]).toMatch(/^\* CAPABILITY .* UTF8=ACCEPT /);
    // Before ENABLE the name travels in modified UTF-7 (RFC 3501 §5.1.3's own example).
    expect(await c.command('A1', 'CREATE ~peter/mail/&U,BTFw-/&ZeVnLIqe-')).toEqual(['A1 OK CREATE completed']);
    expect(await c.command('A2', 'LIST "" ~peter/mail/%/%')).toEqual(['* LIST (\\HasNoChildren) "/" ~peter/mail/&U,BTFw-/&ZeVnLIqe-', 'A2 OK LIST completed']);
    expect(await c.command('A3', 'ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED UTF8=ACCEPT', 'A3 OK ENABLE completed']);
    expect(await c.command('A4', 'LIST "" ~peter/mail/%/%')).toEqual(['* LIST (\\HasNoChildren) "/" "~peter/mail/台北/日本語"', 'A4 OK LIST completed']);
    expect((await c.command('A5', 'SELECT "~peter/mail/台北/日本語"')).at(-1)).toBe('A5 OK [READ-WRITE] SELECT completed');
    expect(box.store.folder(user, '~peter/mail/台北/日本語')).toBeDefined();
    c.close();
  });

  it('refuses a mailbox name that is not valid UTF-8 once enabled, rather than storing it with U+FFFD (RFC 6855 §3, RFC 9051 §5.1)', async () => {
    const user = 'utf8-invalid@blue.com';
    for (const extension of ['UTF8=ACCEPT', 'IMAP4rev2']) {
      const c = await loggedIn(box.port('imap'), user);
      await c.command('A0', `ENABLE ${extension}`);
      const send = (tag: string, head: string, name: string, tail = '') => {
        c.write(Buffer.concat([Buffer.from(`${tag} ${head}`), Buffer.from(name, 'latin1'), Buffer.from(`${tail}\r\n`)]));
        return c.until(tag);
      };
      expect(await send('A1', 'CREATE ', '"x\xff"')).toEqual(['A1 BAD CREATE: mailbox name is not valid UTF-8 (RFC 6855 section 3)']);
      expect(await send('A2', 'CREATE ', '{2+}\r\nx\xfe')).toEqual(['A2 BAD CREATE: mailbox name is not valid UTF-8 (RFC 6855 section 3)']);
      expect(await send('A3', 'LIST "" ', '"x\xff*"')).toEqual(['A3 BAD LIST: mailbox name is not valid UTF-8 (RFC 6855 section 3)']);
      expect(await send('A4', 'SELECT ', '"x\xc3"')).toEqual(['A4 BAD SELECT: mailbox name is not valid UTF-8 (RFC 6855 section 3)']);
      c.close();
    }
    const c = await loggedIn(box.port('imap'), user);
    await c.command('A0', 'ENABLE UTF8=ACCEPT');
    expect(await c.command('A5', 'CREATE "xé"')).toEqual(['A5 OK CREATE completed']);
    expect(await c.command('A6', 'LIST "" "x*"')).toEqual(['* LIST (\\HasNoChildren) "/" "xé"', 'A6 OK LIST completed']);
    c.close();
  });

  it('accepts APPEND … UTF8 (~{n}) once enabled, stores the bytes as sent, and searches them decoded', async () => {
    const user = 'utf8-append@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    // RFC 6855 §4: the UTF8 data item is refused until the client enabled UTF8=ACCEPT; the connection goes on.
    c.write(`A1 APPEND INBOX UTF8 (~{${MESSAGE.length}+}\r\n`);
    c.write(Buffer.concat([MESSAGE, Buffer.from(')\r\n')]));
    expect(await c.until('A1')).toEqual(['A1 BAD APPEND: APPEND UTF8 needs ENABLE UTF8=ACCEPT first']);
    expect(box.store.folder(user, 'INBOX')?.entries).toHaveLength(0);
    expect(await c.command('A2', 'ENABLE UTF8=ACCEPT')).toEqual(['* ENABLED UTF8=ACCEPT', 'A2 OK ENABLE completed']);
    const validity = box.store.folder(user, 'INBOX')?.uidValidity;
    // Non-synchronising (RFC 7888) …
    c.write(`A3 APPEND INBOX (\\Seen) UTF8 (~{${MESSAGE.length}+}\r\n`);
    c.write(Buffer.concat([MESSAGE, Buffer.from(')\r\n')]));
    expect(await c.until('A3')).toEqual([`A3 OK [APPENDUID ${validity} 1] APPEND completed`]);
    // … and synchronising: the server asks for the octets with a continuation.
    c.write(`A4 APPEND INBOX UTF8 (~{${MESSAGE.length}}\r\n`);
    expect(await c.line()).toMatch(/^\+ /);
    c.write(Buffer.concat([MESSAGE, Buffer.from(')\r\n')]));
    expect(await c.until('A4')).toEqual([`A4 OK [APPENDUID ${validity} 2] APPEND completed`]);
    const stored = await storedBytes(box.store, box.store.folder(user, 'INBOX')?.entries.map((e) => e.message) ?? []);
    expect(stored).toEqual([MESSAGE, MESSAGE]);

    await c.command('S1', 'SELECT INBOX');
    expect(await c.command('A5', 'FETCH 1 (FLAGS ENVELOPE)')).toEqual([
      '* 1 FETCH (FLAGS (\\Seen \\Recent) ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700" "Grüße aus Köln" (("Jürgen" NIL "juergen" "red.example")) (("Jürgen" NIL "juergen" "red.example")) (("Jürgen" NIL "juergen" "red.example")) ((NIL NIL "bob" "blue.com")) NIL NIL NIL NIL))',
      'A5 OK FETCH completed',
    ]);
    expect(await c.command('A6', 'FETCH 2 BODY.PEEK[]')).toEqual([`* 2 FETCH (BODY[] {${MESSAGE.length}}\r\n${MESSAGE.toString('utf8')})`, 'A6 OK FETCH completed']);
    expect(await c.command('A7', 'SEARCH SUBJECT "grüße"')).toEqual(['* SEARCH 1 2', 'A7 OK SEARCH completed']);
    expect(await c.command('A8', 'SEARCH FROM "Jürgen" UNSEEN')).toEqual(['* SEARCH 2', 'A8 OK SEARCH completed']);
    // RFC 6855 §3: a charset label other than UTF-8 conflicts with UTF8=ACCEPT.
    expect(await c.command('A9', 'SEARCH CHARSET UTF-8 SUBJECT "köln"')).toEqual(['* SEARCH 1 2', 'A9 OK SEARCH completed']);
    expect(await c.command('A10', 'SEARCH CHARSET ISO-8859-1 SUBJECT "x"')).toEqual(['A10 BAD SEARCH: CHARSET ISO-8859-1 conflicts with UTF8=ACCEPT']);
    c.close();
  });

  it('answers BAD for a malformed UTF8 data item without losing the connection', async () => {
    const c = await loggedIn(box.port('imap'), 'utf8-bad@blue.com');
    await c.command('E1', 'ENABLE UTF8=ACCEPT');
    for (const [tag, head, tail] of [
      ['B1', 'APPEND INBOX UTF8 ({5+}', ')'],
      ['B2', 'APPEND INBOX UTF8 (~{5+}', ''],
      ['B3', 'APPEND INBOX UTF8 ~{5+}', ''],
      ['B4', 'APPEND INBOX UTF8 (~{5+}', ' x)'],
    ] as const) {
      c.write(`${tag} ${head}\r\nHello${tail}\r\n`);
      expect((await c.until(tag))[0]).toMatch(new RegExp(`^${tag} BAD `));
    }
    expect(box.store.folder('utf8-bad@blue.com', 'INBOX')?.entries).toHaveLength(0);
    expect(await c.command('N1', 'NOOP')).toEqual(['N1 OK NOOP completed']);
    c.close();
  });

  it('accepts APPEND with a literal8 of binary content (RFC 3516 §4.4) and serves it back byte for byte', async () => {
    const user = 'binary-append@blue.com';
    const c = await loggedIn(box.port('imap'), user);
    const raw = Buffer.concat([Buffer.from('Subject: bin\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'), Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a])]);
    c.write(`A1 APPEND INBOX ~{${raw.length}+}\r\n`);
    c.write(Buffer.concat([raw, Buffer.from('\r\n')]));
    const validity = box.store.folder(user, 'INBOX')?.uidValidity;
    expect(await c.until('A1')).toEqual([`A1 OK [APPENDUID ${validity} 1] APPEND completed`]);
    expect((await bytesOf(box.store, box.store.folder(user, 'INBOX')?.entries[0]?.message))?.equals(raw)).toBe(true);
    await c.command('S1', 'SELECT INBOX');
    expect(await c.command('A2', 'FETCH 1 BINARY.SIZE[1]')).toEqual(['* 1 FETCH (BINARY.SIZE[1] 6)', 'A2 OK FETCH completed']);
    // A literal8 announcement with nothing usable after it is BAD, and the session goes on.
    c.write('A3 APPEND INBOX ~{2+}\r\nab x\r\n');
    expect((await c.until('A3'))[0]).toMatch(/^A3 BAD /);
    expect(await c.command('N1', 'NOOP')).toEqual(['N1 OK NOOP completed']);
    c.close();
  });
});
