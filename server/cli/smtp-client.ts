import { connect, type Socket } from 'node:net';
import type { Envelope } from '../store/types.js';
import { encodeData } from '../transfer/dot-stuff.js';

/**
 * A small SMTP submission client for `letterbox sendmail` and `letterbox import`. It
 * sends the message bytes exactly: dot-stuffing (RFC 5321 §4.5.2) is the only change,
 * and the server takes it off again, so a message that ends in CRLF arrives unchanged.
 */

/** The server answered a command with 4xx or 5xx. */
export class SmtpReplyError extends Error {
  constructor(
    readonly code: number,
    readonly reply: string,
    readonly command: string,
  ) {
    super(`${command}: ${reply}`);
    this.name = 'SmtpReplyError';
  }
  /** A 4xx reply: trying again later may work. */
  get transient(): boolean {
    return this.code >= 400 && this.code < 500;
  }
}

/**
 * A command line that would not be one line: nothing of it was sent, and the session
 * is as it was. Callers check addresses before (server/cli/addresses.ts); this is the
 * last word, in the one place command lines are written.
 */
export class SmtpCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmtpCommandError';
  }
}

/**
 * CR or LF would end the line and start another command (RFC 5321 §2.3.8), so a value
 * holding one could speak for the client; no other control character belongs on a
 * command line either (the SMTP front refuses them, server/smtp/strict-commands.ts).
 */
const NOT_ON_A_COMMAND_LINE = /[\x00-\x1f\x7f]/;

function commandLineProblem(line: string): SmtpCommandError | undefined {
  const bad = NOT_ON_A_COMMAND_LINE.exec(line);
  if (!bad) return undefined;
  const what = bad[0] === '\r' ? 'CR' : bad[0] === '\n' ? 'LF' : `0x${bad[0].charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`;
  // The command's name only: the rest may be a password (AUTH).
  const verb = /^[A-Za-z]+(?: (?:FROM|TO)(?=:))?/.exec(line)?.[0] ?? 'a command';
  return new SmtpCommandError(`refused to send ${verb}: it holds ${what} at column ${bad.index + 1}, which would end the command line early`);
}

export interface SmtpClientOptions {
  host: string;
  port: number;
  /** The EHLO name. */
  helo: string;
  auth?: { username: string; password: string };
  /** Longest wait for any one reply. */
  timeoutMs?: number;
}

export interface SubmitResult {
  /** The final reply to DATA, e.g. `250 Ok: queued as …`. */
  reply: string;
  accepted: string[];
  rejected: Array<{ address: string; reply: string }>;
}

interface Reply {
  code: number;
  lines: string[];
  text: string;
}

export class SmtpClient {
  readonly #socket: Socket;
  #buffer = '';
  #lines: string[] = [];
  readonly #replies: Reply[] = [];
  readonly #waiting: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];
  #closed: Error | undefined;
  #extensions = new Set<string>();

  private constructor(socket: Socket, timeoutMs: number) {
    this.#socket = socket;
    // Commands are small and each waits for its reply: Nagle's algorithm would only add delay.
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the SMTP server closed the connection')));
    socket.setTimeout(timeoutMs, () => {
      this.#fail(new Error(`no reply from the SMTP server within ${timeoutMs} ms`));
      socket.destroy();
    });
  }

