import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { loadAuthFile, MAX_AUTH_FILE_BYTES } from '../../server/security/auth-file.js';
import { startApi } from '../http/http-helpers.js';

const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
/** 53 characters of bcrypt's base64: 22 of salt, 31 of hash (a well-formed body, not a real hash). */
const BODY = 'abcdefghijklmnopqrstuu5Jz8mSG3cJq2/Zz9kZ0xPZ7M5bqMa6u';
const sha = (password: string) => '{SHA}' + createHash('sha1').update(password).digest('base64');
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** The file the audit found accepted: each of its lines is wrong in its own way. */
const AUDIT_FILE = ['alice:', 'bob:one', 'bob:two', `carol:$apr1$Jx3Ki4vD$W0H3vHi1xNvyzn3nB1E2r/`, `dave:$2b$99$${BODY}`, 'eve:pw   '].join('\n') + '\n';

/** Writes `content` as an auth file in a new temporary folder; returns its path. */
async function authFile(content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-auth-file-'));
  const path = join(dir, 'users');
  await writeFile(path, content);
  return path;
}

/** The error a file is refused with. */
async function refusal(content: string | Buffer): Promise<{ path: string; message: string }> {
  const path = await authFile(content);
  try {
    await loadAuthFile(path);
  } catch (error) {
    return { path, message: (error as Error).message };
  }
  throw new Error('the file was accepted');
}

