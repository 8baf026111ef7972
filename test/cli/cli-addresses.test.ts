import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importCommand } from '../../server/cli/import.js';
import { sendmail } from '../../server/cli/sendmail.js';
import { SmtpClient, SmtpCommandError } from '../../server/cli/smtp-client.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { runCli, runInProcess } from '../cli-tools/run-command.js';

/**
 * An SMTP server that says yes to everything and writes down every line it is sent, so
 * a test sees exactly what a client put on the wire (a real Letterbox would refuse the
 * injected lines, which hides whether they were sent).
 */
class RecordingSmtp {
  readonly lines: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<RecordingSmtp> {
    const server = createServer();
    const recording = new RecordingSmtp(server);
    server.on('connection', (socket) => recording.#serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return recording;
  }

  get addr(): string {
    return `127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    socket.write('220 recorder ESMTP\r\n');
    let buffer = '';
    let inData = false;
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
          continue;
        }
        this.lines.push(line);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') socket.write('250-recorder\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  }

  /** The lines of the envelope: MAIL, RCPT. */
  envelope(): string[] {
    return this.lines.filter((line) => /^(MAIL|RCPT)/i.test(line));
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const MESSAGE = 'From: app@red.com\r\nTo: bob@blue.com\r\nSubject: x\r\n\r\nbody\r\n';

describe('CLI addresses cannot add SMTP commands', () => {
  let smtp: RecordingSmtp;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-cli-addresses-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await smtp?.stop();
  });

  it('sendmail -f with CR LF and a second command: exit 64, nothing sent (a real process)', async () => {
    smtp = await RecordingSmtp.start();
    const result = await runCli(['sendmail', '-S', smtp.addr, '-f', 'a@b.test>\r\nRCPT TO:<injected@x.test', 'bob@y.test'], MESSAGE);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/^letterbox sendmail: -f "a@b\.test>\\u000d\\u000aRCPT TO:<injected@x\.test" is not an address: it holds a control character\n/);
    expect(smtp.lines).toEqual([]);
  });

  it.each([
    ['a recipient with CR LF', ['bob@y.test\r\nRCPT TO:<eve@x.test>']],
    ['a recipient with LF alone', ['bob@y.test\nMAIL FROM:<eve@x.test>']],
    ['a recipient closing the path and adding a parameter', ['bob@y.test> NOTIFY=NEVER']],
    ['a recipient with no @', ['root']],
    ['one bad recipient among good ones', ['ok@y.test', 'bad@y.test\rx']],
  ])('sendmail refuses %s with exit 64 before connecting', async (_, recipients) => {
    smtp = await RecordingSmtp.start();
    // A hang (waiting on a reply the server never sends) would show as this test timing out.
    const result = await runInProcess(sendmail, ['-S', smtp.addr, ...recipients], MESSAGE);
    expect(result.status).toBe(64);
    expect(result.stderr).toMatch(/^letterbox sendmail: recipient ".*" is not an address: /);
    expect(smtp.lines).toEqual([]);
  });

  it('sendmail -t refuses a header recipient that is not an address with exit 65; -f <> is the null sender', async () => {
    smtp = await RecordingSmtp.start();
    // The header's parser reads `"a>b"@x.test` as a>b@x.test and `<a b@c.test>` as "a b@c.test":
    // on a RCPT TO line either would end the path early.
    for (const [to, address] of [['"a>b"@x.test', 'a>b@x.test'], ['x <a b@c.test>', 'a b@c.test']]) {
      const bad = await runInProcess(sendmail, ['-t', '-S', smtp.addr], `From: app@red.com\r\nTo: bob@blue.com, ${to}\r\nSubject: x\r\n\r\nbody\r\n`);
      expect(bad.status).toBe(65);
      expect(bad.stderr).toMatch(new RegExp(`^letterbox sendmail: the header names recipient "${address}", which is not an address: "`));
    }
    const sender = await runInProcess(sendmail, ['-S', smtp.addr, 'bob@blue.com'], 'Return-Path: <a b@x.test>\r\nSubject: x\r\n\r\nbody\r\n');
    expect(sender).toMatchObject({ status: 65, stderr: expect.stringMatching(/^letterbox sendmail: the header gives sender "a b@x\.test", which is not an address: .* \(give -f\)\n$/) });
    expect(smtp.lines).toEqual([]);
    const nullSender = await runInProcess(sendmail, ['-f', '<>', '-S', smtp.addr, 'bob@blue.com'], MESSAGE);
    expect(nullSender.status).toBe(0);
    expect(smtp.envelope()).toEqual(['MAIL FROM:<>', 'RCPT TO:<bob@blue.com>']);
  });

  it('sendmail takes a Unicode local part and domain (SMTPUTF8), as the SMTP front does', async () => {
    smtp = await RecordingSmtp.start();
    const result = await runInProcess(sendmail, ['-S', smtp.addr, '-f', 'jörg@red.com', 'zoë@bücher.example'], MESSAGE);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    // The recorder reads bytes as latin1.
    const wire = (text: string) => Buffer.from(text).toString('latin1');
    expect(smtp.envelope()).toEqual([wire('MAIL FROM:<jörg@red.com>'), wire('RCPT TO:<zoë@bücher.example>')]);
  });

  it('import refuses --to and --from that are not addresses with exit 64, nothing sent', async () => {
    smtp = await RecordingSmtp.start();
    const file = join(dir, 'one.eml');
    await writeFile(file, MESSAGE);
    for (const args of [['--to', 'a@b.test>\r\nRCPT TO:<injected@x.test'], ['--from', 'a@b.test>\r\nRCPT TO:<injected@x.test'], ['--to=nobody'], ['--from', 'x y@z.test']]) {
      const result = await runInProcess(importCommand, ['--smtp-addr', smtp.addr, ...args, file]);
      expect(result.status, args.join(' ')).toBe(64);
      expect(result.stderr).toMatch(/^letterbox import: --(to|from) ".*" is not an address: /);
    }
    expect(smtp.lines).toEqual([]);
  });

  it('import skips a message whose header or mbox From line gives a bad address, sends the rest, exits 65', async () => {
    smtp = await RecordingSmtp.start();
    const sub = await mkdtemp(join(dir, 'header-'));
    await writeFile(join(sub, 'a-good.eml'), MESSAGE);
    await writeFile(join(sub, 'b-local.eml'), 'From: app@red.com\r\nTo: bob@blue.com, "a>b"@x.test\r\nSubject: x\r\n\r\nbody\r\n');
    await writeFile(join(sub, 'c-sender.eml'), 'Return-Path: <a b@x.test>\r\nTo: bob@blue.com\r\nSubject: x\r\n\r\nbody\r\n');
    await writeFile(join(sub, 'd.mbox'), 'From alice Mon Jan  1 00:00:00 2024\nTo: bob@blue.com\nSubject: m\n\nbody\n');
    const result = await runInProcess(importCommand, ['--smtp-addr', smtp.addr, sub]);
    expect(result.stdout).toBe('imported 1 message, 3 failed\n');
    expect(result.status).toBe(65);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^letterbox import: ${join(sub, 'b-local.eml')}: recipient "a>b@x\\.test" is not an address: .* \\(give --to\\)$`)),
      expect.stringMatching(new RegExp(`^letterbox import: ${join(sub, 'c-sender.eml')}: sender "a b@x\\.test" from the header is not an address: .* \\(give --from\\)$`)),
      `letterbox import: ${join(sub, 'd.mbox')}#1: sender "alice" from the mbox From line is not an address: it has no @ (give --from)`,
    ]);
    expect(smtp.envelope()).toEqual(['MAIL FROM:<app@red.com>', 'RCPT TO:<bob@blue.com>']);
  });
});