  /** Connects, reads the greeting, says EHLO (HELO if refused) and authenticates if asked. */
  static async open(options: SmtpClientOptions): Promise<SmtpClient> {
    const socket = connect({ host: options.host, port: options.port });
    const client = new SmtpClient(socket, options.timeoutMs ?? 60_000);
    try {
      await client.#expect(await client.#read(), [220], 'connect');
      const ehlo = await client.#command(`EHLO ${options.helo}`);
      if (ehlo.code === 250) {
        client.#extensions = new Set(ehlo.lines.slice(1).map((line) => line.split(' ')[0]?.toUpperCase() ?? ''));
      } else {
        await client.#expect(await client.#command(`HELO ${options.helo}`), [250], 'HELO');
      }
      if (options.auth) await client.#authenticate(options.auth);
      return client;
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** One transaction. A refused MAIL, DATA or every RCPT throws SmtpReplyError after RSET; the session stays usable. */
  async submit(envelope: Envelope, raw: Buffer): Promise<SubmitResult> {
    const params: string[] = [];
    if (this.#extensions.has('SIZE')) params.push(`SIZE=${raw.length}`);
    if (this.#extensions.has('8BITMIME') && raw.some((byte) => byte > 0x7f)) params.push('BODY=8BITMIME');
    const nonAscii = /[^\x00-\x7f]/.test([envelope.mailFrom, ...envelope.rcptTo].join(''));
    if (nonAscii && this.#extensions.has('SMTPUTF8')) params.push('SMTPUTF8');
    const mailFrom = `MAIL FROM:<${envelope.mailFrom}>${params.map((p) => ' ' + p).join('')}`;
    const rcptTo = envelope.rcptTo.map((address) => `RCPT TO:<${address}>`);
    // Every line checked before the first is sent, so a refusal leaves no transaction open.
    for (const line of [mailFrom, ...rcptTo]) {
      const problem = commandLineProblem(line);
      if (problem) throw problem;
    }
    await this.#step(mailFrom, [250], 'MAIL FROM');
    const accepted: string[] = [];
    const rejected: SubmitResult['rejected'] = [];
    for (const [i, address] of envelope.rcptTo.entries()) {
      const reply = await this.#command(rcptTo[i] as string);
      if (reply.code === 250 || reply.code === 251) accepted.push(address);
      else rejected.push({ address, reply: reply.text });
    }
    if (accepted.length === 0) {
      await this.#reset();
      const first = rejected[0];
      throw new SmtpReplyError(Number(first?.reply.slice(0, 3)) || 554, first?.reply ?? 'no recipients', 'RCPT TO');
    }
    await this.#step('DATA', [354], 'DATA');
    // Message and terminator in one write: a separate small write would wait on the server's delayed ACK.
    this.#socket.write(encodeData(raw, 'keep'));
    const final = await this.#read();
    if (final.code !== 250) throw new SmtpReplyError(final.code, final.text, 'end of DATA');
    return { reply: final.text, accepted, rejected };
  }

  /** QUIT and close; never throws. */
  async close(): Promise<void> {
    if (!this.#closed) await this.#command('QUIT').catch(() => undefined);
    this.#socket.destroy();
  }

  async #authenticate(auth: { username: string; password: string }): Promise<void> {
    // RFC 4616: PLAIN is authzid NUL authcid NUL passwd, base64-encoded.
    const token = Buffer.from(`\0${auth.username}\0${auth.password}`, 'utf8').toString('base64');
    await this.#step(`AUTH PLAIN ${token}`, [235], 'AUTH');
  }

  async #step(line: string, expected: number[], name: string): Promise<Reply> {
    const reply = await this.#command(line);
    if (expected.includes(reply.code)) return reply;
    if (reply.code !== 421 && !this.#closed) await this.#reset();
    throw new SmtpReplyError(reply.code, reply.text, name);
  }

  async #reset(): Promise<void> {
    await this.#command('RSET').catch(() => undefined);
  }

  #expect(reply: Reply, codes: number[], name: string): Reply {
    if (!codes.includes(reply.code)) throw new SmtpReplyError(reply.code, reply.text, name);
    return reply;
  }

  /** The one place a command line is written. */
  #command(line: string): Promise<Reply> {
    if (this.#closed) return Promise.reject(this.#closed);
    const problem = commandLineProblem(line);
    if (problem) return Promise.reject(problem);
    this.#socket.write(line + '\r\n');
    return this.#read();
  }

  #read(): Promise<Reply> {
    const ready = this.#replies.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf('\n'); end !== -1; end = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, end).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(end + 1);
      this.#lines.push(line);
      // RFC 5321 §4.2.1: "250-" continues a reply, "250 " (or a bare code) ends it.
      if (line.length >= 3 && line[3] !== '-') {
        const lines = this.#lines.map((l) => l.slice(4));
        const reply: Reply = { code: Number(line.slice(0, 3)) || 0, lines, text: this.#lines.join('\n') };
        this.#lines = [];
        const waiter = this.#waiting.shift();
        if (waiter) waiter.resolve(reply);
        else this.#replies.push(reply);
      }
    }
    if (this.#buffer.length > 64 * 1024) {
      this.#fail(new Error('the SMTP server sent a line longer than 64 KiB'));
      this.#socket.destroy();
    }
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }
}

