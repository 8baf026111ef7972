/**
 * The composition root's side of --database: the node's connection, the store of one
 * inbox in it ('' without --inboxes), the readiness probe and the exclusive locks
 * every node honours, handed to the fronts as the memory store's would be.
 */
import type { Logger } from '../lib/log.js';
import { PgAdvisoryLocks } from '../locks/pg-advisory-locks.js';
import { connectDatabase, type Database } from './database.js';
import type { MailStore } from './mail-store.js';
import { openPgStore } from './postgres/open-pg-store.js';
import { DatabaseUnreachableError, type StoreReadiness } from './store-unavailable.js';
import type { StoreLimits } from './types.js';

export interface SharedStore {
  readonly store: MailStore;
  readonly ready: StoreReadiness;
  readonly locks: PgAdvisoryLocks;
  /** Closes the store, the locks' connection and the pool, in that order. Idempotent. */
  close(): Promise<void>;
}

export interface SharedStoreOptions {
  url: string;
  cacheBytes: number;
  limits: StoreLimits;
  logger: Logger;
  clock: () => Date;
}

/**
 * Connects, migrates the schema (under the cluster's advisory lock, in openPgStore) and
 * loads the index from the log. Throws DatabaseUnreachableError, one printable line.
 */
export async function openSharedStore(options: SharedStoreOptions): Promise<SharedStore> {
  const logger = options.logger.child({ service: 'database' });
  const database = await connectDatabase(options.url, logger);
  const store = await openStoreIn(database, '', options).catch(async (error: unknown) => {
    await database.close().catch(() => undefined);
    throw error;
  });
  const locks = new PgAdvisoryLocks(options.url, logger);
  let closing: Promise<void> | undefined;
  return {
    store,
    ready: database.ready,
    locks,
    close: () =>
      (closing ??= (async () => {
        await store.close();
        await locks.close();
        await database.close();
      })()),
  };
}

async function openStoreIn(database: Database, inbox: string, options: SharedStoreOptions) {
  try {
    return await openPgStore({ pool: database.pool, inbox, cacheBytes: options.cacheBytes, limits: options.limits, logger: options.logger, clock: options.clock });
  } catch (error) {
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    throw new DatabaseUnreachableError(`cannot open the store in the database at ${database.where}: ${database.explain(cause)}`);
  }
}
