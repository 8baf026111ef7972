import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { upgradeToTls } from '../helpers/tls-upgrade.js';

/**
 * A bare IMAP line client for scripted dialogues: it sends exactly the bytes a test
 * writes and hands back responses as text, literals inline, so tests can compare
 * with the RFC's examples.
 */
export class ImapLineClient {
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #closed = false;
  socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#attach(socket);
  }

  static async open(port: number, options: { tls?: boolean } = {}): Promise<ImapLineClient> {
    const socket = options.tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new ImapLineClient(socket);
    return client;
  }

  #attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #more(): Promise<void> {
    if (this.#closed) throw new Error(`connection closed; unread: ${this.#buffer.toString('latin1').slice(0, 200)}`);
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** One response line; a literal it announces is read and kept inline. */
  async line(): Promise<string> {
    return (await this.lineBytes()).toString('utf8').replace(/\r\n$/, '');
  }

  /** One response line as the bytes sent (CRLF included), literals inline. */
  async lineBytes(): Promise<Buffer> {
    let from = 0;
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a, from);
      if (lf < 0) {
        await this.#more();
        continue;
      }
      const head = this.#buffer.toString('latin1', 0, lf + 1);
      const literal = /\{(\d+)\}\r\n$/.exec(head);
      if (literal) {
        const need = lf + 1 + Number(literal[1]);
        while (this.#buffer.length < need) await this.#more();
        from = need;
        continue;
      }
      const bytes = this.#buffer.subarray(0, lf + 1);
      this.#buffer = this.#buffer.subarray(lf + 1);
      return bytes;
    }
  }

  /** Responses up to and including the one tagged `tag`. */
  async until(tag: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line();
      lines.push(line);
      if (line.startsWith(tag + ' ')) return lines;
    }
  }

  /** Upgrades the connection after `OK Begin TLS` (RFC 3501 §6.2.1). */
  async startTls(): Promise<void> {
    this.socket.removeAllListeners('close');
    const secure = await upgradeToTls(this.socket);
    this.socket = secure;
    this.#attach(secure);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends `tag command` and returns every response through the tagged one. */
  async command(tag: string, text: string): Promise<string[]> {
    this.write(`${tag} ${text}\r\n`);
    return this.until(tag);
  }

  /** Waits for the server to close the connection. */
  async closedByServer(): Promise<void> {
    while (!this.#closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Opens a client, reads the greeting and logs in. */
export async function loggedIn(port: number, user = 'bob@blue.com', password = 'secret'): Promise<ImapLineClient> {
  const client = await ImapLineClient.open(port);
  await client.line();
  const reply = await client.command('L0', `LOGIN ${user} ${password}`);
  if (!reply.at(-1)?.startsWith('L0 OK')) throw new Error(reply.join('\n'));
  return client;
}
