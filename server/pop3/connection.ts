/**
 * One POP3 connection's socket life: line framing with bounded input, the one ordered
 * reply writer, the autologout and slow-line timers (RFC 1939 §3), the socket swap of
 * STLS (RFC 2595 §4) and shutdown. What a line means is the session's (session.ts).
 * Lines are handed over strictly one at a time, in order, which is what RFC 2449 §6.6
 * PIPELINING asks of the server; once more than INPUT_LIMIT bytes wait unanswered the
 * socket is paused, so unread input stays bounded too.
 */
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../lib/log.js';
import { LineDeadline } from '../lib/line-deadline.js';
import { LineReader, type LineEvent } from '../lib/line-reader.js';
import { SessionLog } from '../lib/session-log.js';
import type { Pop3State } from './outcome.js';
import { ReplyWriter } from './reply-writer.js';

export interface Pop3ConnectionOptions {
  socket: Socket;
  /** Implicit TLS (POP3S): secure from the first byte. */
  secure: boolean;
  /** For STLS; null when TLS is not configured. */
  secureContext: SecureContext | null;
  maxLine: number;
  idleMs: number;
  logger: Logger;
}

/** The session as its connection sees it. */
export interface Pop3LineHandler {
  /** For the log line of a connection closed for idleness. */
  state(): Pop3State;
  /** Answers one line; the next is not handed over until this settles. */
  handle(event: LineEvent): Promise<void>;
  /** The connection is gone, however it went. */
  ended(): void;
}

export class Pop3Connection {
  secure: boolean;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;
  readonly log: Logger;
  /** The one summary line logged when the connection ends. */
  readonly sessionLog: SessionLog;

  readonly #options: Pop3ConnectionOptions;
  readonly #handler: Pop3LineHandler;
  readonly #reader: LineReader;
  readonly #lineDeadline: LineDeadline;
  readonly #writer: ReplyWriter;
  #socket: Socket;
  #busy = false;
  #stopping = false;
  #isClosed = false;
  /** QUIT, a fatal error or the bad-command cap: no more lines are read. */
  #ending = false;
  #resolveClosed: () => void = () => undefined;
  #whenIdle: (() => void) | undefined;

