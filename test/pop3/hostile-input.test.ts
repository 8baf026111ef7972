import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/lib/log.js';
import { createSandbox, type Sandbox } from '../../server/sandbox.js';
import { Pop3Dialogue } from './pop3-dialogue.js';
import { bytesOf } from '../helpers/stored-bytes.js';

interface Record {
  msg: string;
  pending?: number;
  /** process.memoryUsage().arrayBuffers when the record was written. */
  arrayBuffers: number;
}

/** A sandbox whose POP3 log lines a test can await, each stamped with the memory in use right then. */
async function loggedSandbox(overrides: Partial<Config>) {
  const records: Record[] = [];
  const waiters: Array<{ msg: string; resolve: (r: Record) => void }> = [];
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    write: (line) => {
      const record = { ...(JSON.parse(line) as Omit<Record, 'arrayBuffers'>), arrayBuffers: process.memoryUsage().arrayBuffers };
      records.push(record);
      for (const waiter of waiters.filter((w) => w.msg === record.msg)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    },
  });
  const any = { host: '127.0.0.1', port: 0 };
  const box: Sandbox = await createSandbox({ ...defaultConfig(), smtp: any, listen: null, imap: null, pop3: any, ...overrides } as Config, { logger });
  await box.start();
  const port = box.listeners.find((l) => l.name === 'pop3')?.port ?? 0;
  const next = (msg: string) => new Promise<Record>((resolve) => waiters.push({ msg, resolve }));
  return { box, port, next };
}

