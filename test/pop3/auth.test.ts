import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startLoggedSandbox } from '../smtp/capture-logger.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const apopDigest = (greeting: string, secret: string) => {
  const timestamp = /<[^>]+>/.exec(greeting)?.[0] ?? '';
  return createHash('md5').update(timestamp + secret).digest('hex');
};

describe('POP3 logins against an auth file', () => {
  let box: TestSandbox;
  let port: number;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-pop3-auth-'));
    const file = join(dir, 'users');
    await writeFile(
      file,
      [
        '# the same format SMTP AUTH uses',
        'bob@blue.example:bob-pw',
        'carol@blue.example:$2b$04$qUggR.b2ub/UzvFPVWfKBOjv3kCLKjv7D2tDHClXzI9tlofSXEr92',
        'dave@blue.example:dave pw with spaces',
        'admin:admin-pw',
      ].join('\n'),
    );
    // The same users with plain secrets only: APOP is offered only then.
    await writeFile(join(dir, 'plain-users'), ['bob@blue.example:bob-pw', 'admin:admin-pw'].join('\n'));
    box = await startTestSandbox({ smtpAuthFile: file, pop3MaxBadCommands: 100 });
    port = box.port('pop3');
    box.store.deliver({ raw: Buffer.from('Subject: for bob\r\n\r\nhi\r\n'), envelope: { mailFrom: '', rcptTo: ['bob@blue.example'] } });
    box.store.deliver({ raw: Buffer.from('Subject: for carol\r\n\r\nhi\r\n'), envelope: { mailFrom: '', rcptTo: ['carol@blue.example'] } });
  });
  afterAll(async () => {
    await box.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('USER/PASS: right password in, wrong or unknown out with [AUTH]', async () => {
    const pop = await Pop3Dialogue.open(port);
    expect(await pop.command('USER bob@blue.example')).toBe('+OK Send PASS');
    expect(await pop.command('PASS wrong')).toBe('-ERR [AUTH] Authentication failed');
    // After a failed PASS the client starts again with USER.
    expect(await pop.command('PASS bob-pw')).toBe('-ERR Send USER first');
    expect(await pop.command('USER nobody@blue.example')).toBe('+OK Send PASS');
    expect(await pop.command('PASS bob-pw')).toBe('-ERR [AUTH] Authentication failed');
    expect(await pop.login('bob@blue.example', 'bob-pw')).toMatch(/^\+OK Maildrop has 1 message \(\d+ octets\)$/);
    pop.close();
  });

  it('bcrypt secrets and passwords with spaces', async () => {
    const carol = await Pop3Dialogue.open(port);
    expect(await carol.login('carol@blue.example', 'carol-pw')).toMatch(/^\+OK Maildrop has 1 message/);
    carol.close();
    const dave = await Pop3Dialogue.open(port);
    expect(await dave.login('dave@blue.example', 'dave pw with spaces')).toMatch(/^\+OK Maildrop has 0 messages/);
    dave.close();
  });

  it('APOP with plain secrets only (RFC 1939 §7); while a secret is hashed, which cannot answer it, APOP is not offered', async () => {
    const mixed = await Pop3Dialogue.open(port);
    // RFC 1939 §7: the greeting's timestamp is what offers APOP.
    expect(mixed.greeting).toBe('+OK Letterbox POP3 ready');
    expect(await mixed.command(`APOP bob@blue.example ${'0'.repeat(32)}`)).toBe('-ERR APOP is not offered here; use USER and PASS, or AUTH PLAIN');
    mixed.close();
    const plain = await startTestSandbox({ smtpAuthFile: join(dir, 'plain-users'), pop3MaxBadCommands: 100 });
    try {
      plain.store.deliver({ raw: Buffer.from('Subject: for bob\r\n\r\nhi\r\n'), envelope: { mailFrom: '', rcptTo: ['bob@blue.example'] } });
      const pop = await Pop3Dialogue.open(plain.port('pop3'));
      expect(pop.greeting).toMatch(/^\+OK Letterbox POP3 ready <[^>]+>$/);
      expect(await pop.command(`APOP bob@blue.example ${'0'.repeat(32)}`)).toBe('-ERR [AUTH] Authentication failed');
      expect(await pop.command('APOP bob@blue.example nothex')).toBe('-ERR APOP needs a name and a 32-digit hex MD5 digest');
      expect(await pop.command(`APOP bob@blue.example ${apopDigest(pop.greeting, 'bob-pw').toUpperCase()}`)).toMatch(/^\+OK Maildrop has 1 message/);
      pop.close();
    } finally {
      await plain.stop(0);
    }
  });

  it('AUTH PLAIN with an initial response, and as a continuation (RFC 5034)', async () => {
    const one = await Pop3Dialogue.open(port);
    expect(await one.command(`AUTH PLAIN ${b64('\0bob@blue.example\0bob-pw')}`)).toMatch(/^\+OK Maildrop has 1 message/);
    one.close();
    await one.closed;
    const two = await Pop3Dialogue.open(port);
    expect(await two.command('AUTH plain')).toBe('+ ');
    expect(await two.command(b64('\0carol@blue.example\0carol-pw'))).toMatch(/^\+OK Maildrop has 1 message/);
    two.close();
  });

  it('AUTH PLAIN failures: wrong password, another authzid, bad base64, cancel', async () => {
    const pop = await Pop3Dialogue.open(port);
    expect(await pop.command(`AUTH PLAIN ${b64('\0bob@blue.example\0nope')}`)).toBe('-ERR [AUTH] Authentication failed');
    expect(await pop.command(`AUTH PLAIN ${b64('admin\0bob@blue.example\0bob-pw')}`)).toBe('-ERR [AUTH] Authentication failed');
    expect(await pop.command('AUTH PLAIN !!!notbase64')).toBe('-ERR Malformed PLAIN response');
    expect(await pop.command(`AUTH PLAIN ${b64('no nul here')}`)).toBe('-ERR Malformed PLAIN response');
    expect(await pop.command('AUTH PLAIN')).toBe('+ ');
    expect(await pop.command('*')).toBe('-ERR Authentication cancelled');
    // After a cancelled exchange the session reads commands again.
    expect(await pop.command('AUTH CRAM-MD5')).toBe('-ERR Unsupported SASL mechanism: CRAM-MD5');
    expect(await pop.command('AUTH PLAIN a b')).toBe('-ERR AUTH takes a mechanism and an optional initial response');
    pop.close();
  });

  it('AUTH LOGIN, with and without an initial response', async () => {
    const one = await Pop3Dialogue.open(port);
    expect(await one.command('AUTH LOGIN')).toBe('+ VXNlcm5hbWU6');
    expect(await one.command(b64('bob@blue.example'))).toBe('+ UGFzc3dvcmQ6');
    expect(await one.command(b64('bob-pw'))).toMatch(/^\+OK Maildrop has 1 message/);
    one.close();
    await one.closed;
    const two = await Pop3Dialogue.open(port);
    expect(await two.command(`AUTH LOGIN ${b64('carol@blue.example')}`)).toBe('+ UGFzc3dvcmQ6');
    expect(await two.command(b64('wrong'))).toBe('-ERR [AUTH] Authentication failed');
    expect(await two.command(`AUTH LOGIN ${b64('carol@blue.example')}`)).toBe('+ UGFzc3dvcmQ6');
    expect(await two.command('*')).toBe('-ERR Authentication cancelled');
    two.close();
  });

  it('AUTH without a mechanism lists the mechanisms', async () => {
    const pop = await Pop3Dialogue.open(port);
    const listing = await pop.multiline('AUTH');
    expect(listing.lines).toEqual(['PLAIN', 'LOGIN']);
    pop.close();
  });

  it('one session per maildrop: [IN-USE] until the first one quits', async () => {
    const first = await Pop3Dialogue.open(port);
    await first.login('bob@blue.example', 'bob-pw');
    const second = await Pop3Dialogue.open(port);
    await second.command('USER bob@blue.example');
    expect(await second.command('PASS bob-pw')).toBe('-ERR [IN-USE] Maildrop is in use by another session');
    expect(await second.command(`AUTH PLAIN ${b64('\0bob@blue.example\0bob-pw')}`)).toBe('-ERR [IN-USE] Maildrop is in use by another session');
    expect(await first.command('QUIT')).toMatch(/^\+OK/);
    await first.closed;
    // The server released the lock before it closed the connection, so this succeeds now.
    expect(await second.command(`AUTH PLAIN ${b64('\0bob@blue.example\0bob-pw')}`)).toMatch(/^\+OK Maildrop has 1 message/);
    second.close();
  });

  it('failed logins count as bad commands and close the session; no password reaches the log', async () => {
    const { box: logged, log, port: portOf } = await startLoggedSandbox({ smtpAuthFile: join(dir, 'plain-users'), pop3MaxBadCommands: 3 });
    try {
      const pop = await Pop3Dialogue.open(portOf('pop3'));
      await pop.command('USER bob@blue.example');
      expect(await pop.command('PASS guess-one')).toBe('-ERR [AUTH] Authentication failed');
      expect(await pop.command(`AUTH PLAIN ${b64('\0bob@blue.example\0guess-two')}`)).toBe('-ERR [AUTH] Authentication failed');
      expect(await pop.command(`APOP bob@blue.example ${'f'.repeat(32)}`)).toBe('-ERR [AUTH] Authentication failed (too many bad commands, closing connection)');
      await pop.closed;
      const session = await log.next('pop3 session');
      expect(session).toMatchObject({ ended: 'too many bad commands', commands: 4 });
      expect(log.records.filter((r) => r.msg === 'pop3 authentication failed')).toHaveLength(2);
      const written = JSON.stringify(log.records);
      for (const secret of ['guess-one', 'guess-two', 'bob-pw']) expect(written).not.toContain(secret);
    } finally {
      await logged.stop(0);
    }
  });

  it('a login without @ is the catch-all and sees every message', async () => {
    const pop = await Pop3Dialogue.open(port);
    await pop.login('admin', 'admin-pw');
    expect(await pop.command('STAT')).toMatch(new RegExp(`^\\+OK ${box.store.stats().messages} \\d+$`));
    pop.close();
  });
});

