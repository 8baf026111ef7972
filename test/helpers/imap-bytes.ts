import { connect, type Socket } from 'node:net';

/**
 * An IMAP client for large and binary responses: it keeps what the server sends as a
 * list of chunks (no quadratic re-concatenation of a 20 MB literal) and hands back a
 * command's whole response as bytes once its tagged line has arrived.
 */
export class ImapBytesClient {
  #chunks: Buffer[] = [];
  #tail = '';
  #wake: (() => void) | undefined;
  #closed = false;
  #tag = 0;
  /** Enough of the stream's end to hold a whole tagged line (LOGIN's OK carries every capability). */
  static readonly TAIL = 4096;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#tail = (this.#tail + chunk.toString('latin1', Math.max(0, chunk.length - ImapBytesClient.TAIL))).slice(-ImapBytesClient.TAIL);
      this.#notify();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on('error', () => undefined);
  }

  /** Connects, reads the greeting, logs in (any password unless an auth file is set) and selects INBOX. */
  static async open(port: number, user = 'catchall'): Promise<ImapBytesClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const client = new ImapBytesClient(socket);
    await client.#until(/\r\n$/);
    client.#take();
    await client.expectOk(`LOGIN ${user} secret`);
    await client.expectOk('SELECT INBOX');
    return client;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #until(end: RegExp): Promise<void> {
    while (!end.test(this.#tail)) {
      if (this.#closed) throw new Error(`IMAP connection closed; last bytes ${JSON.stringify(this.#tail.slice(-120))}`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #take(): Buffer {
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [];
    this.#tail = '';
    return all;
  }

  /** Sends a command; resolves with every byte of its response through the tagged line. */
  async command(text: string): Promise<{ status: string; bytes: Buffer }> {
    const tag = `Q${++this.#tag}x`;
    this.socket.write(`${tag} ${text}\r\n`);
    await this.#until(new RegExp(`(^|\\r\\n)${tag} [^\\r\\n]*\\r\\n$`));
    const bytes = this.#take();
    const status = /\r?\n?([^\r\n]*)\r\n$/.exec(bytes.toString('latin1', Math.max(0, bytes.length - ImapBytesClient.TAIL)))?.[1] ?? '';
    return { status: status.slice(tag.length + 1), bytes };
  }

  async expectOk(text: string): Promise<Buffer> {
    const { status, bytes } = await this.command(text);
    if (!status.startsWith('OK')) throw new Error(`${text}: ${status}`);
    return bytes;
  }

  /** The literal that follows `item` (e.g. `BODY[]`) in a FETCH response. */
  static literalAfter(bytes: Buffer, item: string): Buffer {
    const at = bytes.indexOf(`${item} {`);
    if (at < 0) throw new Error(`no ${item} literal in ${JSON.stringify(bytes.toString('latin1', 0, 200))}`);
    const open = at + item.length + 1;
    const close = bytes.indexOf('}\r\n', open);
    const length = Number(bytes.toString('latin1', open + 1, close));
    return bytes.subarray(close + 3, close + 3 + length);
  }

  close(): void {
    this.socket.destroy();
  }
}
