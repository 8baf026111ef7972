/**
 * SMTP on the wire for the client side: reading replies (RFC 5321 §4.2, multi-line
 * `250-…` then `250 …`) from a socket that may be upgraded to TLS mid-session, and
 * preparing message data (CRLF line ends, §2.3.8; dot-stuffing, §4.5.2).
 */
import type { Socket } from 'node:net';
import { encodeData } from '../transfer/dot-stuff.js';

export interface Reply {
  code: number;
  /** Every line, as received, without CRLF. */
  lines: string[];
  /** The text after the codes, lines joined by a space. */
  text: string;
}

/** The connection failed, closed, or a wait ran out: no reply was read. */
export class WireFailure extends Error {
  constructor(
    readonly kind: 'network' | 'timeout' | 'protocol',
    message: string,
  ) {
    super(message);
  }
}

const MAX_REPLY_LINES = 100;
const MAX_LINE = 4096;

/** Reads replies from a socket; `attach` moves it to a new (TLS) socket. */
export class ReplyReader {
  #buffer = '';
  #lines: string[] = [];
  #waiting: ((line: string | WireFailure) => void) | undefined;
  #failure: WireFailure | undefined;
  #socket: Socket | undefined;
  readonly #onData = (chunk: Buffer) => this.#take(chunk.toString('latin1'));
  readonly #onClose = () => this.#fail(new WireFailure('network', 'connection closed by the server'));
  readonly #onError = (error: Error) => this.#fail(new WireFailure('network', error.message));

  attach(socket: Socket): void {
    this.detach();
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('close', this.#onClose);
    socket.on('error', this.#onError);
  }

  detach(): void {
    const socket = this.#socket;
    if (!socket) return;
    socket.off('data', this.#onData);
    socket.off('close', this.#onClose);
    socket.off('error', this.#onError);
    this.#socket = undefined;
  }

  /** Whether the connection failed or closed. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Whether bytes arrived that no command asked for (a server talking out of turn). */
  get pending(): boolean {
    return this.#lines.length > 0 || this.#buffer.length > 0;
  }

  /** The next whole reply, or a WireFailure after `timeoutMs`. */
  async read(timeoutMs: number, what: string): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    for (;;) {
      const line = await this.#line(Math.max(1, deadline - Date.now()), what);
      lines.push(line);
      const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!match) throw new WireFailure('protocol', `not an SMTP reply: ${line.slice(0, 200)}`);
      if (match[2] !== '-') {
        const code = Number(match[1]);
        return { code, lines, text: lines.map((l) => l.slice(4)).join(' ') };
      }
      if (lines.length >= MAX_REPLY_LINES) throw new WireFailure('protocol', 'reply too long');
    }
  }

  #line(timeoutMs: number, what: string): Promise<string> {
    const ready = this.#lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new WireFailure('timeout', `no reply to ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting = (line) => {
        clearTimeout(timer);
        this.#waiting = undefined;
        if (line instanceof WireFailure) reject(line);
        else resolve(line);
      };
    });
  }

  #take(text: string): void {
    this.#buffer += text;
    let end: number;
    while ((end = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, end).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(end + 1);
      this.#push(line);
    }
    if (this.#buffer.length > MAX_LINE) this.#fail(new WireFailure('protocol', 'reply line too long'));
  }

  #push(line: string): void {
    if (this.#waiting) this.#waiting(line);
    else this.#lines.push(line);
  }

  #fail(failure: WireFailure): void {
    this.#failure ??= failure;
    this.#waiting?.(failure);
  }
}

/**
 * The message as DATA carries it to a real server: every line ending CRLF, bare CRs
 * and bare LFs included (RFC 5321 §2.3.8), lines starting with "." doubled (§4.5.2),
 * then the terminating CRLF.CRLF. The stored message is not touched; only this copy
 * is. (Letterbox's own CLI keeps line ends instead, to copy messages byte for byte.)
 */
export function dataForWire(raw: Buffer): Buffer {
  return encodeData(raw, 'crlf');
}
