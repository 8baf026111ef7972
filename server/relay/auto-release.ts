/**
 * --release-auto: messages matching a search are released as they arrive, through
 * a bounded queue worked in the background. The store's `delivered` event only
 * queues an id, so the sender's SMTP transaction never waits for a release
 * (unlike Mailpit's synchronous relay, axllent/mailpit#517).
 */
import type { Logger } from '../lib/log.js';
import type { MemoryStore } from '../store/memory-store.js';
import type { StoredMessage } from '../store/types.js';
import type { MessageFilter } from './auto-release-filter.js';
import type { ReleaseService } from './release-service.js';

export interface AutoReleaseOptions {
  store: MemoryStore;
  service: ReleaseService;
  filter: MessageFilter;
  /** Most ids waiting; past it, arrivals are skipped and logged. */
  maxQueue: number;
  workers: number;
  logger: Logger;
}

export class AutoRelease {
  readonly #options: AutoReleaseOptions;
  readonly #queue: string[] = [];
  readonly #idle = new Set<() => void>();
  /** Ids already queued, so a message is released once even when it matches twice. */
  readonly #seen = new Set<string>();
  #head = 0;
  #busy = 0;
  #skipped = 0;
  #off: Array<() => void> = [];

  constructor(options: AutoReleaseOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#off.length > 0) return;
    const { store } = this.#options;
    this.#off.push(
      store.on('delivered', ({ message }) => this.#offer(message)),
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
    if (!this.#options.filter(message)) return;
    this.#seen.add(message.id);
    if (this.waiting >= this.#options.maxQueue) {
      this.#skipped++;
      this.#options.logger.warn('auto-release queue full, message not released', { message: message.id, queue: this.waiting });
      return;
    }
    this.#queue.push(message.id);
    this.#pump();
  }

  stop(): void {
    for (const off of this.#off.splice(0)) off();
    this.#queue.length = 0;
    this.#head = 0;
  }

  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Messages not released because the queue was full. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Resolves once the queue is empty and no release of it is running. */
  drained(): Promise<void> {
    if (this.waiting === 0 && this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #pump(): void {
    while (this.#busy < this.#options.workers && this.waiting > 0) {
      const id = this.#queue[this.#head++] as string;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#busy++;
      // Deferred so a burst of deliveries is queued before any release work starts.
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
            if (this.waiting === 0 && this.#busy === 0) {
              for (const resolve of this.#idle) resolve();
              this.#idle.clear();
            }
          });
      });
    }
  }
}
