import type { MailStore } from '../store/mail-store.js';

/**
 * Tags in use with their message counts, recomputed only after a change that can
 * alter them: every list and search response carries the tag list, and walking
 * 100,000 messages for it on each request would cost more than the page itself.
 */
export class TagCounts {
  #counts: Map<string, number> | undefined;
  #sorted: string[] | undefined;
  readonly #unsubscribe: Array<() => void>;

  constructor(private readonly store: MailStore) {
    const invalidate = () => {
      this.#counts = undefined;
      this.#sorted = undefined;
    };
    this.#unsubscribe = [
      store.on('delivered', ({ message }) => {
        if (message.tags.length > 0) invalidate();
      }),
      store.on('tags', invalidate),
      store.on('removed', ({ messages }) => {
        if (messages.some((m) => m.tags.length > 0)) invalidate();
      }),
      store.on('cleared', invalidate),
    ];
  }

  counts(): ReadonlyMap<string, number> {
    if (!this.#counts) {
      const counts = new Map<string, number>();
      for (const message of this.store.messages()) for (const tag of message.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      this.#counts = counts;
    }
    return this.#counts;
  }

  /** Sorted as the store sorts them (localeCompare). */
  list(): string[] {
    this.#sorted ??= [...this.counts().keys()].sort((a, b) => a.localeCompare(b));
    return [...this.#sorted];
  }

  stop(): void {
    for (const off of this.#unsubscribe) off();
  }
}
