import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { deliver } from './fixtures.js';
import { ImapLineClient, loggedIn } from './imap-client.js';

let box: TestSandbox;
let bystander: ImapLineClient;
const user = 'hostile@blue.com';

beforeAll(async () => {
  box = await startTestSandbox();
  for (let i = 1; i <= 3; i++) deliver(box.store, `h${i}`, { to: user });
  bystander = await loggedIn(box.port('imap'), user);
  await bystander.command('S', 'SELECT INBOX');
});
afterAll(async () => {
  // Other sessions are unaffected by everything below.
  // (It may also hear of \Seen set by a FETCH below.) The unfinished APPEND stored nothing.
  const reply = await bystander.command('Z', 'UID SEARCH ALL');
  expect([reply[0], reply.at(-1)]).toEqual(['* SEARCH 1 2 3', 'Z OK UID SEARCH completed']);
  bystander.close();
  await box.stop(0);
});

async function selected() {
  const c = await loggedIn(box.port('imap'), user);
  await c.command('S', 'SELECT INBOX');
  return c;
}

describe('IMAP hostile input', () => {
  it('refuses a {4294967296} literal before reading it, and goes on', async () => {
    const c = await selected();
    expect(await c.command('A1', 'APPEND INBOX {4294967296}')).toEqual(['A1 NO [TOOBIG] Literal too large']);
    expect(await c.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    c.close();
  });

  it('ends the session on a too-large non-synchronising literal (RFC 7888 §4)', async () => {
    const c = await selected();
    c.write('A1 APPEND INBOX {4294967296+}\r\nxxxxxxxx');
    expect(await c.line()).toBe('A1 BAD [TOOBIG] Literal too large');
    expect(await c.line()).toBe('* BYE Literal too large');
    await c.closedByServer();
  });

  it('answers BAD to a literal longer than announced', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    expect(await c.command('A1', 'LOGIN {3+}\r\nbobEXTRA secret')).toEqual(['A1 BAD LOGIN: expected a space']);
    expect(await c.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    c.close();
  });

  it('refuses a login name holding a NUL, CR or LF, or longer than any mailbox, makes no folders for it, and goes on', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    const names = ['bad\0one@blue.com', 'bad\rtwo@blue.com', 'bad\nthree@blue.com', `${'x'.repeat(100_000)}@blue.com`];
    for (const [i, name] of names.entries()) {
      expect(await c.command(`A${i}`, `LOGIN {${name.length}+}\r\n${name} pw`)).toEqual([`A${i} NO [AUTHENTICATIONFAILED] Invalid credentials`]);
      expect(box.store.hasFolders(name)).toBe(false);
    }
    expect((await c.command('B1', `LOGIN ${user} pw`)).at(-1)).toMatch(/^B1 OK /);
    c.close();
  });

  it('answers BAD to 10,000 nested parentheses', async () => {
    const c = await selected();
    const deep = '('.repeat(10_000) + 'ALL' + ')'.repeat(10_000);
    expect(await c.command('A1', `SEARCH ${deep}`)).toEqual(['A1 BAD SEARCH: lists nested too deeply']);
    expect(await c.command('A2', `SEARCH ${'NOT '.repeat(10_000)}ALL`)).toEqual(['A2 BAD SEARCH: lists nested too deeply']);
    expect(await c.command('A3', `FETCH 1 ${'('.repeat(10_000)}`)).toEqual(['A3 BAD FETCH: expected an atom']);
    c.close();
  });

  it('clips FETCH 1:4294967295 and *:* to the mailbox, and refuses numbers past 32 bits', async () => {
    const c = await selected();
    expect(await c.command('A1', 'FETCH 1:4294967295 UID')).toEqual(['* 1 FETCH (UID 1)', '* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', 'A1 OK FETCH completed']);
    expect(await c.command('A2', 'FETCH *:* UID')).toEqual(['* 3 FETCH (UID 3)', 'A2 OK FETCH completed']);
    expect(await c.command('A3', 'UID FETCH 4294967295:1 UID')).toHaveLength(4);
    expect(await c.command('A4', 'FETCH 1:4294967296 UID')).toEqual(['A4 BAD FETCH: number out of range']);
    expect(await c.command('A5', 'FETCH 0 UID')).toEqual(['A5 BAD FETCH: sequence numbers start at 1']);
    c.close();
  });

  it('answers a 1 MB command line with BAD as soon as it passes the cap, without waiting for its end', async () => {
    const c = await selected();
    c.write('A1 NOOP ' + 'a'.repeat(1024 * 1024));
    expect(await c.line()).toBe('A1 BAD Command line too long');
    c.write('\r\n');
    expect(await c.command('A2', 'NOOP')).toEqual(['A2 OK NOOP completed']);
    c.close();
  });

  it('answers BAD to NUL bytes and 8-bit garbage', async () => {
    const c = await selected();
    expect(await c.command('A1', 'NOOP\0')).toEqual(['A1 BAD NOOP: unexpected characters at the end of the command']);
    expect((await c.command('A2', 'LOGIN "a\0b" c'))[0]).toMatch(/^A2 BAD/);
    c.write(Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]));
    expect(await c.line()).toBe('* BAD Could not read a tag and a command');
    expect(await c.command('A3', 'NOOP')).toEqual(['A3 OK NOOP completed']);
    c.close();
  });

  it('logs out an IDLE that never ends once the autologout time passes', async () => {
    const short = await startTestSandbox({ imapIdleTimeout: 300 });
    try {
      const c = await loggedIn(short.port('imap'), user);
      c.write('A1 IDLE\r\n');
      expect(await c.line()).toBe('+ idling');
      expect(await c.line()).toBe('* BYE Autologout; idle for too long');
      await c.closedByServer();
    } finally {
      await short.stop(0);
    }
  });

  it('survives a client vanishing mid-literal and mid-FETCH', async () => {
    const c = await selected();
    c.write('A1 APPEND INBOX {100000}\r\n');
    expect(await c.line()).toBe('+ Ready for literal data');
    c.write('x'.repeat(1000));
    c.close();
    const d = await selected();
    d.write('A2 FETCH 1:* BODY[]\r\n');
    d.close();
    const e = await selected();
    expect(await e.command('A3', 'NOOP')).toEqual(['A3 OK NOOP completed']);
    e.close();
  });
});
