/**
 * Locks by name. Exclusive ones allow one holder at a time: POP3's maildrop lock (RFC
 * 1939 §4). Shared ones say a name is in use, by any number of holders at once, and
 * keep it from being taken exclusively: an IMAP session holds its login so that no
 * node forgets that login's folders under it (store/folders.ts). One process keeps them
 * in memory; nodes sharing a database take them in the database (pg-advisory-locks.ts),
 * so the rules hold across nodes. The composition root picks one.
 */
export interface NamedLocks {
  /**
   * Takes the lock named `key` if nobody holds it, exclusively or shared: resolves with
   * the function that lets it go (idempotent), or undefined when it is held. Rejects
   * when it cannot be told (the database is gone): the caller answers "try again later".
   */
  tryAcquire(key: string): Promise<(() => void) | undefined>;
  /**
   * Holds `key` shared, waiting while it is held exclusively: resolves with the
   * function that lets it go (idempotent). Rejects when the database is gone.
   */
  share(key: string): Promise<() => void>;
  /** Lets every lock go and refuses new ones (the process is stopping). */
  close(): Promise<void>;
}

/** The locks of one process. */
export class InProcessLocks implements NamedLocks {
  readonly #held = new Set<string>();
  /** Shared holders per name. */
  readonly #shared = new Map<string, number>();
  /** Shares waiting for an exclusive holder to let go, per name. */
  readonly #waiting = new Map<string, Array<() => void>>();

  tryAcquire(key: string): Promise<(() => void) | undefined> {
    if (this.#held.has(key) || this.#shared.has(key)) return Promise.resolve(undefined);
    this.#held.add(key);
    return Promise.resolve(
      once(() => {
        this.#held.delete(key);
        const waiting = this.#waiting.get(key) ?? [];
        this.#waiting.delete(key);
        for (const wake of waiting) wake();
      }),
    );
  }

  async share(key: string): Promise<() => void> {
    while (this.#held.has(key)) {
      await new Promise<void>((resolve) => {
        const waiting = this.#waiting.get(key) ?? [];
        waiting.push(resolve);
        this.#waiting.set(key, waiting);
      });
    }
    this.#shared.set(key, (this.#shared.get(key) ?? 0) + 1);
    return once(() => {
      const left = (this.#shared.get(key) ?? 1) - 1;
      if (left > 0) this.#shared.set(key, left);
      else this.#shared.delete(key);
    });
  }

  close(): Promise<void> {
    this.#held.clear();
    this.#shared.clear();
    for (const waiting of this.#waiting.values()) for (const wake of waiting) wake();
    this.#waiting.clear();
    return Promise.resolve();
  }
}

/** `release`, doing its work the first time only. */
export function once(release: () => void): () => void {
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    release();
  };
}