describe('POP3 without an auth file', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ pop3MaxBadCommands: 3 });
  });
  afterAll(() => box.stop(0));

  it('accepts any password, and any APOP digest', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect(await pop.login('whoever@blue.example', 'anything at all')).toBe('+OK Maildrop has 0 messages (0 octets)');
    pop.close();
    const apop = await Pop3Dialogue.open(box.port('pop3'));
    expect(await apop.command(`APOP someone@blue.example ${'ab'.repeat(16)}`)).toBe('+OK Maildrop has 0 messages (0 octets)');
    apop.close();
  });

  it('maildrops and their locks match addresses case-insensitively; catch-all logins share one', async () => {
    const port = box.port('pop3');
    box.store.deliver({ raw: Buffer.from('Subject: x\r\n\r\nx\r\n'), envelope: { mailFrom: '', rcptTo: ['Erin@Blue.example'] } });
    const first = await Pop3Dialogue.open(port);
    expect(await first.login('erin@blue.example')).toMatch(/^\+OK Maildrop has 1 message/);
    const second = await Pop3Dialogue.open(port);
    await second.command('USER ERIN@BLUE.EXAMPLE');
    expect(await second.command('PASS x')).toBe('-ERR [IN-USE] Maildrop is in use by another session');
    const admin = await Pop3Dialogue.open(port);
    await admin.login('admin');
    const root = await Pop3Dialogue.open(port);
    await root.command('USER root');
    expect(await root.command('PASS x')).toBe('-ERR [IN-USE] Maildrop is in use by another session');
    for (const pop of [first, second, admin, root]) pop.close();
  });

  it('closes the session after too many bad commands', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect(await pop.command('HELO')).toBe('-ERR Unknown command: HELO');
    expect(await pop.command('STAT')).toBe('-ERR STAT is not valid in this state');
    expect(await pop.command('XYZZY')).toBe('-ERR Unknown command: XYZZY (too many bad commands, closing connection)');
    await pop.closed;
  });
});
