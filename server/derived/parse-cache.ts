import { parseRaw, type ParsedMessage } from '../mime/parse.js';
import { parsesOffThread } from '../mime/off-thread.js';
import type { StoredMessage } from '../store/types.js';
import { derivedCache, type DerivedCache } from './derived-cache.js';
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

/** The cache kind of a parsed view. */
const VIEW = 'view';

/**
 * Parsed messages, kept in the derived-data cache for the most recently viewed: opening
 * a message asks for it several times in a row (message, parts, thumbnails, view), but
 * the store may hold thousands, so the cache is bounded (see DerivedCache).
 *
 * A small message is parsed here; a large or many-part one on the worker pool's
 * threads (see parsesOffThread), where mailparser's own caps (1,000 MIME nodes, 1 MB of
 * header per node) and the pool's time limit bound it.
 */
export class ParseCache {
  constructor(
    private readonly cache: DerivedCache = derivedCache(),
    private readonly pool: WorkerPool = sharedPool(),
  ) {}

  get(message: StoredMessage): Promise<ParsedMessage> {
    const raw = message.raw;
    const hit = this.cache.get<Promise<ParsedMessage>>(raw, VIEW);
    if (hit) return hit;
    const parsed = parsesOffThread(raw) ? viewOffThread(raw, this.pool).then((view) => view ?? GIVEN_UP) : parseRaw(raw);
    // Counted as the message's size: a view holds about as much (text, HTML, decoded parts).
    this.cache.set(raw, VIEW, parsed, raw.length);
    return parsed;
  }

  /** Drops the view of a deleted message at once, rather than at its eviction. */
  forget(message: StoredMessage): void {
    this.cache.forget(message.raw);
  }
}
