/**
 * The composition root's side of --database: the node's connection (schema migrated
 * once, at start), the stores in it (one per inbox, '' without --inboxes), the
 * readiness probe and the locks every node honours, handed to the fronts as
 * the memory store's would be.
 */
import type { Logger } from '../lib/log.js';
import type { NamedLocks } from '../locks/named-locks.js';
import { PgAdvisoryLocks } from '../locks/pg-advisory-locks.js';
import { connectDatabase } from './database.js';
import { loginHoldName } from './login.js';
import type { MailStore } from './mail-store.js';
import { BodyCache } from './postgres/body-cache.js';
import { ChangeFeed } from './postgres/change-feed.js';
import { InboxTable } from './postgres/inbox-table.js';
import { PgStore } from './postgres/pg-store.js';
import { PgReleaseTable } from './postgres/release-table.js';
import type { ReleaseTables } from './saved-releases.js';
import { migrate } from './postgres/schema.js';
import { DatabaseUnreachableError, type StoreReadiness } from './store-unavailable.js';
import type { StoreLimits } from './types.js';

/** A store in the database, made at once and loaded from the log by `load()`. */
export interface DatabaseStore {
  readonly store: MailStore;
  /** Listens for other nodes and loads the index; rejects when the database cannot be read. */
  load(): Promise<void>;
  /** Waits for the writes under way, then lets go of the store (the mail stays in the database). */
  close(): Promise<void>;
}

/** Opens the store of one inbox in the shared database. */
export type OpenDatabaseStore = (inbox: string, limits: StoreLimits) => DatabaseStore;

export interface SharedDatabase {
  readonly open: OpenDatabaseStore;
  readonly ready: StoreReadiness;
  readonly locks: PgAdvisoryLocks;
  /** The inboxes made through the admin API, the same on every node (with --inboxes). */
  readonly inboxes: InboxTable;
  /** The release history of an inbox's messages ('' without --inboxes), the same on every node. */
  readonly releases: ReleaseTables;
  /** Closes the locks' and the listener's connections and the pool; close the stores first. Idempotent. */
  close(): Promise<void>;
}

export interface SharedDatabaseOptions {
  url: string;
  cacheBytes: number;
  logger: Logger;
  clock: () => Date;
}

/**
 * Connects and brings the schema up to date (under the cluster's advisory lock, so
 * nodes starting together migrate one after the other). Throws
 * DatabaseUnreachableError, one printable line.
 */
export async function connectSharedDatabase(options: SharedDatabaseOptions): Promise<SharedDatabase> {
  const logger = options.logger.child({ service: 'database' });
  const database = await connectDatabase(options.url, logger);
  try {
    await migrate(database.pool);
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new DatabaseUnreachableError(`cannot prepare the tables in the database at ${database.where}: ${database.explain(error)}`);
  }
  // One connection listens for the whole node: every inbox's log, the inboxes, the releases.
  const feed = new ChangeFeed({ pool: database.pool, logger });
  try {
    await feed.start();
  } catch (error) {
    await feed.close();
    await database.close().catch(() => undefined);
    throw new DatabaseUnreachableError(`cannot listen for other nodes on the database at ${database.where}: ${database.explain(error)}`);
  }
  const locks = new PgAdvisoryLocks(options.url, logger);
  // One budget for the node, however many inboxes it serves.
  const cache = new BodyCache(options.cacheBytes);
  let closing: Promise<void> | undefined;
  return {
    open: (inbox, limits) => {
      const store = new PgStore({
        pool: database.pool,
        ownsPool: false,
        feed,
        ownsFeed: false,
        inbox,
        cache,
        limits,
        logger: logger.child({ inbox }),
        clock: options.clock,
      });
      return {
        store,
        load: () =>
          store.open().then(
            () =>
              void closeLeftOpen(store, inbox, locks).catch((error: unknown) =>
                logger.warn('could not close the logins left opened', { inbox, error: String(error) }),
              ),
            (error: unknown) => {
              throw new DatabaseUnreachableError(`cannot load the mail from the database at ${database.where}: ${database.explain(error)}`);
            },
          ),
        close: () => store.flushed().catch(() => undefined).then(() => store.close()),
      };
    },
    ready: database.ready,
    locks,
    inboxes: new InboxTable(database.pool, feed),
    releases: (inbox, perMessage) => new PgReleaseTable(database.pool, inbox, perMessage, feed, logger.child({ inbox })),
    close: () => (closing ??= locks.close().then(() => feed.close()).then(() => database.close())),
  };
}

/**
 * Logins left opened by the IMAP sessions of a node that died: the database let their
 * holds go with it, and nothing closed them. Each is closed now unless a session on some
 * node holds it (MailStore.closeFolders; store/folders.ts), in the background.
 */
async function closeLeftOpen(store: PgStore, inbox: string, locks: NamedLocks): Promise<void> {
  for (const login of store.closableLogins()) {
    const alone = await locks.tryAcquire(loginHoldName(inbox, login));
    if (!alone) continue;
    try {
      await store.closeFolders(login);
    } finally {
      alone();
    }
  }
}
