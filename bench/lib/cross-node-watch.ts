import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

/**
 * What a node's clients hear of new mail, each as a timestamp (performance.now()):
 * the WebSocket `new` event (by subject) and IMAP IDLE's EXISTS (RFC 2177; each new
 * count once).
 */
export class CrossNodeWatch {
  readonly #socket: WebSocket;
  readonly #imap: Socket;
  readonly #newBySubject = new Map<string, number>();
  #exists: number[] = [];
  #wake: (() => void) | undefined;

  private constructor(socket: WebSocket, imap: Socket) {
    this.#socket = socket;
    this.#imap = imap;
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as { Type: string; Data: { Subject?: string } };
      if (frame.Type === 'new' && frame.Data.Subject !== undefined) this.#heard(() => this.#newBySubject.set(frame.Data.Subject as string, performance.now()));
    });
  }

  /** Opens the WebSocket and an IMAP session IDLE in INBOX (any password: no auth file). */
  static async open(httpBase: string, imapPort: number): Promise<CrossNodeWatch> {
    const socket = new WebSocket(`${httpBase.replace(/^http/, 'ws')}/api/events`);
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    const imap = connect({ host: '127.0.0.1', port: imapPort, noDelay: true });
    const watch = new CrossNodeWatch(socket, imap);
    await watch.#idle();
    return watch;
  }

  async #idle(): Promise<void> {
    let text = '';
    let waiting: { until: RegExp; resolve: () => void } | undefined;
    this.#imap.setEncoding('latin1');
    this.#imap.on('data', (chunk: string) => {
      text += chunk;
      let end: number;
      while ((end = text.indexOf('\r\n')) >= 0) {
        const line = text.slice(0, end);
        text = text.slice(end + 2);
        const exists = /^\* (\d+) EXISTS$/.exec(line);
        if (exists) this.#heard(() => this.#exists.push(performance.now()));
        if (waiting?.until.test(line)) waiting.resolve();
      }
    });
    const step = (command: string, until: RegExp) =>
      new Promise<void>((resolve) => {
        waiting = { until, resolve };
        this.#imap.write(command);
      });
    await step('', /^\* OK/);
    await step('a LOGIN bench bench\r\n', /^a OK/);
    await step('b SELECT INBOX\r\n', /^b OK/);
    this.#exists = [];
    await step('c IDLE\r\n', /^\+ /);
  }

  #heard(record: () => void): void {
    record();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Forgets what was heard so far. */
  reset(): void {
    this.#newBySubject.clear();
    this.#exists = [];
  }

  /** When the `new` event for `subject` and the next EXISTS arrived; undefined for what did not come within `timeoutMs`. */
  async next(subject: string, timeoutMs: number): Promise<{ event?: number; exists?: number }> {
    const deadline = performance.now() + timeoutMs;
    while (!(this.#newBySubject.has(subject) && this.#exists.length > 0) && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - performance.now());
        this.#wake = () => (clearTimeout(timer), resolve());
      });
    }
    const heard = { event: this.#newBySubject.get(subject), exists: this.#exists[0] };
    this.reset();
    return heard;
  }

  close(): void {
    this.#socket.close();
    this.#imap.destroy();
  }
}
