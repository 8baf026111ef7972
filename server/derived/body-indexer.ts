import type { Front, FrontContext } from '../front.js';
import type { Logger } from '../lib/log.js';
import { AsciiTextBody } from '../mime/ascii-text-body.js';
import { simpleBodyForm, simpleBodyText, summaryOfText } from '../mime/body-text.js';
import { parsesOffThread } from '../mime/off-thread.js';
import { isIdentityEncoding } from '../mime/transfer-encoding.js';
import { treeSummary } from '../mime/tree-summary.js';
import type { MailStore } from '../store/mail-store.js';
import { heldBytes } from '../store/memory-store.js';
import type { BodySummary, StoredMessage } from '../store/types.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { summariseOffThread } from './parse-jobs.js';
import { sharedPool, type WorkerPool } from './worker-pool.js';

/**
 * How long one turn may hold the event loop. Turns run from setImmediate, after the
 * poll phase, so socket I/O that is ready goes first and waits at most this long.
 */
const TURN_BUDGET_MS = 2;
/** Single-part text bodies past this size are read on a worker too (HTML reduction, decoding). */
const MAIN_THREAD_MAX_BYTES = 256 * 1024;
/** A summary the store could not take (StoreUnavailableError) is offered again after this, then twice as long each time, up to LAST_RETRY_MS. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 60_000;

/**
 * Fills each message's body summary (snippet, attachment counts, search text) after
 * delivery, off the SMTP hot path: deliveries only queue the message; the work runs in
 * short setImmediate turns, so a burst of mail never delays a 250 reply.
 *
 * On the main thread only cheap, bounded work: a plain ASCII text body is summarised in
 * place (AsciiTextBody: nothing copied, search runs on the bytes), a small single-part
 * text body is decoded, a multipart of text and attachments whose tree is light to build
 * (see parsesOffThread) is read from it (tree-summary.ts). Everything else — mailparser, large messages — goes to
 * the process's worker pool, which has a time limit per message (worker-pool.ts).
 */
export class BodyIndexer {
  readonly #queue: StoredMessage[] = [];
  #head = 0;
  #scheduled = false;
  /** A turn is running (it may be awaiting bytes). */
  #turning = false;
  #parsing = 0;
  /** Summaries handed to the store that it has not taken yet. */
  #writing = 0;
  #idle: Array<() => void> = [];
  #stopped = false;
  readonly #unsubscribe: Array<() => void>;
  readonly #pool: WorkerPool;
  /** Parses handed to the pool at once: enough to keep every worker busy. */
  readonly #maxParsing: number;

