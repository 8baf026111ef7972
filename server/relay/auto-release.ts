/**
 * --release-auto: messages matching a search are released as they arrive, through
 * a bounded queue worked in the background. The store's `delivered` event only
 * queues an id, so the sender's SMTP transaction never waits for a release
 * (unlike Mailpit's synchronous relay, axllent/mailpit#517). Catching mail comes
 * first: while messages keep arriving, releases wait for a lull (one still goes
 * once the oldest has waited MAX_DEFER_MS), then run at full concurrency.
 */
import type { Logger } from '../lib/log.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import type { MessageFilter } from './auto-release-filter.js';
import type { ReleaseService } from './release-service.js';

export interface AutoReleaseOptions {
  store: MailStore;
  service: ReleaseService;
  filter: MessageFilter;
  /** Most ids waiting; past it, arrivals are skipped and logged. */
  maxQueue: number;
  workers: number;
  /** Quiet time after the last arrival before releases run at full speed; 0 = at once. */
  yieldMs: number;
  logger: Logger;
}

/** The longest a queued release waits for a lull before one worker takes it anyway. */
const MAX_DEFER_MS = 2_000;

export class AutoRelease {
  readonly #options: AutoReleaseOptions;
  readonly #queue: Array<{ id: string; at: number }> = [];
  /** Ids already queued, so a message is released once even when it matches twice. */
  readonly #seen = new Set<string>();
  #head = 0;
  #busy = 0;
  #lastArrival = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #off: Array<() => void> = [];

  constructor(options: AutoReleaseOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#off.length > 0) return;
    const { store } = this.#options;
    this.#off.push(
      store.on('delivered', ({ message, remote }) => {
        // The node that accepted a message releases it, once for the cluster; marked seen, its `indexed` is no offer here either.
        if (remote) return void this.#seen.add(message.id);
        this.#lastArrival = performance.now();
        this.#offer(message);
      }),
      // A search on body words can only match once the body is indexed.
      store.on('indexed', ({ message }) => this.#offer(message)),
      store.on('removed', ({ messages }) => {
        for (const message of messages) this.#seen.delete(message.id);
      }),
      store.on('cleared', () => this.#seen.clear()),
    );
  }

  #offer(message: StoredMessage): void {
    // Mail filed by IMAP APPEND (a client's own copy) is not new mail to pass on.
    if (message.client.via === 'imap' || this.#seen.has(message.id)) return;
    const verdict = this.#options.filter(message);
    if (verdict === true) this.#accept(message);
    else if (verdict !== false) {
      // The store was asked (body text kept in a database); by its answer the message may have matched already, or this may be stopped.
      verdict.then(
        (yes) => yes && this.#off.length > 0 && !this.#seen.has(message.id) && this.#accept(message),
        (error: unknown) => this.#options.logger.warn('auto-release could not search a message body', { message: message.id, error: String(error) }),
      );
    }
  }

  #accept(message: StoredMessage): void {
    this.#seen.add(message.id);
    if (this.waiting >= this.#options.maxQueue) {
      this.#options.logger.warn('auto-release queue full, message not released', { message: message.id, queue: this.waiting });
      return;
    }
    this.#queue.push({ id: message.id, at: performance.now() });
    this.#pump();
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    clearTimeout(this.#timer);
    this.#queue.length = 0;
    this.#head = 0;
  }

  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** How many releases may run now: all workers in a lull, none (or one, for a long wait) while mail arrives. */
  #limit(): number {
    const { workers, yieldMs } = this.#options;
    const now = performance.now();
    const quiet = now - this.#lastArrival;
    const oldest = this.#queue[this.#head];
    if (yieldMs <= 0 || quiet >= yieldMs || !oldest) return workers;
    const waited = now - oldest.at;
    if (waited >= MAX_DEFER_MS) return 1;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.min(yieldMs - quiet, MAX_DEFER_MS - waited)));
    this.#timer.unref();
    return 0;
  }

  #pump(): void {
    while (this.waiting > 0 && this.#busy < this.#limit()) {
      const { id } = this.#queue[this.#head++] as { id: string };
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#busy++;
      // Off the delivering call stack: the SMTP reply goes out first.
      setImmediate(() => {
        this.#options.service
          .release(id, undefined, 'auto')
          .then((outcome) => {
            if ('refused' in outcome && outcome.refused !== 'not-found') {
              this.#options.logger.warn('auto-release refused', { message: id, ...outcome });
            }
          })
          .catch((error: unknown) => this.#options.logger.error('auto-release failed', { message: id, error }))
          .finally(() => {
            this.#busy--;
            this.#pump();
          });
      });
    }
  }
}
