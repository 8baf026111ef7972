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
  /** The lines of the reply read before it failed (for the transcript). */
  lines: string[] = [];

  constructor(
    readonly kind: 'network' | 'timeout' | 'protocol',
    message: string,
  ) {
    super(message);
  }
}

const MAX_REPLY_LINES = 100;
/**
 * Longest reply line taken. RFC 5321 §4.5.3.1.5 says 512 octets; real servers send a
 * little more, so this is lenient, but it bounds what one line can hold.
 */
const MAX_LINE = 4096;
/**
 * Most lines held that no read has taken yet. A pipelined transaction (RFC 2920) is
 * answered by MAIL, up to 100 RCPT and DATA at once, some replies multiline; past
 * this the server is flooding, and the lines would only grow memory.
 */
const MAX_QUEUED_LINES = 1_000;

/**
 * Reads replies from a socket; `attach` moves it to a new (TLS) socket. Once it fails
 * (the server closed, broke the protocol, or flooded), it destroys the socket and
 * takes nothing more: a failed session is never read again, so whatever else the
 * server sends would only be buffered.
 */
export class ReplyReader {
  #buffer = '';
  #lines: string[] = [];
  #waiting: ((line: string | WireFailure) => void) | undefined;
  #failure: WireFailure | undefined;
  #socket: Socket | undefined;
  /** Kept open between transactions: no reply is awaited, so any byte is out of turn. */
  #idle = false;
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

  /**
   * While idle (a connection kept open for the next transaction), the server has no
   * reason to speak: RFC 5321 §4.2 replies answer commands, and a 421 before closing
   * (§3.8) ends the connection anyway. Anything that arrives then fails the reader,
   * which drops the connection, instead of buffering it until the next transaction.
   */
  idle(on: boolean): void {
    this.#idle = on;
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
    try {
      for (;;) {
        const line = await this.#line(Math.max(1, deadline - Date.now()), what);
        lines.push(line);
        const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
        if (!match) throw this.#fail(new WireFailure('protocol', `not an SMTP reply: ${line.slice(0, 200)}`));
        const code = Number(match[1]);
        // RFC 5321 §4.2.1: every line of a multiline reply carries the same code. A
        // reply that starts `550-` and ends `250 ` has no meaning; taking its last line
        // would record a refusal as delivered, its first would ignore what the server
        // ended on. Neither is safe: it is a protocol error, a temporary failure.
        const first = Number(lines[0]?.slice(0, 3));
        if (code !== first) throw this.#fail(new WireFailure('protocol', `a reply mixing codes ${first} and ${code} (RFC 5321 §4.2.1 requires one code on every line)`));
        if (match[2] !== '-') return { code, lines, text: lines.map((l) => l.slice(4)).join(' ') };
        if (lines.length >= MAX_REPLY_LINES) throw this.#fail(new WireFailure('protocol', 'reply too long'));
      }
    } catch (error) {
      // The reader's failure is shared by every later read; each gets its own copy with its lines.
      if (!(error instanceof WireFailure) || lines.length === 0) throw error;
      throw Object.assign(new WireFailure(error.kind, error.message), { lines });
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

  /** Splits what arrived into lines, scanning only the new bytes (a long line is never rescanned). */
  #take(text: string): void {
    if (this.#failure) return;
    if (this.#idle) {
      this.#fail(new WireFailure('protocol', 'the server spoke while no reply was awaited'));
      return;
    }
    let start = 0;
    let end: number;
    while ((end = text.indexOf('\n', start)) >= 0) {
      const line = (this.#buffer + text.slice(start, end)).replace(/\r$/, '');
      this.#buffer = '';
      start = end + 1;
      if (line.length > MAX_LINE) {
        this.#fail(new WireFailure('protocol', 'reply line too long'));
        return;
      }
      this.#push(line);
      if (this.#failure) return;
    }
    if (this.#buffer.length + text.length - start > MAX_LINE) this.#fail(new WireFailure('protocol', 'reply line too long'));
    else this.#buffer += text.slice(start);
  }

  #push(line: string): void {
    if (this.#waiting) this.#waiting(line);
    else if (this.#lines.length >= MAX_QUEUED_LINES) this.#fail(new WireFailure('protocol', 'the server sent more lines than were asked for'));
    else this.#lines.push(line);
  }

  /**
   * Fails the reader for good and drops the connection; returns the failure to throw.
   * Lines already whole stay readable after a close (a 221 or 421 is often followed by
   * it at once), but not after a protocol failure: they are the flood.
   */
  #fail(failure: WireFailure): WireFailure {
    this.#failure ??= failure;
    this.#buffer = '';
    if (failure.kind === 'protocol') this.#lines = [];
    this.#socket?.destroy();
    this.#waiting?.(failure);
    return failure;
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
