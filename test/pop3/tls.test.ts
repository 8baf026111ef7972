import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../server/config.js';
import { silentLogger } from '../../server/lib/log.js';
import { OptionError } from '../../server/lib/options.js';
import { createSandbox } from '../../server/sandbox.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { Pop3Dialogue } from './pop3-dialogue.js';

const ANY_PORT = { host: '127.0.0.1', port: 0 };
const raw = Buffer.from('Subject: secret\r\n\r\n.over TLS\r\n');

describe('POP3 over TLS', () => {
  let box: TestSandbox;

  beforeAll(async () => {
    box = await startTestSandbox({ smtpTls: 'self-signed', pop3s: ANY_PORT });
    box.store.deliver({ raw, envelope: { mailFrom: '', rcptTo: ['tls@blue.example'] } });
  });
  afterAll(() => box.stop(0));

  it('STLS (RFC 2595): handshake, then login and RETR inside TLS; STLS leaves CAPA', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect((await pop.multiline('CAPA')).lines).toContain('STLS');
    await pop.startTls();
    const capa = await pop.multiline('CAPA');
    expect(capa.lines).not.toContain('STLS');
    expect(capa.lines).toContain('USER');
    expect(await pop.command('STLS')).toBe('-ERR TLS is already active');
    await pop.login('tls@blue.example');
    const retr = await pop.multiline('RETR 1');
    expect(retr.body.equals(raw)).toBe(true);
    expect(await pop.command('QUIT')).toMatch(/^\+OK/);
    await pop.closed;
  });

  it('forgets USER given before STLS', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect(await pop.command('USER tls@blue.example')).toBe('+OK Send PASS');
    await pop.startTls();
    expect(await pop.command('PASS x')).toBe('-ERR Send USER first');
    pop.close();
  });

  it('does not run commands pipelined after STLS in plaintext (CVE-2011-0411)', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    pop.send('STLS\r\nCAPA\r\n');
    expect(await pop.readLine()).toBe('+OK Begin TLS negotiation');
    await pop.upgrade();
    // Had the injected CAPA run, its answer would come first inside TLS.
    expect(await pop.command('QUIT')).toBe('+OK Letterbox POP3 server signing off');
    await pop.closed;
  });

  it('POP3S: implicit TLS on its own port, no STLS offered', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3s'), { tls: true });
    expect(pop.greeting).toMatch(/^\+OK Letterbox POP3 ready/);
    expect((await pop.multiline('CAPA')).lines).not.toContain('STLS');
    expect(await pop.command('STLS')).toBe('-ERR TLS is already active');
    await pop.login('tls@blue.example');
    expect((await pop.multiline('RETR 1')).body.equals(raw)).toBe(true);
    pop.close();
  });

  it('a client that fails the handshake costs only its own connection', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect(await pop.command('STLS')).toBe('+OK Begin TLS negotiation');
    pop.send('this is not a TLS ClientHello\r\n');
    await pop.closed;
    const next = await Pop3Dialogue.open(box.port('pop3'));
    expect(await next.command('CAPA')).toBe('+OK Capability list follows');
    next.close();
  });
});

describe('the idle timer over TLS', () => {
  it('drops a client that asks for STLS and never starts the handshake', async () => {
    const box = await startTestSandbox({ smtpTls: 'self-signed', pop3Timeout: 300 });
    try {
      const pop = await Pop3Dialogue.open(box.port('pop3'));
      expect(await pop.command('STLS')).toBe('+OK Begin TLS negotiation');
      await pop.closed;
      const secure = await Pop3Dialogue.open(box.port('pop3'));
      await secure.startTls();
      // Inside TLS the timer is the session's again: idle → -ERR, then closed.
      expect(await secure.readLine()).toBe('-ERR Idle for too long, closing connection');
      await secure.closed;
    } finally {
      await box.stop(0);
    }
  });
});

describe('--pop3-require-tls', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ smtpTls: 'self-signed', pop3RequireTls: true });
  });
  afterAll(() => box.stop(0));

  it('refuses every login before STLS and hides USER and SASL until then', async () => {
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    const before = await pop.multiline('CAPA');
    expect(before.lines).not.toContain('USER');
    expect(before.lines.some((l) => l.startsWith('SASL'))).toBe(false);
    expect(before.lines).toContain('STLS');
    const refused = '-ERR [AUTH] Plaintext authentication is refused before STLS';
    expect(await pop.command('USER bob@blue.example')).toBe(refused);
    expect(await pop.command('PASS x')).toBe(refused);
    expect(await pop.command('AUTH PLAIN AGJvYgB4')).toBe(refused);
    expect(await pop.command(`APOP bob@blue.example ${'0'.repeat(32)}`)).toBe(refused);
    await pop.startTls();
    const after = await pop.multiline('CAPA');
    expect(after.lines).toContain('USER');
    expect(after.lines).toContain('SASL PLAIN LOGIN');
    expect(await pop.login('bob@blue.example')).toMatch(/^\+OK/);
    pop.close();
  });
});

describe('TLS settings', () => {
  it('STLS without TLS material is refused', async () => {
    const box = await startTestSandbox();
    const pop = await Pop3Dialogue.open(box.port('pop3'));
    expect((await pop.multiline('CAPA')).lines).not.toContain('STLS');
    expect(await pop.command('STLS')).toBe('-ERR TLS is not configured');
    pop.close();
    await box.stop(0);
  });

  it('--pop3s and --pop3-require-tls without TLS are configuration errors', async () => {
    const base = { ...defaultConfig(), smtp: null, listen: null, imap: null, pop3: ANY_PORT };
    await expect(createSandbox({ ...base, pop3s: ANY_PORT }, { logger: silentLogger })).rejects.toThrow(OptionError);
    await expect(createSandbox({ ...base, pop3RequireTls: true }, { logger: silentLogger })).rejects.toThrow(/--pop3-require-tls needs TLS/);
  });
});