  constructor(options: Pop3ConnectionOptions, handler: Pop3LineHandler) {
    this.#options = options;
    this.#handler = handler;
    this.#socket = options.socket;
    this.secure = options.secure;
    this.#reader = new LineReader(options.maxLine);
    this.#lineDeadline = new LineDeadline(options.idleMs, () => this.#onIdle('slow-line'));
    this.#writer = new ReplyWriter(options.socket);
    this.log = options.logger.child({ client: options.socket.remoteAddress ?? '' });
    this.sessionLog = new SessionLog(options.logger, 'pop3', { client: options.socket.remoteAddress ?? '' });
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    options.socket.once('close', () => this.#onClose());
  }

  /** Sends the greeting and starts reading lines. */
  start(greeting: string): void {
    this.#listen(this.#socket);
    void this.#writer.line(greeting);
  }

  line(text: string): Promise<boolean> {
    return this.#writer.line(text);
  }

  multiline(status: string, body: Iterable<Buffer>): Promise<boolean> {
    return this.#writer.multiline(status, body);
  }

  /**
   * Stops taking lines; the one being answered gets up to `graceMs` to finish, then
   * the client is told (`line`) and the connection closed.
   */
  async shutdown(graceMs: number, line = '-ERR [SYS/TEMP] Letterbox is shutting down'): Promise<void> {
    if (this.#isClosed) return;
    this.#stopping = true;
    const grace = deadline(graceMs);
    if (this.#busy) await Promise.race([new Promise<void>((resolve) => (this.#whenIdle = resolve)), grace.promise]);
    if (!this.#busy && this.#writer.pending === 0) void this.#writer.line(line);
    this.#socket.end();
    await Promise.race([this.closed, grace.promise]);
    grace.cancel();
    this.#socket.destroy();
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#lineDeadline.observe(chunk);
      this.#reader.push(chunk);
      if (!this.#busy) void this.#pump();
      else if (this.#reader.buffered > INPUT_LIMIT) socket.pause();
    });
    socket.on('error', (error) => this.log.debug('pop3 socket error', { error }));
    // RFC 1939 §3: the autologout timer; expiry closes without entering UPDATE.
    socket.setTimeout(this.#options.idleMs);
    socket.on('timeout', () => this.#onIdle('idle'));
  }

  /** Hands every buffered line to the session, in order. */
  async #pump(): Promise<void> {
    this.#busy = true;
    const socket = this.#socket;
    this.#writer.cork();
    try {
      for (;;) {
        if (this.#isClosed || this.#ending || this.#stopping || this.#socket !== socket) break;
        const event = this.#reader.next();
        if (!event) break;
        await this.#handler.handle(event);
      }
    } catch (error) {
      // A bug, not the client's fault: logged once, the client told, the connection closed.
      this.log.error('pop3 session failed', { error, stack: error instanceof Error ? error.stack : undefined });
      this.sessionLog.set({ ended: 'internal error' });
      await this.#writer.line('-ERR [SYS/TEMP] Internal server error');
      this.closeAfterFlush();
    } finally {
      this.#busy = false;
      this.#writer.uncork();
      if (!this.#isClosed && this.#socket === socket && socket.isPaused()) socket.resume();
      this.#whenIdle?.();
    }
  }

  /**
   * STLS (RFC 2595 §4): the `+OK` has gone out in plaintext, then the handshake. Input
   * that arrived before the handshake is thrown away, so nothing an attacker slips
   * in before TLS is run as a command afterwards (the STARTTLS injection flaw,
   * CVE-2011-0411). False when the `+OK` could not be sent, and nothing changed.
   */
  async startTls(): Promise<boolean> {
    const { secureContext } = this.#options;
    if (!secureContext || !(await this.#writer.flushed())) return false;
    const plain = this.#socket;
    plain.removeAllListeners('data');
    this.#lineDeadline.stop();
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    this.#reader.clear();
    const secureSocket = new TLSSocket(plain, { isServer: true, secureContext });
    secureSocket.once('close', () => this.#onClose());
    // The autologout timer covers the handshake too: a client that never starts it is dropped.
    secureSocket.setTimeout(this.#options.idleMs);
    secureSocket.once('timeout', () => secureSocket.destroy());
    secureSocket.on('error', (error) => {
      this.log.debug('pop3 STLS handshake failed', { error });
      secureSocket.destroy();
    });
    this.#socket = secureSocket;
    this.#writer.retarget(secureSocket);
    secureSocket.once('secure', () => {
      this.secure = true;
      secureSocket.removeAllListeners('timeout');
      this.#listen(secureSocket);
    });
    return true;
  }

  /** Silence for the autologout time, or one line trickled in for that long (slowloris). */
  #onIdle(why: 'idle' | 'slow-line'): void {
    this.sessionLog.set({ ended: why === 'idle' ? 'idle' : 'line too slow', state: this.#handler.state() });
    this.log.debug(why === 'idle' ? 'pop3 session idle, closing' : 'pop3 command line too slow, closing', { pending: this.#writer.pending });
    if (this.#writer.pending > 0 || this.#busy) {
      // The client stopped reading what it asked for; nothing more can reach it.
      this.#socket.destroy();
      return;
    }
    void this.#writer.line(why === 'idle' ? '-ERR Idle for too long, closing connection' : '-ERR A command line took too long to arrive, closing connection');
    this.closeAfterFlush();
  }

  /** Ends the connection once pending replies have left; never waits on a client that does not read. */
  closeAfterFlush(): void {
    this.#ending = true;
    const socket = this.#socket;
    this.#writer.uncork();
    socket.end();
    socket.once('finish', () => socket.destroy());
  }

  #onClose(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#lineDeadline.stop();
    this.sessionLog.set({ tls: this.secure });
    this.sessionLog.end(this.#stopping ? 'shutdown' : 'dropped');
    this.#resolveClosed();
    this.#handler.ended();
  }
}

/** Unanswered input held before the socket is paused (a few windows of pipelined commands). */
const INPUT_LIMIT = 64 * 1024;

function deadline(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
