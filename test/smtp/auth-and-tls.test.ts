import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { numbered, queuedId } from './fixtures.js';
import { ehlo } from './smtp-dialogue.js';

const EPHEMERAL = { host: '127.0.0.1', port: 0 };
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** An auth file with carol's secret plain and, unless `plainOnly`, dave's as a bcrypt hash. */
async function authFile(plainOnly = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'letterbox-auth-'));
  const path = join(dir, 'users');
  await writeFile(path, `# test users\ncarol@blue.example:plain-secret\n${plainOnly ? '' : `dave:${bcrypt.hashSync('bcrypt-secret', 4)}\n`}`);
  return path;
}

describe('SMTP AUTH from an auth file', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpAuthFile: await authFile() });
  });
  afterAll(() => box.stop(0));

  it('offers PLAIN and LOGIN, not CRAM-MD5 (a hashed secret cannot answer it), and answers 530 to MAIL without AUTH', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines).toContain('AUTH PLAIN LOGIN');
    const mail = await smtp.command('MAIL FROM:<a@red.example>');
    expect(mail.code).toBe(530);
    await smtp.quit();
  });

  it('answers 535 to wrong credentials and keeps the session', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0wrong')}`)).code).toBe(535);
    expect((await smtp.command(`AUTH PLAIN ${b64('\0nobody\0plain-secret')}`)).code).toBe(535);
    expect((await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0plain-secret')}`)).code).toBe(235);
    const sent = await smtp.send('carol@blue.example', ['b@blue.example'], numbered(1));
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.client.username).toBe('carol@blue.example');
    await smtp.quit();
  });

  it('refuses AUTH PLAIN acting for another user (RFC 4616 §2); an authzid naming the user itself, or standing in for it, is taken', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    const actingAs = await smtp.command(`AUTH PLAIN ${b64('dave\0carol@blue.example\0plain-secret')}`);
    expect(actingAs.code).toBe(535);
    expect(actingAs.text).toMatch(/Cannot act as another user/);
    expect((await smtp.command(`AUTH PLAIN ${b64('carol@blue.example\0carol@blue.example\0plain-secret')}`)).code).toBe(235);
    await smtp.quit();
    const other = (await ehlo(box.port('smtp'))).smtp;
    expect((await other.command(`AUTH PLAIN ${b64('carol@blue.example\0\0plain-secret')}`)).code).toBe(235);
    await other.quit();
  });

  it('takes AUTH LOGIN with a bcrypt secret', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('AUTH LOGIN')).code).toBe(334);
    expect((await smtp.command(b64('dave'))).code).toBe(334);
    expect((await smtp.command(b64('bcrypt-secret'))).code).toBe(235);
    await smtp.quit();
  });

  it.each(['PLAIN', 'LOGIN'])('nodemailer authenticates with %s', async (method) => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.port('smtp'),
      ignoreTLS: true,
      auth: { user: 'carol@blue.example', pass: 'plain-secret' },
      authMethod: method,
    });
    try {
      const info = await transport.sendMail({ envelope: { from: 'carol@blue.example', to: ['b@blue.example'] }, raw: numbered(2) });
      expect(box.store.get(queuedId(info.response))?.client.username).toBe('carol@blue.example');
    } finally {
      transport.close();
    }
  });

  it('nodemailer sees 535 for a wrong password', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), ignoreTLS: true, auth: { user: 'dave', pass: 'nope' } });
    await expect(transport.sendMail({ envelope: { from: 'd@red.example', to: ['b@blue.example'] }, raw: numbered(3) })).rejects.toMatchObject({
      responseCode: 535,
    });
    transport.close();
  });

  it('refuses CRAM-MD5 even for a plain secret while another is hashed: a client that picks it (Postfix) would fail for that one', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    expect((await smtp.command('AUTH CRAM-MD5')).code).toBe(504);
    expect((await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0plain-secret')}`)).code).toBe(235);
    await smtp.quit();
  });
});

describe('SMTP AUTH from an auth file of plain secrets only', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpAuthFile: await authFile(true) });
  });
  afterAll(() => box.stop(0));

  it('offers CRAM-MD5 too, and nodemailer authenticates with it', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines).toContain('AUTH PLAIN LOGIN CRAM-MD5');
    await smtp.quit();
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: box.port('smtp'), ignoreTLS: true, auth: { user: 'carol@blue.example', pass: 'plain-secret' }, authMethod: 'CRAM-MD5' });
    try {
      const info = await transport.sendMail({ envelope: { from: 'carol@blue.example', to: ['b@blue.example'] }, raw: numbered(2) });
      expect(box.store.get(queuedId(info.response))?.client.username).toBe('carol@blue.example');
    } finally {
      transport.close();
    }
  });
});

