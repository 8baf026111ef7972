import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { upgradeToTls } from '../helpers/tls-upgrade.js';

const CRLF = Buffer.from('\r\n');
const DOT = 0x2e;

/**
 * A raw POP3 client for scripted dialogues: it writes exactly the bytes it is given
 * (so tests can pipeline or send hostile input) and reads the server's lines as they
 * come. Lines must end with CRLF: a bare LF from the server fails the read.
 */
export class Pop3Dialogue {
  #socket: Socket | TLSSocket;
  #buffer: Buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;
  /** Resolves when the server has closed the connection (or it dropped). */
  readonly closed: Promise<void>;
  #resolveClosed: () => void = () => undefined;

  private constructor(socket: Socket | TLSSocket) {
    this.#socket = socket;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#attach(socket);
  }

  /** Connects; with `greeting` (the default) it also reads and checks the `+OK` greeting. */
  static async open(port: number, options: { tls?: boolean; greeting?: boolean } = {}): Promise<Pop3Dialogue> {
    const socket = options.tls
      ? tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false })
      : netConnect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const dialogue = new Pop3Dialogue(socket);
    if (options.greeting !== false) {
      const greeting = await dialogue.readLine();
      if (!greeting.startsWith('+OK ')) throw new Error(`unexpected greeting: ${greeting}`);
      dialogue.greeting = greeting;
    }
    return dialogue;
  }

  greeting = '';

  get socket(): Socket | TLSSocket {
    return this.#socket;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #attach(socket: Socket | TLSSocket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
      this.#resolveClosed();
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Writes exactly these bytes. */
  send(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** The next line, without its CRLF, as latin1 text. */
  async readLine(): Promise<string> {
    return (await this.readLineBytes()).toString('latin1');
  }

  async readLineBytes(): Promise<Buffer> {
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf >= 0) {
        if (lf === 0 || this.#buffer[lf - 1] !== 0x0d) throw new Error(`bare LF from the server after ${JSON.stringify(this.#buffer.subarray(0, lf).toString('latin1').slice(-60))}`);
        const line = this.#buffer.subarray(0, lf - 1);
        this.#buffer = this.#buffer.subarray(lf + 1);
        return line;
      }
      if (this.#closed) throw new Error(`connection closed (unread: ${JSON.stringify(this.#buffer.toString('latin1').slice(0, 80))})`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The body of a multi-line reply up to the `.` line, un-stuffed (RFC 1939 §3), each line with its CRLF. */
  async readBody(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const line = await this.readLineBytes();
      if (line.length === 1 && line[0] === DOT) return Buffer.concat(parts);
      parts.push(line[0] === DOT ? line.subarray(1) : line, CRLF);
    }
  }

  /** Sends a command line and reads its status line. */
  async command(line: string): Promise<string> {
    this.send(line + '\r\n');
    return this.readLine();
  }

  /** Sends a command expecting a multi-line reply; the body is read only after a `+OK`. */
  async multiline(line: string): Promise<{ status: string; body: Buffer; lines: string[] }> {
    const status = await this.command(line);
    if (!status.startsWith('+OK')) return { status, body: Buffer.alloc(0), lines: [] };
    const body = await this.readBody();
    const text = body.toString('latin1');
    return { status, body, lines: text === '' ? [] : text.replace(/\r\n$/, '').split('\r\n') };
  }

  /** Logs in with USER/PASS and expects `+OK`. */
  async login(user: string, password = 'secret'): Promise<string> {
    const userReply = await this.command(`USER ${user}`);
    if (!userReply.startsWith('+OK')) throw new Error(`USER refused: ${userReply}`);
    const passReply = await this.command(`PASS ${password}`);
    if (!passReply.startsWith('+OK')) throw new Error(`PASS refused: ${passReply}`);
    return passReply;
  }

  /** STLS (RFC 2595 §4): sends it, expects `+OK`, then runs the TLS handshake over this connection. */
  async startTls(): Promise<void> {
    const reply = await this.command('STLS');
    if (!reply.startsWith('+OK')) throw new Error(`STLS refused: ${reply}`);
    await this.upgrade();
  }

  /** Runs a TLS handshake over the connection as it is now. */
  async upgrade(): Promise<void> {
    this.#socket.removeAllListeners('close');
    const secure = await upgradeToTls(this.#socket);
    this.#socket = secure;
    this.#buffer = Buffer.alloc(0);
    this.#attach(secure);
  }

  /** Stops reading from the server (its output piles up in the socket buffers). */
  stopReading(): void {
    this.#socket.pause();
  }

  close(): void {
    this.#socket.destroy();
  }
}
