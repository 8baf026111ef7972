import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldBytes } from '../helpers/held-memory.js';
import { ImapBytesClient } from '../helpers/imap-bytes.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { queuedId, SmtpDialogue, stuffAfterCrlf } from '../helpers/smtp-dialogue.js';
import { Pop3Dialogue } from '../pop3/pop3-dialogue.js';

/** Opens a socket and resolves once connected (nothing is read from it). */
async function rawSocket(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
  return socket;
}

/** Resolves with the first bytes the socket receives, then stops reading it. */
function firstBytesThenStall(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk);
    });
    socket.once('close', () => reject(new Error('closed before any byte')));
  });
}

/** A client that serves as "everyone else": one real exchange per protocol must succeed. */
async function everyFrontServes(box: TestSandbox): Promise<void> {
  const smtp = await SmtpDialogue.open(box.port('smtp'));
  const reply = await smtp.send(Buffer.from('Subject: still served\r\n\r\nhello\r\n.\r\n'));
  expect(reply.code).toBe(250);
  smtp.close();
  const pop = await Pop3Dialogue.open(box.port('pop3'));
  await pop.login('other@blue.example');
  expect(await pop.command('STAT')).toMatch(/^\+OK/);
  await pop.command('QUIT');
  pop.close();
  const imap = await ImapBytesClient.open(box.port('imap'), 'other@blue.example');
  await imap.expectOk('NOOP');
  imap.close();
  const res = await fetch(`http://127.0.0.1:${box.port('http')}/api/v1/messages?limit=1`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

describe('idle and slow clients cost only themselves', () => {
  let box: TestSandbox;
  let bigId = '';
  const BIG = 20 * 1024 * 1024;

  beforeAll(async () => {
    box = await startTestSandbox();
    // A 20 MB message for the never-reading clients.
    const line = 'x'.repeat(998) + '\r\n';
    const raw = Buffer.from('X-Corpus: big\r\nTo: slow@blue.example\r\nSubject: big\r\n\r\n' + line.repeat(Math.ceil(BIG / line.length)), 'latin1');
    const smtp = await SmtpDialogue.open(box.port('smtp'));
    await smtp.expect('MAIL FROM:<a@red.example>', 250);
    for (const to of ['slow@blue.example', ...Array.from({ length: 8 }, (_, i) => `slow${i}@blue.example`)]) await smtp.expect(`RCPT TO:<${to}>`, 250);
    await smtp.expect('DATA', 354);
    smtp.write(Buffer.concat([stuffAfterCrlf(raw), Buffer.from('.\r\n')]));
    const reply = await smtp.reply();
    expect(reply.code).toBe(250);
    bigId = queuedId(reply);
    smtp.close();
  }, 60_000);
  afterAll(async () => {
    await box?.stop(0);
  });

  it('1,000 idle sockets across SMTP, POP3, IMAP and HTTP: everyone else is still served', async () => {
    const sockets: Socket[] = [];
    try {
      for (const name of ['smtp', 'pop3', 'imap', 'http']) {
        const port = box.port(name);
        sockets.push(...(await Promise.all(Array.from({ length: 250 }, () => rawSocket(port)))));
      }
      expect(sockets.length).toBe(1000);
      await everyFrontServes(box);
      // The idle ones were not dropped to make room: those that greet have greeted each.
      expect(sockets.filter((s) => s.destroyed).length).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 60_000);

  it('clients that never read a 20 MB FETCH, RETR or raw download hold no copy of it on the server', async () => {
    const STALLED = 8;
    const stalled: Socket[] = [];
    try {
      const heldBefore = heldBytes();
      const firsts: Array<Promise<Buffer>> = [];
      for (let i = 0; i < STALLED; i++) {
        const imap = await ImapBytesClient.open(box.port('imap'), 'slow@blue.example');
        imap.socket.removeAllListeners('data');
        firsts.push(firstBytesThenStall(imap.socket));
        imap.socket.write('s1 FETCH 1 (BODY.PEEK[])\r\n');
        stalled.push(imap.socket);

        const pop = await Pop3Dialogue.open(box.port('pop3'));
        // A login of its own each (POP3 locks a maildrop per login); message 1 is the big one.
        await pop.login(`slow${i}@blue.example`);
        pop.socket.removeAllListeners('data');
        firsts.push(firstBytesThenStall(pop.socket));
        pop.send('RETR 1\r\n');
        stalled.push(pop.socket);
      }
      for (let i = 0; i < STALLED; i++) {
        const http = await rawSocket(box.port('http'));
        firsts.push(firstBytesThenStall(http));
        http.write(`GET /api/v1/message/${bigId}/raw HTTP/1.1\r\nHost: localhost\r\n\r\n`);
        stalled.push(http);
      }
      await Promise.all(firsts);
      // A whole 20 MB read by a well-behaved client after all the stalled ones were answered:
      // by then every stalled response has been handed to its socket.
      const reader = await ImapBytesClient.open(box.port('imap'), 'slow@blue.example');
      const body = ImapBytesClient.literalAfter(await reader.expectOk('FETCH 1 (BODY.PEEK[])'), 'BODY[]');
      reader.close();
      expect(body.length).toBe((await box.store.readRaw(bigId))?.length);
      await everyFrontServes(box);
      // Measured while the stalled sockets are still open: a copy they held would be held still.
      const growth = heldBytes() - heldBefore;
      // A copy per stalled response would be 3 × 8 × 20 MB = 480 MB; the bound is generous below that.
      expect(growth).toBeLessThan(240 * 1024 * 1024);
    } finally {
      for (const s of stalled) s.destroy();
    }
  }, 120_000);

  it('a command sent a byte at a time is read and answered, on every protocol, while others are served', async () => {
    async function trickle(port: number, greeting: boolean, command: string, answer: RegExp): Promise<void> {
      const socket = await rawSocket(port);
      let received = '';
      let wake: (() => void) | undefined;
      socket.on('data', (c: Buffer) => {
        received += c.toString('latin1');
        wake?.();
      });
      const until = async (re: RegExp) => {
        while (!re.test(received)) await new Promise<void>((resolve) => (wake = resolve));
      };
      if (greeting) await until(/\r\n/);
      for (const byte of Buffer.from(command, 'latin1')) {
        socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await until(answer);
      socket.destroy();
    }
    const slow = Promise.all([
      trickle(box.port('smtp'), true, 'EHLO slow.example\r\n', /250 /),
      trickle(box.port('pop3'), true, 'CAPA\r\n', /\r\n\.\r\n/),
      trickle(box.port('imap'), true, 'a1 CAPABILITY\r\n', /a1 OK/),
      trickle(box.port('http'), false, 'GET /api/v1/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', /HTTP\/1\.1 200/),
    ]);
    await everyFrontServes(box);
    await slow;
  }, 60_000);

  /**
   * Slowloris: a line trickled a byte every 100 ms never goes silent for the 1 s timeout,
   * yet never ends. A server that only times out silence keeps such a connection forever;
   * one with a deadline per command (or a minimum rate) closes it. A close only counts
   * when no gap between bytes reached the timeout (a loaded machine can stall the trickle).
   */
  describe.concurrent('slowloris: a line that never ends, a byte every 100 ms, with a 1 s timeout', () => {
    const TIMEOUT_MS = 1000;
    let quick: TestSandbox;
    beforeAll(async () => {
      quick = await startTestSandbox({ smtpTimeout: TIMEOUT_MS, pop3Timeout: TIMEOUT_MS, imapIdleTimeout: TIMEOUT_MS });
    });
    afterAll(async () => {
      await quick?.stop(0);
    });

    /** Trickles up to `bytes` bytes; whether the server closed first, and the longest gap between bytes. */
    async function trickleUntilClosed(port: number, start: string, bytes: number): Promise<{ closed: boolean; longestGapMs: number }> {
      const socket = await rawSocket(port);
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.resume();
      socket.write(start);
      let last = performance.now();
      let longestGapMs = 0;
      for (let i = 0; i < bytes && !closed; i++) {
        socket.write('x');
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - last);
        last = now;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      socket.destroy();
      return { closed, longestGapMs };
    }

    // 60 bytes over 6 s: six timeouts' worth of a line that does not end.
    const cases: Array<[string, string]> = [
      ['smtp', 'EHLO '],
      ['pop3', 'USER '],
      ['imap', 'a1 LOGIN '],
    ];
    for (const [name, start] of cases) {
      it(`${name.toUpperCase()} closes it`, async () => {
        const { closed, longestGapMs } = await trickleUntilClosed(quick.port(name), start, 60);
        expect(closed && longestGapMs < TIMEOUT_MS).toBe(true);
      }, 30_000);
    }
  });
});