  constructor(
    private readonly store: MailStore,
    private readonly logger?: Logger,
    /** Workers shared with every other indexer and reader of the process; stop() leaves them running. */
    pool: WorkerPool = sharedPool(),
  ) {
    this.#pool = pool;
    this.#maxParsing = pool.backgroundSize * 2;
    this.#unsubscribe = [
      store.on('delivered', ({ message, remote }) => {
        // The node that accepted a message indexes it once for the cluster; the summary reaches this node as an `indexed` event.
        if (!remote) this.enqueue(message);
      }),
    ];
    for (const message of store.messages()) if (!message.body) this.enqueue(message);
  }

  enqueue(message: StoredMessage): void {
    this.#queue.push(message);
    this.#schedule();
  }

  /** Resolves once every queued message is indexed (for tests and benches). */
  idle(): Promise<void> {
    if (this.#pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops taking messages; a parse still on a worker is dropped when it answers. */
  stop(): Promise<void> {
    this.#stopped = true;
    for (const off of this.#unsubscribe) off();
    this.#queue.length = 0;
    this.#head = 0;
    this.#settle();
    return Promise.resolve();
  }

  #pending(): number {
    return this.#queue.length - this.#head + this.#parsing + this.#writing;
  }

  #schedule(): void {
    // One turn at a time: a turn awaits each message's bytes, and the next one starts after it.
    if (this.#scheduled || this.#turning) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#turn().catch((error: unknown) => {
        this.#turning = false;
        this.logger?.error('bug while indexing', { error });
      });
    });
  }

  async #turn(): Promise<void> {
    this.#scheduled = false;
    this.#turning = true;
    const until = performance.now() + TURN_BUDGET_MS;
    while (this.#head < this.#queue.length && performance.now() < until && !this.#stopped) {
      const message = this.#queue[this.#head] as StoredMessage;
      // Bytes come through the store's body read; a message gone meanwhile is skipped.
      const raw = this.#current(message) ? await this.store.readRaw(message.id) : undefined;
      if (this.#stopped) break;
      if (!raw || !this.#current(message)) {
        this.#head++;
        continue;
      }
      if (!this.#index(message, raw)) break;
      this.#head++;
    }
    this.#turning = false;
    // Drop what is done, so the queue never holds a message past its indexing (a
    // pruned one must be collectable): all of it once drained, else the done half.
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#head < this.#queue.length && this.#parsing < this.#maxParsing) this.#schedule();
    this.#settle();
  }

  /** Still in the store as queued, and not indexed yet. */
  #current(message: StoredMessage): boolean {
    return this.store.get(message.id) === message && !message.body;
  }

  /** Indexes one message, or returns false when it needs a worker and all are busy. */
  #index(message: StoredMessage, raw: Buffer): boolean {
    const small = raw.length <= MAIN_THREAD_MAX_BYTES;
    const form = simpleBodyForm(raw);
    // Plain ASCII text at any size, when the store holds the bytes in memory: nothing is
    // decoded or copied (isAscii is native). A store that keeps them elsewhere gets the
    // text made below, since it cannot read them back synchronously.
    const held = heldBytes(message);
    const ascii = held && form?.type === 'text/plain' && isIdentityEncoding(form.encoding) ? AsciiTextBody.of(held, form.start, small) : undefined;
    if (ascii || (form && small)) {
      this.#attach(message, ascii ?? summaryOfText(simpleBodyText(raw, form)?.text ?? '', 0, 0));
      return true;
    }
    // Text with attachments, read from the MIME tree's offsets (no attachment is decoded),
    // unless building that tree is itself heavy (size, a header flood, many parts).
    const tree = !form && !parsesOffThread(raw) ? treeSummary(raw) : undefined;
    if (tree) {
      this.#attach(message, tree);
      return true;
    }
    if (this.#parsing >= this.#maxParsing) return false;
    this.#parse(message, raw, form ? 'simple' : 'full');
    return true;
  }

  #parse(message: StoredMessage, raw: Buffer, mode: 'simple' | 'full'): void {
    this.#parsing++;
    summariseOffThread(raw, mode, this.#pool, { background: true })
      .then((body) => {
        if (this.#stopped || this.store.get(message.id) !== message) return;
        // Still give the message a (blank) summary: waiters and live events key on it.
        if (!body) this.logger?.warn('indexing a message gave up (time limit or worker failure)', { id: message.id, bytes: raw.length });
        this.#attach(message, body ?? summaryOfText('', 0, 0));
      })
      .catch((error: unknown) => this.logger?.error('bug while indexing a message', { id: message.id, error }))
      .finally(() => {
        this.#parsing--;
        if (this.#head < this.#queue.length) this.#schedule();
        this.#settle();
      });
  }

  /**
   * Gives a message its summary; pending until the store has it, so idle() means indexed.
   * A store that cannot write now (its database is away) is asked again, at growing
   * intervals, while the message is there and unindexed: it is indexed once, by the
   * node that took it, and no other node would ever do it.
   */
  #attach(message: StoredMessage, body: BodySummary, retryMs = FIRST_RETRY_MS): void {
    this.#writing++;
    let again = false;
    this.store
      .setBody(message.id, body)
      .catch((error: unknown) => {
        const now = this.store.get(message.id);
        again = error instanceof StoreUnavailableError && !this.#stopped && now !== undefined && !now.body;
        this.logger?.[again ? 'warn' : 'error']('could not store the body summary of a message', { id: message.id, error: String(error), ...(again && { retryInMs: retryMs }) });
      })
      .finally(() => {
        // Still pending while it waits: idle() means indexed.
        if (again) {
          setTimeout(() => {
            this.#writing--;
            if (this.#stopped) this.#settle();
            else this.#attach(message, body, Math.min(retryMs * 2, LAST_RETRY_MS));
          }, retryMs).unref();
          return;
        }
        this.#writing--;
        this.#settle();
      });
  }

  #settle(): void {
    if (this.#pending() > 0) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * The indexer as a background service of the sandbox, so mail is indexed whichever
 * fronts are on.
 */
export function createMailProcessing(context: FrontContext): Front {
  const indexer = new BodyIndexer(context.store, context.logger.child({ service: 'indexer' }));
  return {
    name: 'mail-processing',
    async start() {
      return [];
    },
    async stop() {
      await indexer.stop();
    },
  };
}
