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

  it('announces at most 1000 keywords, however many a client invents', async () => {
    const { c } = await freshMailbox(box, 1, 'kw');
    const many = Array.from({ length: 1005 }, (_, i) => `k${i}`);
    const reply = await c.command('A1', `STORE 1 +FLAGS.SILENT (${many.join(' ')})`);
    expect(reply.at(-1)).toBe('A1 OK STORE completed');
    const flags = reply.find((line) => line.startsWith('* FLAGS ('));
    expect(flags?.split(' ').filter((flag) => /^\(?k\d/.test(flag))).toHaveLength(1000);
    c.close();
  });
});
