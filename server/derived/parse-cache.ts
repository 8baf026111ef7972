import { parseRaw, type ParsedMessage } from '../mime/parse.js';
import { parsesOffThread } from '../mime/off-thread.js';
import type { MessageId, StoredMessage } from '../store/types.js';
import { viewOffThread } from './parse-jobs.js';
import { sharedPool, type WorkerPool } from './worker-pool.js';

/**
 * The view of a message whose parse was given up (past the pool's time limit, or its
 * worker died): no body, no parts. Its exact bytes are still served raw.
 */
const GIVEN_UP: ParsedMessage = Object.freeze({
  text: '',
  html: '',
  attachments: [],
  inline: [],
  headerLines: [],
  error: 'Not parsed: parsing ran past its time limit or its worker failed, so it was given up. The raw message is unchanged.',
});

/**
 * Parsed messages, kept for the few most recently viewed: opening a message asks for it
 * several times in a row (message, parts, thumbnails, view), but the store may hold
 * thousands, so the cache is bounded by count and by raw bytes.
 *
 * A small message is parsed here; a large or many-part one on the worker pool's
 * threads (see parsesOffThread), where mailparser's own caps (1,000 MIME nodes, 1 MB of
 * header per node) and the pool's time limit bound it.
 */
export class ParseCache {
  readonly #entries = new Map<MessageId, { raw: Buffer; parsed: Promise<ParsedMessage> }>();
  #bytes = 0;

  constructor(
    readonly maxEntries = 64,
    readonly maxBytes = 64 * 1024 * 1024,
    private readonly pool: WorkerPool = sharedPool(),
  ) {}

  get(message: StoredMessage): Promise<ParsedMessage> {
    const hit = this.#entries.get(message.id);
    if (hit && hit.raw === message.raw) {
      // Re-insert so Map order is least-recently-used first.
      this.#entries.delete(message.id);
      this.#entries.set(message.id, hit);
      return hit.parsed;
    }
    if (hit) this.forget(message.id);
    const raw = message.raw;
    const parsed = parsesOffThread(raw) ? viewOffThread(raw, this.pool).then((view) => view ?? GIVEN_UP) : parseRaw(raw);
    this.#entries.set(message.id, { raw: message.raw, parsed });
    this.#bytes += message.raw.length;
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= 1 || (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes)) break;
      this.#entries.delete(id);
      this.#bytes -= entry.raw.length;
    }
    return parsed;
  }

  forget(id: MessageId): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#bytes -= entry.raw.length;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
