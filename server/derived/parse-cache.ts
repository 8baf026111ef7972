import { parseRaw, type ParsedMessage } from '../mime/parse.js';
import { parsesOffThread } from '../mime/off-thread.js';
import type { MailStore } from '../store/mail-store.js';
import type { MessageId, StoredMessage } from '../store/types.js';
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

  /**
   * The parsed view of a message of `store`, or undefined once the message is gone. Its
   * bytes are read (store.readRaw) only when the view is not cached. One cache serves
   * every store of the process, so the store is named per call.
   */
  get(store: Pick<MailStore, 'readRaw'>, message: Pick<StoredMessage, 'id' | 'size'>): Promise<ParsedMessage | undefined> {
    const { id } = message;
    const hit = this.cache.get<Promise<ParsedMessage | undefined>>(id, VIEW);
    if (hit) return hit;
    const parsed = store.readRaw(id).then((raw) => {
      if (!raw) return undefined;
      return parsesOffThread(raw) ? viewOffThread(raw, this.pool).then((view) => view ?? GIVEN_UP) : parseRaw(raw);
    });
    // Kept before the bytes arrive, so reads of the same message meanwhile share one parse.
    // Counted as the message's size: a view holds about as much (text, HTML, decoded parts).
    this.cache.set(id, VIEW, parsed, message.size);
    // Neither a message gone nor a failed read is remembered: the next read asks again.
    const drop = () => this.cache.forget(id);
    void parsed.then((view) => view ?? drop(), drop);
    return parsed;
  }

  /** Drops the view of a deleted message at once, rather than at its eviction. */
  forget(id: MessageId): void {
    this.cache.forget(id);
  }
}
