import type { Socket } from 'node:net';
import { drainedOrClosed } from '../lib/drained.js';

/** Past this many bytes queued in the socket, a producer waits for `drain`. */
const HIGH_WATER = 1024 * 1024;

/**
 * The one ordered writer of a socket: every response goes through it, in order.
 * Writes are corked into batches (many small untagged responses become few packets)
 * and a long response waits for the socket to drain, so memory stays bounded
 * however slowly a client reads.
 */
/** Text is gathered up to this size before it is handed to the socket as one write. */
const BATCH = 64 * 1024;

export class ResponseWriter {
  #socket: Socket;
  #corked = false;
  #closed = false;
  #text: string[] = [];
  #textLength = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** STARTTLS swaps the transport; responses from then on go over TLS. */
  replaceSocket(socket: Socket): void {
    this.#socket = socket;
    this.#corked = false;
  }

  get closed(): boolean {
    return this.#closed || this.#socket.destroyed;
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    if (!this.#corked) {
      this.#socket.cork();
      this.#corked = true;
    }
    if (typeof data === 'string') {
      // Many small responses (one per message in a FETCH) cost one socket write per batch.
      this.#text.push(data);
      this.#textLength += data.length;
      if (this.#textLength >= BATCH) this.#writeText();
      return;
    }
    this.#writeText();
    this.#socket.write(data);
  }

  #writeText(): void {
    if (this.#text.length === 0) return;
    this.#socket.write(this.#text.length === 1 ? (this.#text[0] as string) : this.#text.join(''));
    this.#text = [];
    this.#textLength = 0;
  }

  /** Sends what is batched. */
  flush(): void {
    if (!this.#corked) return;
    this.#writeText();
    this.#corked = false;
    this.#socket.uncork();
  }

  /** Flushes, then waits while the client is slow to read (backpressure). */
  async drain(): Promise<void> {
    if (this.#socket.writableLength < HIGH_WATER) return;
    this.flush();
    const socket = this.#socket;
    if (socket.writableLength < HIGH_WATER || this.closed) return;
    await drainedOrClosed(socket);
  }

  close(): void {
    this.flush();
    this.#closed = true;
    this.#socket.end();
  }
}
