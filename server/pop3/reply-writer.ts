/**
 * The one ordered writer of a POP3 connection. Replies go out in command order; a
 * multi-line body is written chunk by chunk, and the writer waits for 'drain'
 * whenever the socket's buffer is full, so a client that does not read costs at
 * most a socket buffer of memory, however much it asked for (DESIGN.md habit 5).
 */
import type { Socket } from 'node:net';
import { drainedOrClosed } from '../lib/drained.js';
import { TERMINATOR } from './wire-form.js';

export class ReplyWriter {
  #socket: Socket;
  #corked = false;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /** After STLS every reply goes to the TLS socket. */
  retarget(socket: Socket): void {
    this.uncork();
    this.#socket = socket;
  }

  /**
   * Holds small writes so a burst of pipelined replies leaves in few packets; the
   * owner uncorks when it runs out of commands.
   */
  cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
  }

  uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#socket.uncork();
  }

  /** A status line; resolves once the socket has room again. False when the connection is gone. */
  line(text: string): Promise<boolean> {
    return this.write(Buffer.from(text + '\r\n', 'utf8'));
  }

  /** A status line, a byte-stuffed body and the `.` line (RFC 1939 §3). */
  async multiline(status: string, body: Iterable<Buffer>): Promise<boolean> {
    if (!(await this.line(status))) return false;
    for (const chunk of body) if (!(await this.write(chunk))) return false;
    return this.write(TERMINATOR);
  }

  async write(chunk: Buffer | string): Promise<boolean> {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return false;
    if (socket.write(chunk)) return true;
    // The buffer is past its high-water mark: send what is corked, then wait until the client reads.
    const wasCorked = this.#corked;
    this.uncork();
    const drained = await drainedOrClosed(socket);
    if (drained && wasCorked) this.cork();
    return drained;
  }

  /** Resolves once everything written has been handed to the kernel (before a TLS handshake). */
  async flushed(): Promise<boolean> {
    this.uncork();
    const socket = this.#socket;
    if (socket.destroyed) return false;
    if (socket.writableLength === 0) return true;
    return drainedOrClosed(socket);
  }

  /** Bytes accepted but not yet handed to the kernel. */
  get pending(): number {
    return this.#socket.writableLength;
  }
}
