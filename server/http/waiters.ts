import type { MessagePredicate, MessageTest } from '../store/search/compile.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';

/** What a waiter looks for: `filter` among the messages stored, `test` on each message offered later. */
export interface WaitSearch {
  filter: MessagePredicate;
  test: MessageTest;
}

interface Waiter {
  test: MessageTest;
  afterSeq: number;
  resolve: (message: StoredMessage | undefined) => void;
}

/**
 * Server-side wait-for: each waiter is a predicate in a set, tried against the messages
 * a store event names. An idle waiter costs one set entry and one timer; nothing polls.
 */
export class Waiters {
  readonly #waiting = new Set<Waiter>();
  readonly #unsubscribe: Array<() => void>;

  constructor(private readonly store: MailStore) {
    const offer = (messages: readonly StoredMessage[]) => {
      if (this.#waiting.size === 0) return;
      for (const message of messages) {
        for (const waiter of this.#waiting) {
          if (message.seq <= waiter.afterSeq) continue;
          const verdict = waiter.test(message);
          if (verdict === true) this.#settle(waiter, message);
          // The store is asked (body text kept in a database): a failed question is no match.
          else if (verdict !== false) verdict.then((yes) => yes && this.#settle(waiter, message), () => undefined);
        }
      }
    };
    this.#unsubscribe = [
      store.on('delivered', ({ message }) => offer([message])),
      // A body search can only match once the body is indexed; is:/tag: once flags or tags change.
      store.on('indexed', ({ message }) => offer([message])),
      store.on('flags', ({ messages }) => offer(messages)),
      store.on('tags', ({ messages }) => offer(messages)),
    ];
  }

  get size(): number {
    return this.#waiting.size;
  }

  /**
   * The first message after `afterSeq` that matches (the newest match when afterSeq is 0),
   * at once if one is stored, else when one arrives; undefined after `timeoutMs` or abort.
   */
  wait(search: WaitSearch, afterSeq: number, timeoutMs: number, signal?: AbortSignal): Promise<StoredMessage | undefined> {
    const existing = afterSeq > 0 ? this.#firstAfter(search.filter, afterSeq) : this.store.latest(search.filter);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const waiter: Waiter = { test: search.test, afterSeq, resolve };
      const timer = setTimeout(() => this.#settle(waiter, undefined), timeoutMs);
      const onAbort = () => this.#settle(waiter, undefined);
      waiter.resolve = (message) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(message);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.add(waiter);
      if (signal?.aborted) onAbort();
    });
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
    for (const waiter of [...this.#waiting]) this.#settle(waiter, undefined);
  }

  #settle(waiter: Waiter, message: StoredMessage | undefined): void {
    if (!this.#waiting.delete(waiter)) return;
    waiter.resolve(message);
  }

  #firstAfter(filter: MessagePredicate, afterSeq: number): StoredMessage | undefined {
    const all = this.store.messages();
    let i = all.length;
    while (i > 0 && (all[i - 1] as StoredMessage).seq > afterSeq) i--;
    for (; i < all.length; i++) if (filter(all[i] as StoredMessage)) return all[i];
    return undefined;
  }
}
