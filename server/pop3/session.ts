/**
 * One POP3 connection: the state machine (RFC 1939 §3: AUTHORIZATION → TRANSACTION
 * → UPDATE), the dispatcher over the command table, and the socket's life (STLS,
 * idle timeout, shutdown). Commands are read and answered strictly one at a time,
 * in order, which is what RFC 2449 §6.6 PIPELINING asks of the server; once more
 * than INPUT_LIMIT bytes wait unanswered the socket is paused, so unread input
 * stays bounded too.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../lib/log.js';
import { LineDeadline } from '../lib/line-deadline.js';
import { LineReader, type LineEvent } from '../lib/line-reader.js';
import { SessionLog } from '../lib/session-log.js';
import type { Credentials } from '../security/auth-file.js';
import { mailboxKey } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';
import type { Pop3SessionView, Pop3Settings } from './commands/command.js';
import { COMMANDS } from './commands/table.js';
import { failureLine, isBadCommand, type Pop3Failure } from './failures.js';
import { Maildrop, type MaildropLocks } from './maildrop.js';
import type { Pop3Continuation, Pop3Outcome, Pop3State } from './outcome.js';
import { ReplyWriter } from './reply-writer.js';

export interface Pop3SessionOptions {
  socket: Socket;
  /** Implicit TLS (POP3S): secure from the first byte. */
  secure: boolean;
  store: MailStore;
  credentials: Credentials | null;
  settings: Pop3Settings;
  /** For STLS; null when TLS is not configured. */
  secureContext: SecureContext | null;
  locks: MaildropLocks;
  hostname: string;
  maxLine: number;
  maxBadCommands: number;
  idleMs: number;
  logger: Logger;
}

export class Pop3Session implements Pop3SessionView {
  state: Pop3State = 'authorization';
  secure: boolean;
  pendingUser: string | undefined;
  readonly timestamp: string;
  readonly settings: Pop3Settings;
  readonly store: MailStore;
  readonly credentials: Credentials | null;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  readonly #options: Pop3SessionOptions;
  readonly #reader: LineReader;
  readonly #lineDeadline: LineDeadline;
  readonly #writer: ReplyWriter;
  readonly #log: Logger;
  readonly #sessionLog: SessionLog;
  #socket: Socket;
  #maildrop: Maildrop | undefined;
  #lockKey: string | undefined;
  #continuation: Pop3Continuation | undefined;
  #badCommands = 0;
  #busy = false;
  #stopping = false;
  #isClosed = false;
  /** QUIT, a fatal error or the bad-command cap: no more commands are read. */
  #ending = false;
  #resolveClosed: () => void = () => undefined;
  #whenIdle: (() => void) | undefined;

