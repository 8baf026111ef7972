import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { freshMailbox } from './fresh-mailbox.js';
import { loggedIn } from './imap-client.js';

let box: TestSandbox;
beforeAll(async () => {
  box = await startTestSandbox();
});
afterAll(() => box.stop(0));

const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

describe('a new keyword is announced in FLAGS before a FETCH shows it (RFC 3501 §7.2.6)', () => {
  it('to the session that set it and to every other session with the mailbox selected, once', async () => {
    const { c: a, user } = await freshMailbox(box, 2, 'kw');
    const b = await loggedIn(box.port('imap'), user);
    await b.command('B0', 'SELECT INBOX');
    const e = await loggedIn(box.port('imap'), user);
    await e.command('E0', 'EXAMINE INBOX');
    expect(await a.command('A1', 'STORE 1 +FLAGS ($Work)')).toEqual([
      `* FLAGS (${SYSTEM} $Work)`,
      `* OK [PERMANENTFLAGS (${SYSTEM} $Work \\*)] Flags permitted`,
      '* 1 FETCH (FLAGS ($Work \\Recent))',
      'A1 OK STORE completed',
    ]);
    expect(await b.command('B1', 'NOOP')).toEqual([
      `* FLAGS (${SYSTEM} $Work)`,
      `* OK [PERMANENTFLAGS (${SYSTEM} $Work \\*)] Flags permitted`,
      '* 1 FETCH (UID 1 FLAGS ($Work))',
      'B1 OK NOOP completed',
    ]);
    // A read-only session may change no flag.
    expect(await e.command('E1', 'FETCH 1 FLAGS')).toEqual([`* FLAGS (${SYSTEM} $Work)`, '* OK [PERMANENTFLAGS ()] Flags permitted', '* 1 FETCH (FLAGS ($Work))', 'E1 OK FETCH completed']);
    // Known now: not announced again.
    expect(await a.command('A2', 'STORE 2 +FLAGS ($Work)')).toEqual(['* 2 FETCH (FLAGS ($Work \\Recent))', 'A2 OK STORE completed']);
    expect(await b.command('B2', 'FETCH 2 FLAGS')).toEqual(['* 2 FETCH (FLAGS ($Work))', 'B2 OK FETCH completed']);
    a.close();
    b.close();
    e.close();
  });

  it('a keyword that arrives with an APPENDed message, and one set silently, are announced too', async () => {
    const { c: a, user } = await freshMailbox(box, 1, 'kw');
    const b = await loggedIn(box.port('imap'), user);
    const message = 'Subject: kw\r\n\r\nbody\r\n';
    expect((await b.command('B1', `APPEND INBOX ($Later) {${message.length}+}\r\n${message}`)).at(-1)).toMatch(/^B1 OK /);
    await a.command('A1', 'NOOP');
    expect(await a.command('A2', 'FETCH 2 FLAGS')).toEqual([`* FLAGS (${SYSTEM} $Later)`, `* OK [PERMANENTFLAGS (${SYSTEM} $Later \\*)] Flags permitted`, '* 2 FETCH (FLAGS ($Later \\Recent))', 'A2 OK FETCH completed']);
    expect(await a.command('A3', 'STORE 1 +FLAGS.SILENT (Quiet)')).toEqual([`* FLAGS (${SYSTEM} $Later Quiet)`, `* OK [PERMANENTFLAGS (${SYSTEM} $Later Quiet \\*)] Flags permitted`, 'A3 OK STORE completed']);
    // SELECT lists what the mailbox holds.
    expect(await b.command('B2', 'SELECT INBOX')).toContain(`* FLAGS (${SYSTEM} Quiet $Later)`);
    a.close();
    b.close();
  });

  it('refuses a keyword past 100 octets, and a 257th keyword in a mailbox, with NO [LIMIT] (RFC 5530 §3), and then drops \\* from PERMANENTFLAGS', async () => {
    const { c, user } = await freshMailbox(box, 2, 'kw');
    const other = await loggedIn(box.port('imap'), user);
    const long = 'k'.repeat(101);
    expect(await c.command('A1', `STORE 1 +FLAGS (${long})`)).toEqual(['A1 NO [LIMIT] A keyword is at most 100 octets']);
    // One STORE inventing too many sets none of them.
    const many = Array.from({ length: 257 }, (_, i) => `k${i}`);
    expect(await c.command('A2', `STORE 1 +FLAGS.SILENT (${many.join(' ')})`)).toEqual(['A2 NO [LIMIT] A mailbox has at most 256 keywords']);
    expect(await c.command('A3', 'FETCH 1 FLAGS')).toEqual(['* 1 FETCH (FLAGS (\\Recent))', 'A3 OK FETCH completed']);
    // 255 and a 100-octet one: the mailbox is full, and says so.
    const full = [...many.slice(0, 255), 'x'.repeat(100)];
    const reply = await c.command('A4', `STORE 1 +FLAGS.SILENT (${full.join(' ')})`);
    expect(reply).toEqual([`* FLAGS (${SYSTEM} ${full.join(' ')})`, `* OK [PERMANENTFLAGS (${SYSTEM} ${full.join(' ')})] Flags permitted`, 'A4 OK STORE completed']);
    expect(await c.command('A5', 'STORE 2 +FLAGS (k256)')).toEqual(['A5 NO [LIMIT] A mailbox has at most 256 keywords']);
    // A keyword the mailbox has may still be set, and any flag removed.
    expect(await c.command('A6', 'STORE 2 +FLAGS (k7 \\Seen)')).toEqual(['* 2 FETCH (FLAGS (k7 \\Seen \\Recent))', 'A6 OK STORE completed']);
    expect(await c.command('A7', 'STORE 2 -FLAGS (k7 k256)')).toEqual(['* 2 FETCH (FLAGS (\\Seen \\Recent))', 'A7 OK STORE completed']);
    // APPEND is held to the same bounds.
    const message = 'Subject: kw\r\n\r\nbody\r\n';
    expect(await other.command('B1', `APPEND INBOX (k256) {${message.length}+}\r\n${message}`)).toEqual(['B1 NO [LIMIT] A mailbox has at most 256 keywords']);
    expect((await other.command('B2', `APPEND INBOX (k9) {${message.length}+}\r\n${message}`)).at(-1)).toMatch(/^B2 OK \[APPENDUID /);
    expect(await other.command('B3', 'SELECT INBOX')).toContain(`* OK [PERMANENTFLAGS (${SYSTEM} ${full.join(' ')})] Flags permitted`);
    c.close();
    other.close();
  });
});