describe('POP3 under hostile input', () => {
  let box: Sandbox;
  let port: number;
  let next: (msg: string) => Promise<Record>;

  beforeAll(async () => {
    ({ box, port, next } = await loggedSandbox({ pop3Timeout: 1500, pop3MaxBadCommands: 50 }));
    box.store.deliver({ raw: Buffer.from('Subject: small\r\n\r\nsmall\r\n'), envelope: { mailFrom: '', rcptTo: ['pipeline@blue.example'] } });
  });
  afterAll(() => box.stop(0));

  it('a 100 KB line gets one -ERR as soon as it passes the cap, and the session goes on', async () => {
    const pop = await Pop3Dialogue.open(port);
    pop.send('USER ' + 'a'.repeat(100 * 1024) + '\r\nCAPA\r\n');
    expect(await pop.readLine()).toBe('-ERR Line too long (at most 1024 octets)');
    expect(await pop.readLine()).toBe('+OK Capability list follows');
    await pop.readBody();
    // Mid-SASL, an over-long answer ends the exchange.
    expect(await pop.command('AUTH PLAIN')).toBe('+ ');
    expect(await pop.command('A'.repeat(5000))).toBe('-ERR Line too long (at most 1024 octets)');
    expect(await pop.command('NOOP')).toBe('-ERR NOOP is not valid in this state');
    pop.close();
  });

  it('NUL and other control bytes in a command are refused; the session survives', async () => {
    const pop = await Pop3Dialogue.open(port);
    expect(await pop.command('US\0ER bob@blue.example')).toBe('-ERR Command contains invalid characters');
    expect(await pop.command('USER bob@blue.example\0')).toBe('-ERR Command contains invalid characters');
    expect(await pop.command('USER bob\x1b[31m@blue.example')).toBe('-ERR Command contains invalid characters');
    expect(await pop.command('USER bob@blue.example')).toBe('+OK Send PASS');
    expect(await pop.command('PASS se\0cret')).toBe('-ERR Command contains invalid characters');
    pop.close();
  });

  it('answers commands sent before the greeting was read, in order', async () => {
    const pop = await Pop3Dialogue.open(port, { greeting: false });
    pop.send('CAPA\r\nUSER pipeline@blue.example\r\nPASS x\r\nSTAT\r\nQUIT\r\n');
    expect(await pop.readLine()).toMatch(/^\+OK Letterbox POP3 ready/);
    expect(await pop.readLine()).toBe('+OK Capability list follows');
    await pop.readBody();
    expect(await pop.readLine()).toBe('+OK Send PASS');
    expect(await pop.readLine()).toMatch(/^\+OK Maildrop has 1 message/);
    expect(await pop.readLine()).toMatch(/^\+OK 1 \d+$/);
    expect(await pop.readLine()).toMatch(/^\+OK .*signing off/);
    await pop.closed;
  });

  it('1,000 pipelined commands in one write get 1,000 answers in order (RFC 2449 PIPELINING)', async () => {
    const pop = await Pop3Dialogue.open(port);
    await pop.login('pipeline@blue.example');
    const size = (await bytesOf(box.store, box.store.folder('pipeline@blue.example', 'INBOX')?.entries[0]?.message))?.length;
    const commands = Array.from({ length: 1000 }, (_, i) => ['NOOP', 'STAT', 'LIST 1', 'RETR 1', 'RETR 2'][i % 5] as string);
    pop.send(commands.map((c) => c + '\r\n').join(''));
    for (const command of commands) {
      const status = await pop.readLine();
      if (command === 'NOOP') expect(status).toBe('+OK');
      if (command === 'STAT') expect(status).toBe(`+OK 1 ${size}`);
      if (command === 'LIST 1') expect(status).toBe(`+OK 1 ${size}`);
      if (command === 'RETR 2') expect(status).toBe('-ERR No such message: 2');
      if (command === 'RETR 1') {
        expect(status).toBe(`+OK ${size} octets`);
        expect((await pop.readBody()).toString()).toBe('Subject: small\r\n\r\nsmall\r\n');
      }
    }
    expect(await pop.command('QUIT')).toMatch(/^\+OK/);
  });

  it('random bytes cost only their own session', async () => {
    const pop = await Pop3Dialogue.open(port);
    pop.send(randomBytes(64 * 1024));
    pop.send('\r\n');
    // It is answered with -ERR lines, or closed after too many bad commands; either way it ends.
    pop.send('QUIT\r\n');
    await Promise.race([pop.closed, (async () => { for (;;) if (/signing off/.test(await pop.readLine())) return; })().catch(() => undefined)]);
    pop.close();
    const fresh = await Pop3Dialogue.open(port);
    expect(await fresh.command('CAPA')).toBe('+OK Capability list follows');
    fresh.close();
  });

  it('closes an idle session without deleting anything (RFC 1939 §3 autologout)', async () => {
    box.store.deliver({ raw: Buffer.from('Subject: keep\r\n\r\nkeep\r\n'), envelope: { mailFrom: '', rcptTo: ['idle@blue.example'] } });
    const pop = await Pop3Dialogue.open(port);
    await pop.login('idle@blue.example');
    expect(await pop.command('DELE 1')).toBe('+OK Message 1 deleted');
    expect(await pop.readLine()).toBe('-ERR Idle for too long, closing connection');
    await pop.closed;
    expect(box.store.folder('idle@blue.example', 'INBOX')?.entries).toHaveLength(1);
  });

  it('a client that never reads a big RETR costs a bounded amount of memory, and is closed when idle', async () => {
    // 5 MB of lines that all need stuffing, so every RETR would need a fresh copy if it were built whole.
    const raw = Buffer.from('Subject: dots\r\n\r\n' + '.dot line that needs stuffing\r\n'.repeat(170_000));
    // Let the body indexer finish with it first, so its work neither stalls the session nor shows in the figures.
    const message = await box.store.deliver({ raw, envelope: { mailFrom: '', rcptTo: ['sloth@blue.example'] } });
    await new Promise<void>((resolve) => {
      const off = box.store.on('indexed', ({ message: m }) => m.id === message.id && (off(), resolve()));
    });
    const pop = await Pop3Dialogue.open(port);
    await pop.login('sloth@blue.example');
    pop.stopReading();
    const before = process.memoryUsage().arrayBuffers;
    const idle = next('pop3 session idle, closing');
    // 40 copies asked for at once: 200 MB if the server queued them all.
    pop.send('RETR 1\r\n'.repeat(40));
    const record = await idle;
    // The server has dropped the connection; reading again lets this side see the close.
    pop.socket.resume();
    await pop.closed;
    expect(record.pending).toBeLessThan(256 * 1024);
    expect(record.arrayBuffers - before).toBeLessThan(48 * 1024 * 1024);
    // Nothing was deleted, and the maildrop is free again.
    expect(box.store.get(message.id)).toBeDefined();
    const again = await Pop3Dialogue.open(port);
    expect(await again.login('sloth@blue.example')).toMatch(/^\+OK Maildrop has 1 message/);
    again.close();
  });
});