describe('an auth file', () => {
  it.each([
    ['an empty password', 'alice:\n', 1, /the secret of "alice" is empty/],
    ['a user twice (the last line won)', '# users\nbob:one\nbob:two\n', 3, /the user "bob" is already on line 2/],
    ["htpasswd's default $apr1$ (its text was the password)", 'carol:$apr1$Jx3Ki4vD$W0H3vHi1xNvyzn3nB1E2r/\n', 1, /format not supported, "\$apr1\$" \(supported: bcrypt .*\{SHA\}.*plain text\)/],
    ['a crypt MD5 hash', 'u:$1$saltsalt$abcdefghijklmnopqrstuv\n', 1, /format not supported, "\$1\$"/],
    ['a crypt SHA-256 hash', 'u:$5$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n', 1, /format not supported, "\$5\$"/],
    ['a crypt SHA-512 hash', 'u:$6$saltsalt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n', 1, /format not supported, "\$6\$"/],
    ['a yescrypt hash', 'u:$y$j9T$saltsaltsalt$abcdefghijklmnopqrstuvwxyz0123456789A\n', 1, /format not supported, "\$y\$"/],
    ['an argon2 hash', 'u:$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g\n', 1, /format not supported, "\$argon2id\$"/],
    ['an LDAP salted SHA', 'u:{SSHA}abcdefghijklmnopqrstuvwxyz012345\n', 1, /format not supported, "\{SSHA\}"/],
    ['a bcrypt cost past 31 (every login failed with 500)', `dave:$2b$99$${BODY}\n`, 1, /the secret of "dave" is not a valid bcrypt hash \(expected \$2a\$, \$2b\$ or \$2y\$, a cost from 04 to 31/],
    ['a bcrypt cost below 4', `dave:$2b$03$${BODY}\n`, 1, /not a valid bcrypt hash/],
    ['a bcrypt hash cut short', `dave:$2b$10$${BODY.slice(1)}\n`, 1, /not a valid bcrypt hash/],
    ['a bcrypt hash outside its alphabet', `dave:$2b$10$${BODY.slice(1)}+\n`, 1, /not a valid bcrypt hash/],
    ['an unknown bcrypt prefix', `dave:$2x$10$${BODY}\n`, 1, /not a valid bcrypt hash/],
    ['a broken {SHA}', 'u:{SHA}short\n', 1, /not a valid \{SHA\} hash/],
    ['trailing spaces (they were stripped)', 'eve:pw   \n', 1, /the secret of "eve" starts or ends with white space/],
    ['leading spaces in the secret', 'eve: pw\n', 1, /starts or ends with white space/],
    ['a user name padded with spaces', ' eve :pw\n', 1, /the user name starts or ends with white space/],
    ['a tab', 'eve:p\tw\n', 1, /holds a control character/],
    ['a lone CR', 'eve:pw\rroot:x\n', 1, /holds a control character/],
    ['a NUL in the user name', 'e\0ve:pw\n', 1, /holds a control character/],
    ['a C1 control', 'eve:pw\u0085x\n', 1, /holds a control character/],
    ['a zero-width space in the user name (no login can carry it)', 'e\u200bve:pw\n', 1, /the user name "e\u200bve" holds an invisible character/],
    ['a line without a colon', 'ok:pw\nnocolon\n', 2, /expected user:secret/],
    ['an empty user', ':pw\n', 1, /expected user:secret/],
  ])('refuses %s, naming the file and the line', async (_what, content, line, message) => {
    const { path, message: got } = await refusal(content);
    expect(got).toMatch(new RegExp(`^auth file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line ${line}: `));
    expect(got).toMatch(message);
    expect(got).not.toContain('\n');
  });

  it('refuses the whole file the audit wrote at its first bad line', async () => {
    const { path, message } = await refusal(AUDIT_FILE);
    expect(message).toBe(`auth file ${path} line 1: the secret of "alice" is empty (an empty password is not a password)`);
  });

  it('refuses bytes that are not UTF-8 rather than turning them into U+FFFD', async () => {
    const { path, message } = await refusal(Buffer.concat([Buffer.from('eve:pw'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    expect(message).toBe(`auth file ${path}: not valid UTF-8`);
  });

  it('refuses a file larger than the cap, naming the file', async () => {
    const { path, message } = await refusal('# ' + 'x'.repeat(MAX_AUTH_FILE_BYTES) + '\neve:pw\n');
    expect(message).toMatch(new RegExp(`^auth file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ bytes, more than the ${MAX_AUTH_FILE_BYTES}`));
  });

  it('refuses a path that is no regular file: a FIFO would be read without end', async () => {
    const fifo = join(await mkdtemp(join(tmpdir(), 'letterbox-auth-fifo-')), 'users');
    execFileSync('mkfifo', [fifo]);
    await expect(loadAuthFile(fifo)).rejects.toThrow(`auth file ${fifo}: not a regular file`);
    await expect(loadAuthFile(dirname(fifo))).rejects.toThrow('not a regular file');
  });

  it('keeps each secret exactly as written, but the CR of a CRLF line ending', async () => {
    const hash = bcrypt.hashSync('bcrypt pw', 4);
    const lines = [
      '# comments and blank lines are skipped',
      '',
      'eve:pw with  inner spaces',
      'colon:a:b',
      `b2a:${hash.replace(/^\$2.\$/, '$2a$')}`,
      `b2b:${hash.replace(/^\$2.\$/, '$2b$')}`,
      `b2y:${hash.replace(/^\$2.\$/, '$2y$')}`,
      `sha:${sha('sha pw')}`,
      'dollar:$ecret', // a plain password may hold "$", as long as it is not shaped as "$id$…"
      'ünï:cödé',
    ];
    const credentials = await loadAuthFile(await authFile('\uFEFF' + lines.join('\r\n') + '\r\n'));
    expect(credentials.users).toBe(8);
    expect(await credentials.verify('eve', 'pw with  inner spaces')).toBe(true);
    expect(await credentials.verify('eve', 'pw with  inner spaces\r')).toBe(false);
    expect(await credentials.verify('colon', 'a:b')).toBe(true);
    for (const user of ['b2a', 'b2b', 'b2y']) expect(await credentials.verify(user, 'bcrypt pw'), user).toBe(true);
    expect(await credentials.verify('b2b', hash)).toBe(false);
    expect(await credentials.verify('sha', 'sha pw')).toBe(true);
    expect(await credentials.verify('dollar', '$ecret')).toBe(true);
    expect(await credentials.verify('ünï', 'cödé')).toBe(true);
    expect(credentials.plainSecret('eve')).toBe('pw with  inner spaces');
    expect(credentials.plainSecret('b2b')).toBeUndefined();
  });
});

describe('a server given an auth file', () => {
  it('checks HTTP Basic logins against the secrets as written', async () => {
    const api = await startApi({ uiAuthFile: await authFile(`eve:pw with spaces\r\nsha:${sha('sha pw')}\r\n`) });
    try {
      const status = async (user: string, password: string) => (await fetch(api.base + '/api/v1/messages', { headers: { authorization: basic(user, password) } })).status;
      expect(await status('eve', 'pw with spaces')).toBe(200);
      expect(await status('eve', 'pw with spaces ')).toBe(401);
      expect(await status('eve', 'pw with spaces\r')).toBe(401);
      expect(await status('sha', 'sha pw')).toBe(200);
      expect(await status('sha', sha('sha pw'))).toBe(401);
    } finally {
      await api.stop();
    }
  });

  it.concurrent.each(['--ui-auth-file', '--smtp-auth-file'])('refuses to start with %s of the audit, in one line naming the file and the line', async (option) => {
    const path = await authFile(AUDIT_FILE.replace('alice:\n', ''));
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--smtp', '127.0.0.1:0', '--listen', '127.0.0.1:0', '--pop3', 'off', '--imap', 'off', option, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A letterbox that took the file serves on; end it so that a failing test ends too.
    const stop = setTimeout(() => child.kill('SIGTERM'), 20_000);
    try {
      const [code] = await once(child, 'close');
      expect(code).toBe(2);
    } finally {
      clearTimeout(stop);
      child.kill('SIGTERM');
    }
    expect(stderr.trim().split('\n')).toEqual([`letterbox: auth file ${path} line 2: the user "bob" is already on line 1; a user appears once`]);
  }, 60_000);
});