describe('the SMTP client writes one line per command', () => {
  let smtp: RecordingSmtp;
  afterEach(async () => {
    await smtp?.stop();
  });

  it('refuses a sender or recipient holding CR or LF before sending anything, and the session goes on', async () => {
    smtp = await RecordingSmtp.start();
    const [host, port] = smtp.addr.split(':') as [string, string];
    const client = await SmtpClient.open({ host, port: Number(port), helo: 'test', timeoutMs: 5_000 });
    try {
      const raw = Buffer.from(MESSAGE);
      await expect(client.submit({ mailFrom: 'a@b.test>\r\nRCPT TO:<injected@x.test', rcptTo: ['bob@y.test'] }, raw)).rejects.toThrow(SmtpCommandError);
      await expect(client.submit({ mailFrom: 'a@b.test', rcptTo: ['bob@y.test', 'eve@y.test>\nRSET'] }, raw)).rejects.toThrow(/refused to send RCPT TO: it holds LF at column 21/);
      await expect(client.submit({ mailFrom: 'a@b.test\0', rcptTo: ['bob@y.test'] }, raw)).rejects.toThrow(/MAIL FROM: it holds 0x00/);
      expect(smtp.lines).toEqual(['EHLO test']);
      const sent = await client.submit({ mailFrom: 'a@b.test', rcptTo: ['bob@y.test'] }, raw);
      expect(sent.accepted).toEqual(['bob@y.test']);
      expect(smtp.envelope()).toEqual(['MAIL FROM:<a@b.test>', 'RCPT TO:<bob@y.test>']);
    } finally {
      await client.close();
    }
  });

  it('refuses an EHLO name holding CR LF', async () => {
    smtp = await RecordingSmtp.start();
    const [host, port] = smtp.addr.split(':') as [string, string];
    await expect(SmtpClient.open({ host, port: Number(port), helo: 'x\r\nMAIL FROM:<eve@x.test>', timeoutMs: 5_000 })).rejects.toThrow(/refused to send EHLO: it holds CR/);
    expect(smtp.lines).toEqual([]);
  });
});

describe('against a real Letterbox', () => {
  let box: TestSandbox;
  beforeAll(async () => {
    box = await startTestSandbox({ pop3: null, imap: null, listen: null });
  });
  afterAll(() => box.stop(0));

  it('an injected recipient neither hangs sendmail nor reaches the store', async () => {
    // A hang would show as this test timing out.
    const result = await runCli(['sendmail', '-S', `127.0.0.1:${box.port('smtp')}`, 'bob@y.test\r\nRCPT TO:<injected@x.test>'], MESSAGE);
    expect(result.status).toBe(64);
    expect(box.store.messages()).toHaveLength(0);
  });
});
