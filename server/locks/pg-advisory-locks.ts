/**
 * Exclusive locks every node sharing a PostgreSQL database honours: session-level
 * advisory locks (PostgreSQL docs, "Advisory Locks") held on one connection of this
 * node while any is held. The server lets them go when that connection ends, so a node
 * that dies or loses the database frees its locks with it.
 */
import pg from 'pg';
import type { Logger } from '../lib/log.js';
import type { ExclusiveLocks } from './exclusive-locks.js';

/**
 * The first key of the two-key form: Letterbox's exclusive locks. The two-key form
 * does not meet the one-bigint locks the store takes per inbox, and the name's hash
 * (`hashtext`) is the second key; two names with one hash only make a login wait.
 */
const NAMESPACE = 0x4c42_0001;

export class PgAdvisoryLocks implements ExclusiveLocks {
  readonly #url: string;
  readonly #logger: Logger;
  /**
   * Names this node holds (true) or is taking (false), so two sessions of one node
   * exclude each other: a session-level lock is re-entrant for its connection.
   */
  readonly #held = new Map<string, boolean>();
  #client: Promise<pg.Client> | undefined;
  /** The connected client #client resolved to, to tell its own loss from an older one's. */
  #current: pg.Client | undefined;
  #closed = false;

  constructor(url: string, logger: Logger) {
    this.#url = url;
    this.#logger = logger;
  }

  async tryAcquire(key: string): Promise<(() => void) | undefined> {
    if (this.#closed || this.#held.has(key)) return undefined;
    this.#held.set(key, false);
    let taken = false;
    try {
      const client = await this.#connection();
      const result = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      taken = result.rows[0]?.ok === true;
    } finally {
      if (taken) this.#held.set(key, true);
      else this.#held.delete(key);
    }
    if (!taken) return undefined;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#held.delete(key);
      void this.#unlock(key);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#held.clear();
    const client = this.#client;
    this.#client = undefined;
    // Ending the session lets every lock of this node go at once.
    await client?.then((c) => c.end()).catch(() => undefined);
  }

  async #unlock(key: string): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    if (!client) return;
    await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [NAMESPACE, key]).catch((error: unknown) => this.#logger.warn('releasing a lock failed', { error }));
  }

  /** The locks' connection, made anew after it was lost (the locks it held went with it). */
  #connection(): Promise<pg.Client> {
    this.#client ??= this.#connect().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 5_000 });
    let gone = false;
    const lost = (error?: Error) => {
      if (gone) return;
      gone = true;
      if (!this.#closed) this.#logger.warn('the connection holding exclusive locks was lost; they are taken again on the next one', { error: error?.message });
      if (this.#current === client) this.#client = undefined;
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    this.#current = client;
    // Locks this node's sessions still hold were freed with the old connection: taken again, or said lost.
    for (const [key, owned] of this.#held) {
      if (!owned) continue;
      const again = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      if (again.rows[0]?.ok !== true) this.#logger.warn('an exclusive lock was taken by another node while the database was away', { key });
    }
    return client;
  }
}
