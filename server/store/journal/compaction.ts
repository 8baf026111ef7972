import type { Logger } from '../../lib/log.js';
import type { JournalFile } from './journal-file.js';

/** A journal may always grow this far before it is compacted while running. */
export const COMPACTION_FLOOR = 8 * 1024 * 1024;

export interface CompactionOptions {
  /** What a compacted journal would hold now, in bytes; an estimate is enough. */
  liveBytes: () => number;
  /** The records that rebuild the current state, captured when called, encoded as they are read. */
  snapshot: () => Iterable<Buffer>;
  floor: number;
  /** Which journal, for the log. */
  name: string;
  logger: Logger;
}

/**
 * Compacts a journal while it is in use, so churn (pruned messages, flags flipped
 * over and over) cannot grow it without bound: once the file holds more than twice
 * the live data plus a floor, it is rewritten from a snapshot in the background
 * (see JournalFile.rewrite). It must also have doubled since the last compaction, so
 * a live size estimated too low cannot make it compact again and again.
 */
export class Compaction {
  readonly #journal: JournalFile;
  readonly #options: CompactionOptions;
  #compactedSize: number;
  #scheduled = false;
  #running: Promise<void> | undefined;

  constructor(journal: JournalFile, options: CompactionOptions) {
    this.#journal = journal;
    this.#options = options;
    this.#compactedSize = journal.size;
  }

  /**
   * Call after appending. The check runs once the current change is over: a change
   * announces itself part by part, and a snapshot taken between two parts would
   * see the state half changed.
   */
  check(): void {
    if (this.#scheduled || this.#running || this.#journal.size <= this.#options.floor) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.#due()) this.#running = this.#compact().finally(() => (this.#running = undefined));
    });
  }

  /** Resolves when no compaction is running. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #due(): boolean {
    if (this.#journal.closing) return false;
    const size = this.#journal.size;
    return size > this.#options.floor + 2 * this.#options.liveBytes() && size > 2 * this.#compactedSize;
  }

  async #compact(): Promise<void> {
    const { logger, name } = this.#options;
    const before = this.#journal.size;
    logger.info('compacting a journal', { journal: name, bytes: before });
    try {
      this.#compactedSize = await this.#journal.rewrite(this.#options.snapshot());
      logger.info('compacted a journal', { journal: name, before, after: this.#compactedSize });
    } catch (error) {
      // The old file is still whole; try again once it has doubled from here.
      this.#compactedSize = this.#journal.size;
      logger.warn('could not compact a journal; it stays as it was', { journal: name, error });
    }
  }
}
