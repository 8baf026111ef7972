import pg from 'pg';
import { silentLogger, type Logger } from '../../lib/log.js';
import type { StoreLimits } from '../types.js';
import { BodyCache } from './body-cache.js';
import { ChangeFeed } from './change-feed.js';
import { PgStore } from './pg-store.js';
import { migrate } from './schema.js';

/** `--cache-size`'s default: the bytes of message bodies a node keeps at hand. */
export const DEFAULT_CACHE_BYTES = 256 * 1024 * 1024;
/** Connections a store opened on its own has besides the one that listens: one writes, the rest read bodies and the log. */
const POOL_SIZE = 4;

export interface OpenPgStoreOptions {
  /** postgres://user:pass@host:port/db; or give `pool`. */
  url?: string;
  /** A pool to use instead of `url`; its owner ends it (after closing the store). */
  pool?: pg.Pool;
  /** Which inbox's store ('' without --inboxes): one database holds a store per inbox. */
  inbox?: string;
  /** Budget of the body cache in bytes (default DEFAULT_CACHE_BYTES). */
  cacheBytes?: number;
  limits: StoreLimits;
  logger?: Logger;
  clock?: () => Date;
  /** How often to catch up without a notification (ChangeFeedOptions.safetyMs). */
  safetyMs?: number;
  /** Records of churn the log may hold before it is compacted (PgStoreOptions.compactFloor). */
  compactFloor?: number;
}

/**
 * Opens the store of one inbox in a PostgreSQL database: migrates the schema, listens
 * for other nodes, loads the index from the log. Rejects with a one-line reason when
 * the database cannot be reached. `close()` the store when done.
 */
export async function openPgStore(options: OpenPgStoreOptions): Promise<PgStore> {
  if (!options.pool && !options.url) throw new Error('openPgStore needs a url or a pool');
  const pool = options.pool ?? new pg.Pool({ connectionString: options.url, max: POOL_SIZE });
  const ownsPool = !options.pool;
  const logger = options.logger ?? silentLogger;
  // An idle connection the server dropped (a restart) must not crash the process; the pool replaces it.
  if (ownsPool) pool.on('error', (error) => logger.warn('a database connection was lost', { error: error.message }));
  const store = new PgStore({
    pool,
    ownsPool,
    // Listening on a connection of its own: a node of its own (tests, the bench, migrate).
    feed: new ChangeFeed({ pool, logger, safetyMs: options.safetyMs }),
    ownsFeed: true,
    inbox: options.inbox ?? '',
    cache: new BodyCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES),
    limits: options.limits,
    logger,
    clock: options.clock ?? (() => new Date()),
    compactFloor: options.compactFloor,
  });
  try {
    await migrate(pool);
    await store.open();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw new Error(`cannot open the PostgreSQL store: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return store;
}
