import { createHash, createHmac } from 'node:crypto';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { ImapLineClient } from './imap-client.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** RFC 2195 §2: HMAC-MD5 of the challenge keyed with the secret, in lower-case hex. */
const cramDigest = (secret: string, challenge: string) => createHmac('md5', secret).update(challenge).digest('hex');

describe('IMAP authentication without TLS (RFC 3501 §6.2)', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox();
  });
  afterAll(() => box.stop(0));

  async function open() {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    return c;
  }

  it('LOGIN takes any password and returns capabilities', async () => {
    const c = await open();
    const reply = await c.command('a001', 'LOGIN SMITH SESAME');
    expect(reply[0]).toMatch(/^a001 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
    expect(reply[0]).not.toContain('AUTH=');
    c.close();
  });

  it('AUTHENTICATE PLAIN with an initial response (SASL-IR, RFC 4959)', async () => {
    const c = await open();
    const reply = await c.command('a1', `AUTHENTICATE PLAIN ${b64('\0bob@blue.com\0pw')}`);
    expect(reply[0]).toMatch(/^a1 OK \[CAPABILITY /);
    c.close();
  });

  it('AUTHENTICATE PLAIN with an authzid: the same user logs in, another is refused (RFC 4616 §2, RFC 5530)', async () => {
    const c = await open();
    expect(await c.command('z1', `AUTHENTICATE PLAIN ${b64('carol@blue.com\0bob@blue.com\0pw')}`)).toEqual(['z1 NO [AUTHORIZATIONFAILED] Cannot act as another user']);
    expect(await c.command('z2', `AUTHENTICATE PLAIN ${b64('bob@blue.com\0bob@blue.com\0pw')}`)).toEqual([expect.stringMatching(/^z2 OK \[CAPABILITY /)]);
    c.close();
  });

  it('AUTHENTICATE PLAIN with a continuation, and cancelling with *', async () => {
    const c = await open();
    c.write('a2 AUTHENTICATE PLAIN\r\n');
    expect(await c.line()).toBe('+ ');
    c.write('*\r\n');
    expect(await c.line()).toBe('a2 BAD Authentication cancelled');
    c.write('a3 AUTHENTICATE PLAIN\r\n');
    expect(await c.line()).toBe('+ ');
    c.write(b64('\0bob@blue.com\0pw') + '\r\n');
    expect(await c.line()).toMatch(/^a3 OK /);
    c.close();
  });

  it('AUTHENTICATE LOGIN asks for the user name and password', async () => {
    const c = await open();
    c.write('a4 AUTHENTICATE LOGIN\r\n');
    expect(await c.line()).toBe('+ VXNlcm5hbWU6');
    c.write(b64('bob@blue.com') + '\r\n');
    expect(await c.line()).toBe('+ UGFzc3dvcmQ6');
    c.write(b64('pw') + '\r\n');
    expect(await c.line()).toMatch(/^a4 OK /);
    c.close();
  });

  it('refuses unknown mechanisms and bad base64', async () => {
    const c = await open();
    expect(await c.command('a5', 'AUTHENTICATE GSSAPI')).toEqual(['a5 NO Unsupported mechanism GSSAPI']);
    expect(await c.command('a6', 'AUTHENTICATE PLAIN !!!')).toEqual(['a6 BAD Invalid base64']);
    c.close();
  });

  it('AUTHENTICATE CRAM-MD5 (RFC 2195) takes any well-formed answer without an auth file', async () => {
    const c = await open();
    c.write('a8 AUTHENTICATE CRAM-MD5\r\n');
    const challenge = Buffer.from((await c.line()).slice(2), 'base64').toString();
    // RFC 2195 §2: a unique msg-id style timestamp.
    expect(challenge).toMatch(/^<[0-9a-f]+\.\d+@letterbox>$/);
    c.write(b64(`tim ${cramDigest('anything', challenge)}`) + '\r\n');
    expect(await c.line()).toMatch(/^a8 OK \[CAPABILITY /);
    c.close();
  });

  it('AUTHENTICATE CRAM-MD5 with a space and nothing after it (as mutt sends it with SASL-IR) starts the exchange', async () => {
    const c = await open();
    c.write('a9 AUTHENTICATE CRAM-MD5 \r\n');
    const challenge = Buffer.from((await c.line()).slice(2), 'base64').toString();
    expect(challenge).toMatch(/^<[0-9a-f]+\.\d+@letterbox>$/);
    c.write(b64(`tim ${cramDigest('anything', challenge)}`) + '\r\n');
    expect(await c.line()).toMatch(/^a9 OK \[CAPABILITY /);
    c.close();
  });

  it('STARTTLS is refused when no TLS is configured', async () => {
    const c = await open();
    expect(await c.command('a7', 'STARTTLS')).toEqual(['a7 BAD TLS is not available here']);
    c.close();
  });
});

describe('IMAP with an auth file and required TLS', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imap-auth-'));
    const file = join(dir, 'users');
    // RFC 2195 §2's own user and secret: every secret plain, so CRAM-MD5 is offered.
    writeFileSync(file, `bob@blue.com:right\ntim:tanstaaftanstaaf\n`);
    box = await startTestSandbox({ smtpTls: 'self-signed', smtpAuthFile: file, imapRequireTls: true, imaps: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(() => box.stop(0));

  it('advertises LOGINDISABLED and STARTTLS, refuses LOGIN in clear, accepts it after STARTTLS (§6.2.1)', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    const greeting = await c.line();
    expect(greeting).toContain('STARTTLS');
    expect(greeting).toContain('LOGINDISABLED');
    expect(greeting).not.toContain('AUTH=PLAIN');
    expect(await c.command('a1', 'LOGIN bob@blue.com right')).toEqual(['a1 NO [PRIVACYREQUIRED] Log in after STARTTLS']);
    expect(await c.command('a2', 'STARTTLS')).toEqual(['a2 OK Begin TLS negotiation now']);
    await c.startTls();
    const caps = await c.command('a3', 'CAPABILITY');
    expect(caps[0]).not.toContain('STARTTLS');
    expect(caps[0]).not.toContain('LOGINDISABLED');
    expect(caps[0]).toContain('AUTH=PLAIN');
    expect(await c.command('a4', 'LOGIN bob@blue.com wrong')).toEqual(['a4 NO [AUTHENTICATIONFAILED] Invalid credentials']);
    expect((await c.command('a5', 'LOGIN bob@blue.com right'))[0]).toMatch(/^a5 OK /);
    c.close();
  });

  it('drops commands pipelined after STARTTLS instead of running them under TLS', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    await c.line();
    c.write('b1 STARTTLS\r\nb2 LOGIN bob@blue.com right\r\n');
    expect(await c.line()).toBe('b1 OK Begin TLS negotiation now');
    await c.startTls();
    expect(await c.command('b3', 'NOOP')).toEqual(['b3 OK NOOP completed']);
    expect(await c.command('b4', 'SELECT INBOX')).toEqual(['b4 BAD SELECT is not valid in the not-authenticated state']);
    c.close();
  });

  it('AUTHENTICATE CRAM-MD5 checks the digest against a plain secret (RFC 2195)', async () => {
    // The RFC's example: this challenge and secret give this digest.
    expect(cramDigest('tanstaaftanstaaf', '<1896.697170952@postoffice.reston.mci.net>')).toBe('b913a602c7eda7a495b4e6e7334d3890');
    const c = await ImapLineClient.open(box.port('imaps'), { tls: true });
    expect(await c.line()).toContain('AUTH=CRAM-MD5');
    const attempt = async (tag: string, user: string, secret: string) => {
      c.write(`${tag} AUTHENTICATE CRAM-MD5\r\n`);
      const challenge = Buffer.from((await c.line()).slice(2), 'base64').toString();
      c.write(b64(`${user} ${cramDigest(secret, challenge)}`) + '\r\n');
      return c.line();
    };
    expect(await attempt('d1', 'tim', 'wrong')).toBe('d1 NO [AUTHENTICATIONFAILED] Invalid credentials');
    expect(await attempt('d2', 'nobody', 'tanstaaftanstaaf')).toBe('d2 NO [AUTHENTICATIONFAILED] Invalid credentials');
    expect(await c.command('d3', `AUTHENTICATE CRAM-MD5 ${b64('tim 00')}`)).toEqual(['d3 BAD CRAM-MD5 takes no initial response']);
    c.write('d4 AUTHENTICATE CRAM-MD5\r\n');
    await c.line();
    c.write(b64('tim not-a-digest') + '\r\n');
    expect(await c.line()).toBe('d4 BAD A CRAM-MD5 answer is "user digest"');
    c.write('d5 AUTHENTICATE CRAM-MD5\r\n');
    await c.line();
    c.write('*\r\n');
    expect(await c.line()).toBe('d5 BAD Authentication cancelled');
    expect(await attempt('d6', 'tim', 'tanstaaftanstaaf')).toMatch(/^d6 OK \[CAPABILITY /);
    c.close();
  });

  it('serves implicit TLS on the IMAPS port', async () => {
    const c = await ImapLineClient.open(box.port('imaps'), { tls: true });
    const greeting = await c.line();
    expect(greeting).not.toContain('STARTTLS');
    expect(greeting).not.toContain('LOGINDISABLED');
    expect((await c.command('c1', `AUTHENTICATE PLAIN ${b64('\0bob@blue.com\0right')}`))[0]).toMatch(/^c1 OK /);
    c.close();
  });
});

describe('IMAP with an auth file holding a hashed secret', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imap-auth-'));
    const file = join(dir, 'users');
    writeFileSync(file, `tim:tanstaaftanstaaf\nhashed:{SHA}${createHash('sha1').update('pw').digest('base64')}\n`);
    box = await startTestSandbox({ smtpAuthFile: file });
  });
  afterAll(() => box.stop(0));

  it('offers no CRAM-MD5, which a hashed secret cannot answer; LOGIN takes both users', async () => {
    const c = await ImapLineClient.open(box.port('imap'));
    const greeting = await c.line();
    expect(greeting).toContain('AUTH=PLAIN');
    expect(greeting).not.toContain('AUTH=CRAM-MD5');
    expect(await c.command('e1', 'AUTHENTICATE CRAM-MD5')).toEqual(['e1 NO Unsupported mechanism CRAM-MD5']);
    expect((await c.command('e2', 'LOGIN hashed pw'))[0]).toMatch(/^e2 OK /);
    c.close();
    const other = await ImapLineClient.open(box.port('imap'));
    await other.line();
    expect((await other.command('e3', 'LOGIN tim tanstaaftanstaaf'))[0]).toMatch(/^e3 OK /);
    other.close();
  });
});