describe('SMTP AUTH accepting anything', () => {
  it('accepts any credentials but does not require them', async () => {
    const box = await startTestSandbox({ smtpAuthAcceptAny: true });
    try {
      const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
      expect(reply.lines).toContain('AUTH PLAIN LOGIN CRAM-MD5');
      expect((await smtp.send('a@red.example', ['b@blue.example'], numbered(4))).code).toBe(250);
      expect((await smtp.command(`AUTH PLAIN ${b64('\0anyone\0anything')}`)).code).toBe(235);
      await smtp.quit();
    } finally {
      await box.stop(0);
    }
  });
});

describe('SMTP over TLS (self-signed)', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpTls: 'self-signed', smtps: EPHEMERAL, smtpAuthFile: await authFile(), smtpRequireTls: true });
  });
  afterAll(() => box.stop(0));

  it('offers STARTTLS, refuses MAIL (530) and AUTH (538) before it', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines).toContain('STARTTLS');
    const auth = await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0plain-secret')}`);
    // RFC 4954 §6.
    expect(auth.text).toBe('538 5.7.11 Encryption required for requested authentication mechanism');
    expect((await smtp.command('MAIL FROM:<a@red.example>')).code).toBe(530);
    await smtp.quit();
  });

  it('STARTTLS then EHLO then AUTH then a message (RFC 3207)', async () => {
    const { smtp } = await ehlo(box.port('smtp'));
    await smtp.startTls();
    const reply = await smtp.command('EHLO client.test');
    expect(reply.lines).not.toContain('STARTTLS');
    expect((await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0plain-secret')}`)).code).toBe(235);
    const sent = await smtp.send('carol@blue.example', ['b@blue.example'], numbered(5));
    expect(sent.code).toBe(250);
    expect(box.store.get(queuedId(sent.text))?.client).toMatchObject({ secure: true, username: 'carol@blue.example' });
    await smtp.quit();
  });

  it('nodemailer upgrades with STARTTLS and authenticates', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.port('smtp'),
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'carol@blue.example', pass: 'plain-secret' },
    });
    try {
      const info = await transport.sendMail({ envelope: { from: 'carol@blue.example', to: ['b@blue.example'] }, raw: numbered(6) });
      expect(box.store.get(queuedId(info.response))?.client.secure).toBe(true);
    } finally {
      transport.close();
    }
  });

  it('serves implicit TLS on the smtps listener (RFC 8314)', async () => {
    const { smtp, greeting, ehlo: reply } = await ehlo(box.port('smtps'), { tls: true });
    expect(greeting.code).toBe(220);
    expect(reply.lines).not.toContain('STARTTLS');
    expect((await smtp.command(`AUTH PLAIN ${b64('\0carol@blue.example\0plain-secret')}`)).code).toBe(235);
    expect((await smtp.send('carol@blue.example', ['b@blue.example'], numbered(7))).code).toBe(250);
    await smtp.quit();
  });

  it('nodemailer sends over implicit TLS', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: box.port('smtps'),
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: 'carol@blue.example', pass: 'plain-secret' },
    });
    try {
      const info = await transport.sendMail({ envelope: { from: 'carol@blue.example', to: ['b@blue.example'] }, raw: numbered(8) });
      expect((await box.store.readRaw(queuedId(info.response)))?.equals(numbered(8))).toBe(true);
    } finally {
      transport.close();
    }
  });
});

describe('SMTP without TLS', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({});
  });
  afterAll(() => box.stop(0));

  it('neither offers nor answers STARTTLS (RFC 3207 §4): no handshake with a certificate nobody configured', async () => {
    const { smtp, ehlo: reply } = await ehlo(box.port('smtp'));
    expect(reply.lines.join('\n')).not.toContain('STARTTLS');
    const answer = await smtp.command('STARTTLS');
    expect(answer.code).toBe(500);
    // The session goes on in the clear.
    expect((await smtp.command('NOOP')).code).toBe(250);
    await smtp.quit();
  });
});
