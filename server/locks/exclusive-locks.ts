/**
 * Exclusive locks by name, for rules that allow one holder at a time: POP3's maildrop
 * lock (RFC 1939 §4). One process keeps them in memory; nodes sharing a database take
 * them in the database (pg-advisory-locks.ts), so the rule holds across nodes. The
 * composition root picks one.
 */
export interface ExclusiveLocks {
  /**
   * Takes the lock named `key` if nobody holds it: resolves with the function that
   * lets it go (idempotent), or undefined when it is held. Rejects when it cannot be
   * told (the database is gone): the caller answers "try again later".
   */
  tryAcquire(key: string): Promise<(() => void) | undefined>;
  /** Lets every lock go and refuses new ones (the process is stopping). */
  close(): Promise<void>;
}

/** The locks of one process. */
export class InProcessLocks implements ExclusiveLocks {
  readonly #held = new Set<string>();

  tryAcquire(key: string): Promise<(() => void) | undefined> {
    if (this.#held.has(key)) return Promise.resolve(undefined);
    this.#held.add(key);
    let held = true;
    return Promise.resolve(() => {
      if (held) this.#held.delete(key);
      held = false;
    });
  }

  close(): Promise<void> {
    this.#held.clear();
    return Promise.resolve();
  }
}
