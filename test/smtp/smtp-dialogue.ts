import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { upgradeToTls } from '../helpers/tls-upgrade.js';

/** One SMTP reply: its code and its lines (multi-line replies joined by RFC 5321 §4.2.1). */
export interface Reply {
  code: number;
  lines: string[];
  text: string;
}

/**
 * A raw SMTP client for scripted dialogues: it writes exactly the bytes it is given
 * and reads replies as they come, so tests can pipeline, send hostile bytes, or drop
 * the connection mid-DATA. Waiting is always on replies or socket events.
 */
export class SmtpDialogue {
  #socket: Socket | TLSSocket;
  #buffer = '';
  #replies: Reply[] = [];
  #pending: Array<{ lines: string[] }> = [];
  #waiters: Array<() => void> = [];
  #closed = false;
  readonly closed: Promise<void>;

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    this.#attach(socket);
  }

  static async open(port: number, options: { tls?: boolean } = {}): Promise<SmtpDialogue> {
    const socket = options.tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    return new SmtpDialogue(socket);
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let end: number;
    while ((end = this.#buffer.indexOf('\r\n')) >= 0) {
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const partial = this.#pending[0] ?? { lines: [] };
      if (this.#pending.length === 0) this.#pending.push(partial);
      partial.lines.push(line);
      if (line[3] !== '-') {
        this.#pending.shift();
        this.#replies.push({ code: Number(line.slice(0, 3)), lines: partial.lines.map((l) => l.slice(4)), text: partial.lines.join('\n') });
      }
    }
    this.#wake();
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** The next reply; rejects when the connection closes first. */
  async reply(): Promise<Reply> {
    for (;;) {
      const next = this.#replies.shift();
      if (next) return next;
      if (this.#closed) throw new Error('connection closed while waiting for a reply');
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** The next `count` replies, in order. */
  async replies(count: number): Promise<Reply[]> {
    const all: Reply[] = [];
    for (let i = 0; i < count; i++) all.push(await this.reply());
    return all;
  }

  write(bytes: string | Buffer): void {
    this.#socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /** Sends one command line and returns its reply. */
  async command(line: string): Promise<Reply> {
    this.write(line + '\r\n');
    return this.reply();
  }

  /** Upgrades with STARTTLS (RFC 3207) after a 220 reply. */
  async startTls(): Promise<void> {
    const reply = await this.command('STARTTLS');
    if (reply.code !== 220) throw new Error(`STARTTLS refused: ${reply.text}`);
    const secure = await upgradeToTls(this.#socket);
    this.#socket = secure;
    this.#attach(secure);
  }

  /** MAIL, RCPT…, DATA, the message dot-stuffed, and the final reply. */
  async send(from: string, to: string[], raw: Buffer | string, mailParams = ''): Promise<Reply> {
    const replies: Reply[] = [await this.command(`MAIL FROM:<${from}>${mailParams}`)];
    for (const rcpt of to) replies.push(await this.command(`RCPT TO:<${rcpt}>`));
    const failed = replies.find((r) => r.code >= 400);
    if (failed) return failed;
    const data = await this.command('DATA');
    if (data.code !== 354) return data;
    this.write(Buffer.concat([dotStuff(typeof raw === 'string' ? Buffer.from(raw) : raw), Buffer.from('.\r\n')]));
    return this.reply();
  }

  async quit(): Promise<void> {
    if (!this.#closed) this.write('QUIT\r\n');
    await this.closed;
  }

  /** Drops the connection without QUIT. */
  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * RFC 5321 §4.5.2 transparency: a line starting with '.' gets one more. The message
 * must end with CRLF (a final CRLF is added when it does not).
 */
export function dotStuff(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const ended = text.endsWith('\r\n') ? text : text + '\r\n';
  return Buffer.from(ended.replace(/(^|\r\n)\./g, '$1..'), 'latin1');
}

/** Opens a dialogue and reads the 220 greeting and the EHLO reply. */
export async function ehlo(port: number, options: { tls?: boolean; name?: string } = {}): Promise<{ smtp: SmtpDialogue; greeting: Reply; ehlo: Reply }> {
  const smtp = await SmtpDialogue.open(port, options);
  const greeting = await smtp.reply();
  const reply = await smtp.command(`EHLO ${options.name ?? 'client.test'}`);
  return { smtp, greeting, ehlo: reply };
}
