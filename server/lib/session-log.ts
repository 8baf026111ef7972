import type { Logger, LogFields } from './log.js';

/**
 * The one line each protocol session leaves in the log, at info level when it
 * ends: who (client, user), how long, what it did (counts), and how it ended.
 * Never message content: only sizes, counts and ids.
 */
export class SessionLog {
  readonly #log: Logger;
  readonly #what: string;
  readonly #started = performance.now();
  readonly #fields: LogFields;
  readonly #counts: Record<string, number> = {};
  #ended = false;

  constructor(log: Logger, what: string, fields: LogFields) {
    this.#log = log;
    this.#what = what;
    this.#fields = { ...fields };
  }

  /** Records a fact about the session (its user, how it ended); later calls win. */
  set(fields: LogFields): void {
    Object.assign(this.#fields, fields);
  }

  count(name: string, by = 1): void {
    this.#counts[name] = (this.#counts[name] ?? 0) + by;
  }

  /** Writes the line, once. An `ended` recorded earlier with set() (the cause of the close) wins over this one. */
  end(ended: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#log.info(`${this.#what} session`, { ended, ...this.#fields, ...this.#counts, ms: Math.round(performance.now() - this.#started) });
  }
}
