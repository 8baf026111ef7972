import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { startLetterbox, toConfig, LetterboxOptionError } from '../../server/index.js';
import { loadTls } from '../../server/lib/tls.js';

/**
 * Live handles by kind. Immediates are left out: one is always queued somewhere for the
 * next turn of the loop (the runner's own messaging) and none can outlive that turn.
 */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) if (kind !== 'Immediate') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

function leaked(before: Map<string, number>, after: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [kind, count] of after) if (count > (before.get(kind) ?? 0)) extra.push(`${kind} +${count - (before.get(kind) ?? 0)}`);
  return extra;
}

/**
 * Handles open now that were not before. A closed server or socket leaves the list
 * only once the event loop has run its close callbacks, so the loop is given turns
 * (bounded, each one also polls I/O) until nothing extra is left.
 */
async function leftOpen(before: Map<string, number>): Promise<string[]> {
  for (let turn = 0; turn < 1_000; turn++) {
    if (leaked(before, resources()).length === 0) return [];
    await nextTurn();
  }
  return leaked(before, resources());
}

async function send(port: number, to: string, subject: string): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ from: 'app@red.com', to, subject, text: 'hello' });
  } finally {
    transport.close();
  }
}

describe('startLetterbox', () => {
  it('starts and stops 50 times in one process without leaking a handle', async () => {
    const before = resources();
    for (let round = 0; round < 50; round++) {
      const box = await startLetterbox();
      expect(Object.keys(box.addresses).length).toBeGreaterThan(0);
      for (const bound of Object.values(box.addresses)) {
        expect(bound.host).toBe('127.0.0.1');
        expect(bound.port).toBeGreaterThan(0);
      }
      if (round % 10 === 0) {
        await send(box.smtp!.port, 'bob@blue.com', `round ${round}`);
        // A keep-alive HTTP connection from the client must not outlive the instance either.
        expect((await box.client.waitForMessage({ query: `subject:"round ${round}"`, timeout: 5000 })).Subject).toBe(`round ${round}`);
      }
      await box.stop();
    }
    expect(await leftOpen(before)).toEqual([]);
  });

  it('runs two instances side by side without mixing their mail', async () => {
    const [red, blue] = await Promise.all([startLetterbox(), startLetterbox()]);
    try {
      expect(red.smtp!.port).not.toBe(blue.smtp!.port);
      const redSeen: string[] = [];
      const blueSeen: string[] = [];
      red.on('delivered', ({ message }) => redSeen.push(message.summary.subject));
      blue.on('delivered', ({ message }) => blueSeen.push(message.summary.subject));
      await Promise.all([send(red.smtp!.port, 'a@red.com', 'to red'), send(blue.smtp!.port, 'b@blue.com', 'to blue')]);
      expect(redSeen).toEqual(['to red']);
      expect(blueSeen).toEqual(['to blue']);
      expect(red.store.messages().map((m) => m.summary.subject)).toEqual(['to red']);
      expect(blue.store.messages().map((m) => m.summary.subject)).toEqual(['to blue']);
    } finally {
      await Promise.all([red.stop(), blue.stop()]);
    }
  });

  it('stop is idempotent and a stopped instance frees its port', async () => {
    const box = await startLetterbox();
    const port = box.smtp!.port;
    await Promise.all([box.stop(), box.stop()]);
    await box.stop();
    const again = await startLetterbox({ smtp: { port }, http: false, pop3: false, imap: false });
    expect(again.smtp!.port).toBe(port);
    await again.stop();
  });
});

describe('options given in code mean what the same flags mean', () => {
  it('a certificate file turns TLS on, and the web root gets its slashes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letterbox-embed-tls-'));
    try {
      const tls = await loadTls({ mode: 'self-signed', certFile: '', keyFile: '', hostname: 'localhost' });
      await writeFile(join(dir, 'cert.pem'), tls!.cert);
      await writeFile(join(dir, 'key.pem'), tls!.key);
      const box = await startLetterbox({ uiTlsCert: join(dir, 'cert.pem'), uiTlsKey: join(dir, 'key.pem'), webroot: 'mail', smtp: false, pop3: false, imap: false });
      try {
        expect(box.config.uiTls).toBe('files');
        expect(box.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/mail\/$/);
      } finally {
        await box.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('nested options', () => {
  it('map onto the flat config with loopback, port 0 and silence by default', () => {
    const config = toConfig({ smtp: { port: 2525, maxSize: 1000, authAcceptAny: true }, pop3: false, maxMessages: 7 });
    expect(config.smtp).toEqual({ host: '127.0.0.1', port: 2525 });
    expect(config.smtpMaxSize).toBe(1000);
    expect(config.smtpAuthAcceptAny).toBe(true);
    expect(config.pop3).toBeNull();
    expect(config.imap).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.smtps).toBeNull();
    expect(config.maxMessages).toBe(7);
    expect(config.logLevel).toBe('silent');
  });

  it('turn on a listener that is off by default when given', () => {
    expect(toConfig({ imaps: {} }).imaps).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('refuse unknown and ill-typed options with a clear error', () => {
    expect(() => toConfig({ smtp: { nope: 1 } } as never)).toThrow(/unknown option "smtp.nope"/);
    expect(() => toConfig({ bogus: 1 } as never)).toThrow(LetterboxOptionError);
    expect(() => toConfig({ smtp: { port: 70000 } })).toThrow(/^--smtp: "127.0.0.1:70000" is not HOST:PORT/);
  });

  it('refuse a listener that cannot bind, and leave nothing running', async () => {
    const box = await startLetterbox({ http: false, pop3: false, imap: false });
    await expect(startLetterbox({ smtp: { port: box.smtp!.port }, http: false, pop3: false, imap: false })).rejects.toThrow(LetterboxOptionError);
    await box.stop();
  });
});