  constructor(options: Pop3SessionOptions) {
    this.#options = options;
    this.#socket = options.socket;
    this.secure = options.secure;
    this.settings = options.settings;
    this.store = options.store;
    this.credentials = options.credentials;
    this.#reader = new LineReader(options.maxLine);
    this.#lineDeadline = new LineDeadline(options.idleMs, () => this.#onIdle('slow-line'));
    this.#writer = new ReplyWriter(options.socket);
    this.#log = options.logger.child({ client: options.socket.remoteAddress ?? '' });
    this.#sessionLog = new SessionLog(options.logger, 'pop3', { client: options.socket.remoteAddress ?? '' });
    // RFC 1939 §7: the APOP timestamp is unique per greeting; msg-id syntax.
    this.timestamp = `<${process.pid}.${randomBytes(8).toString('hex')}@${options.hostname}>`;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    options.socket.once('close', () => this.#onClose());
  }

  get maildrop(): Maildrop {
    if (!this.#maildrop) throw new Error('no maildrop outside TRANSACTION');
    return this.#maildrop;
  }

  /** Greets and starts reading commands. */
  start(): void {
    this.#listen(this.#socket);
    void this.#writer.line(`+OK Letterbox POP3 ready ${this.timestamp}`);
  }

  enterTransaction(login: string): Pop3Failure | undefined {
    const key = mailboxKey(login);
    // RFC 1939 §4 and RFC 2449 §8.1.1: one session per maildrop, else [IN-USE].
    if (!this.#options.locks.acquire(key)) return { kind: 'in-use' };
    this.#lockKey = key;
    this.#maildrop = Maildrop.open(this.store, login);
    this.state = 'transaction';
    this.#sessionLog.set({ user: login });
    return undefined;
  }

  enterUpdate(): number {
    this.state = 'update';
    const deleted = this.maildrop.commit();
    this.#sessionLog.count('deleted', deleted);
    return deleted;
  }

  /**
   * Stops taking commands; the command in progress gets up to `graceMs` to finish,
   * then the client is told and the connection closed. Nothing marked is deleted.
   */
  async shutdown(graceMs: number): Promise<void> {
    if (this.#isClosed) return;
    this.#stopping = true;
    const grace = deadline(graceMs);
    if (this.#busy) await Promise.race([new Promise<void>((resolve) => (this.#whenIdle = resolve)), grace.promise]);
    if (!this.#busy && this.#writer.pending === 0) void this.#writer.line('-ERR [SYS/TEMP] Letterbox is shutting down');
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
    socket.on('error', (error) => this.#log.debug('pop3 socket error', { error }));
    // RFC 1939 §3: the autologout timer; expiry closes without entering UPDATE.
    socket.setTimeout(this.#options.idleMs);
    socket.on('timeout', () => this.#onIdle('idle'));
  }

  /** Answers every buffered command in order. */
  async #pump(): Promise<void> {
    this.#busy = true;
    const socket = this.#socket;
    this.#writer.cork();
    try {
      for (;;) {
        if (this.#isClosed || this.#ending || this.#stopping || this.#socket !== socket) break;
        const event = this.#reader.next();
        if (!event) break;
        await this.#handle(event);
      }
    } catch (error) {
      // A bug, not the client's fault: logged once, the client told, the connection closed.
      this.#log.error('pop3 session failed', { error, stack: error instanceof Error ? error.stack : undefined });
      this.#sessionLog.set({ ended: 'internal error' });
      await this.#writer.line('-ERR [SYS/TEMP] Internal server error');
      this.#closeAfterFlush();
    } finally {
      this.#busy = false;
      this.#writer.uncork();
      if (!this.#isClosed && this.#socket === socket && socket.isPaused()) socket.resume();
      this.#whenIdle?.();
    }
  }

  async #handle(event: LineEvent): Promise<void> {
    this.#sessionLog.count('commands');
    let outcome: Pop3Outcome;
    if (event.kind === 'too-long') {
      this.#continuation = undefined;
      outcome = { kind: 'line-too-long', max: this.#options.maxLine };
    } else if (this.#continuation) {
      const continuation = this.#continuation;
      this.#continuation = undefined;
      outcome = await continuation.answer(event.line.toString('latin1'));
    } else {
      outcome = await this.#dispatch(event.line);
    }
    await this.#respond(outcome);
  }

  #dispatch(line: Buffer): Pop3Outcome | Promise<Pop3Outcome> {
    // Commands are printable text (RFC 1939 §3); NUL and other controls are refused outright.
    if (hasControlBytes(line)) return { kind: 'invalid-bytes' };
    const text = line.toString('utf8');
    const space = text.indexOf(' ');
    const keyword = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : text.slice(space + 1);
    const command = COMMANDS.get(keyword);
    if (!command) return { kind: 'unknown-command', command: keyword };
    if (!command.states.includes(this.state)) return { kind: 'wrong-state', command: keyword };
    return command.run(this, args);
  }

  async #respond(outcome: Pop3Outcome): Promise<void> {
    switch (outcome.kind) {
      case 'continue':
        this.#continuation = outcome;
        await this.#writer.line(`+ ${outcome.challenge}`);
        return;
      case 'ok': {
        const status = outcome.text ? `+OK ${outcome.text}` : '+OK';
        if (outcome.body) await this.#writer.multiline(status, outcome.body);
        else await this.#writer.line(status);
        if (outcome.then === 'close') {
          this.#sessionLog.set({ ended: 'quit' });
          this.#closeAfterFlush();
        }
        if (outcome.then === 'start-tls') await this.#startTls();
        return;
      }
      default:
        if (isBadCommand(outcome) && ++this.#badCommands >= this.#options.maxBadCommands) {
          this.#sessionLog.set({ ended: 'too many bad commands', last: outcome.kind });
          await this.#writer.line(`${failureLine(outcome)} (too many bad commands, closing connection)`);
          this.#closeAfterFlush();
          return;
        }
        if (outcome.kind === 'auth-failed') this.#log.info('pop3 authentication failed');
        await this.#writer.line(failureLine(outcome));
    }
  }

  /**
   * STLS (RFC 2595 §4): the `+OK` goes out in plaintext, then the handshake. Input
   * that arrived before the handshake is thrown away, so nothing an attacker slips
   * in before TLS is run as a command afterwards (the STARTTLS injection flaw,
   * CVE-2011-0411). The client must forget what it knew, and so does the server.
   */
  async #startTls(): Promise<void> {
    const { secureContext } = this.#options;
    if (!secureContext || !(await this.#writer.flushed())) return;
    const plain = this.#socket;
    plain.removeAllListeners('data');
    this.#lineDeadline.stop();
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    this.#reader.clear();
    this.pendingUser = undefined;
    const secureSocket = new TLSSocket(plain, { isServer: true, secureContext });
    secureSocket.once('close', () => this.#onClose());
    // The autologout timer covers the handshake too: a client that never starts it is dropped.
    secureSocket.setTimeout(this.#options.idleMs);
    secureSocket.once('timeout', () => secureSocket.destroy());
    secureSocket.on('error', (error) => {
      this.#log.debug('pop3 STLS handshake failed', { error });
      secureSocket.destroy();
    });
    this.#socket = secureSocket;
    this.#writer.retarget(secureSocket);
    secureSocket.once('secure', () => {
      this.secure = true;
      secureSocket.removeAllListeners('timeout');
      this.#listen(secureSocket);
    });
  }

  /** Silence for the autologout time, or one line trickled in for that long (slowloris). */
  #onIdle(why: 'idle' | 'slow-line'): void {
    this.#sessionLog.set({ ended: why === 'idle' ? 'idle' : 'line too slow', state: this.state });
    this.#log.debug(why === 'idle' ? 'pop3 session idle, closing' : 'pop3 command line too slow, closing', { pending: this.#writer.pending });
    if (this.#writer.pending > 0 || this.#busy) {
      // The client stopped reading what it asked for; nothing more can reach it.
      this.#socket.destroy();
      return;
    }
    void this.#writer.line(why === 'idle' ? '-ERR Idle for too long, closing connection' : '-ERR A command line took too long to arrive, closing connection');
    this.#closeAfterFlush();
  }

  /** Ends the connection once pending replies have left; never waits on a client that does not read. */
  #closeAfterFlush(): void {
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
    this.#sessionLog.set({ tls: this.secure });
    this.#sessionLog.end(this.#stopping ? 'shutdown' : 'dropped');
    this.#resolveClosed();
    this.#continuation = undefined;
    // A dropped connection never reaches UPDATE (RFC 1939 §6): the marks are forgotten.
    if (this.#lockKey !== undefined) this.#options.locks.release(this.#lockKey);
    this.#lockKey = undefined;
    this.#maildrop = undefined;
  }
}

/** Unanswered input held before the socket is paused (a few windows of pipelined commands). */
const INPUT_LIMIT = 64 * 1024;

function hasControlBytes(line: Buffer): boolean {
  for (const byte of line) if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return true;
  return false;
}

function deadline(ms: number): { promise: Promise<void>; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}
