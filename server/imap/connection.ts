import type { Socket } from 'node:net';
import { TLSSocket, createSecureContext } from 'node:tls';
import { LineDeadline } from '../lib/line-deadline.js';
import type { TlsMaterial } from '../lib/tls.js';
import { Framer, type Frame, type FramerLimits } from './framer.js';
import { ResponseWriter } from './writer.js';

export type TimeoutReason = 'idle' | 'slow-line';

/** Past this many unread frames, or bytes in them, the socket is paused until the session catches up. */
const MAX_QUEUED_FRAMES = 64;
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/**
 * One client socket: frames in (through the Framer), responses out (through the
 * ResponseWriter), STARTTLS, and the autologout timer.
 */
export class Connection {
  socket: Socket;
  readonly writer: ResponseWriter;
  secure: boolean;
  readonly #framer: Framer;
  readonly #queue: Frame[] = [];
  #queuedBytes = 0;
  #waiter: ((frame: Frame | null) => void) | null = null;
  #ended = false;
  #onTimeout: (why: TimeoutReason) => void = () => undefined;
  readonly #timeoutMs: number;
  readonly #lineDeadline: LineDeadline;
  readonly #onData = (chunk: Buffer) => {
    this.#lineDeadline.observe(chunk);
    this.#framer.push(chunk);
  };

  constructor(socket: Socket, limits: FramerLimits, secure: boolean, timeoutMs: number) {
    this.socket = socket;
    this.secure = secure;
    this.#timeoutMs = timeoutMs;
    this.#lineDeadline = new LineDeadline(timeoutMs, () => this.#onTimeout('slow-line'));
    this.writer = new ResponseWriter(socket);
    this.#framer = new Framer(limits, (frame) => this.#push(frame), () => {
      // RFC 3501 §7.5: the server invites a synchronising literal's bytes with `+`.
      this.writer.write('+ Ready for literal data\r\n');
      this.writer.flush();
    });
    this.#attach(socket);
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /**
   * Called when the client has been silent for the autologout time (RFC 3501 §5.4),
   * or has taken that long to send one line (a slowloris trickle).
   */
  onTimeout(handler: (why: TimeoutReason) => void): void {
    this.#onTimeout = handler;
  }

  /** The next whole command, or null once the client is gone. */
  next(): Promise<Frame | null> {
    const frame = this.#queue.shift();
    if (frame) {
      this.#queuedBytes -= frameBytes(frame);
      if (this.#queue.length < MAX_QUEUED_FRAMES / 2 && this.#queuedBytes < MAX_QUEUED_BYTES / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(frame);
    }
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  /** Whether a frame is already waiting (a pipelined command). */
  get hasQueued(): boolean {
    return this.#queue.length > 0;
  }

  /**
   * Upgrades to TLS after `OK Begin TLS`. Anything the client pipelined after
   * STARTTLS is dropped, not run under TLS (the STARTTLS injection class of bugs).
   */
  async startTls(tls: TlsMaterial): Promise<void> {
    const plain = this.socket;
    plain.off('data', this.#onData);
    this.#lineDeadline.stop();
    plain.removeAllListeners('timeout');
    plain.setTimeout(0);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    const secure = new TLSSocket(plain, { isServer: true, secureContext: createSecureContext({ key: tls.key, cert: tls.cert }) });
    this.socket = secure;
    this.writer.replaceSocket(secure);
    this.secure = true;
    this.#attach(secure);
    await new Promise<void>((resolve) => {
      secure.once('secure', resolve);
      secure.once('close', resolve);
    });
  }

  /** Whether the client sent bytes beyond the command being handled. */
  get pipelined(): boolean {
    return !this.#framer.idle || this.#queue.length > 0;
  }

  close(): void {
    this.writer.close();
    this.socket.destroySoon();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.setTimeout(this.#timeoutMs);
    socket.on('timeout', () => this.#onTimeout('idle'));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#end());
    socket.on('end', () => this.#end());
  }

  #push(frame: Frame): void {
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter(frame);
      return;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frameBytes(frame);
    if (this.#queue.length >= MAX_QUEUED_FRAMES || this.#queuedBytes >= MAX_QUEUED_BYTES) this.socket.pause();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#lineDeadline.stop();
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }
}

function frameBytes(frame: Frame): number {
  return frame.kind === 'line' ? frame.bytes.length : frame.head.length;
}
