/**
 * Locks every node sharing a PostgreSQL database honours: session-level advisory locks
 * (PostgreSQL docs, "Advisory Locks"), exclusive or shared, held on one connection of
 * this node while any is held. The server lets them go when that connection ends, so a
 * node that dies or loses the database frees its locks with it.
 */
import pg from 'pg';
import type { Logger } from '../lib/log.js';
import { once, type NamedLocks } from './named-locks.js';

/**
 * The first key of the two-key form: Letterbox's locks. The two-key form
 * does not meet the one-bigint locks the store takes per inbox, and the name's hash
 * (`hashtext`) is the second key; two names with one hash only make a login wait.
 */
const NAMESPACE = 0x4c42_0001;
/**
 * How long a share waits before asking again while another node holds the name
 * exclusively (for the length of one write). It asks rather than waits in the database:
 * a waiting query would hold up every lock query of this node queued behind it.
 */
const SHARE_RETRY_MS = 10;
/** How long a share waits at most: a name held exclusively longer than a write takes is held by something stuck. */
const SHARE_WAIT_MS = 10_000;

export class PgAdvisoryLocks implements NamedLocks {
  readonly #url: string;
  readonly #logger: Logger;
  /**
   * Names this node holds (true) or is taking (false), so two sessions of one node
   * exclude each other: a session-level lock is re-entrant for its connection.
   */
  readonly #held = new Map<string, boolean>();
  /** Holders of each name this node holds shared (one lock in the database for them all). */
  readonly #shared = new Map<string, number>();
  /** The taking of a shared name under way, which a second local holder waits for. */
  readonly #sharing = new Map<string, Promise<void>>();
  /** Shares waiting for this node's own exclusive holder of a name to let go. */
  readonly #waiting = new Map<string, Array<() => void>>();
  #client: Promise<pg.Client> | undefined;
  /** The connected client #client resolved to, to tell its own loss from an older one's. */
  #current: pg.Client | undefined;
  #closed = false;
  /** The last query on the lock connection (#query). */
  #turn: Promise<unknown> = Promise.resolve();
  readonly #shareWaitMs: number;

  constructor(url: string, logger: Logger, options: { shareWaitMs?: number } = {}) {
    this.#url = url;
    this.#logger = logger;
    this.#shareWaitMs = options.shareWaitMs ?? SHARE_WAIT_MS;
  }

  async tryAcquire(key: string): Promise<(() => void) | undefined> {
    if (this.#closed || this.#held.has(key) || this.#shared.has(key)) return undefined;
    this.#held.set(key, false);
    let taken = false;
    try {
      const client = await this.#connection();
      const result = await this.#query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      taken = result.rows[0]?.ok === true;
    } finally {
      if (taken) this.#held.set(key, true);
      else this.#held.delete(key);
    }
    if (!taken) return undefined;
    return once(() => {
      this.#held.delete(key);
      void this.#unlock(key, 'pg_advisory_unlock');
      const waiting = this.#waiting.get(key) ?? [];
      this.#waiting.delete(key);
      for (const wake of waiting) wake();
    });
  }

  async share(key: string): Promise<() => void> {
    // The database lets one connection take a name both ways: this node's own exclusive holder goes first.
    while (this.#held.has(key)) await new Promise<void>((resolve) => this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), resolve]));
    if (this.#closed) throw new Error('the locks are closed');
    const holders = this.#shared.get(key) ?? 0;
    this.#shared.set(key, holders + 1);
    /** One holder less; the database's share is let go with the last, when it was taken. */
    const leave = (taken: boolean) => {
      const left = (this.#shared.get(key) ?? 1) - 1;
      if (left > 0) return void this.#shared.set(key, left);
      this.#shared.delete(key);
      if (taken) void this.#unlock(key, 'pg_advisory_unlock_shared');
    };
    try {
      if (holders > 0) await this.#sharing.get(key);
      else {
        const taking = this.#takeShared(key);
        this.#sharing.set(key, taking);
        await taking.finally(() => this.#sharing.delete(key));
      }
    } catch (error) {
      // Not taken (every holder waiting on it fails alike): nothing to unlock.
      leave(false);
      throw error;
    }
    return once(() => leave(true));
  }

  async #takeShared(key: string): Promise<void> {
    const until = performance.now() + this.#shareWaitMs;
    for (;;) {
      const client = await this.#connection();
      const result = await this.#query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock_shared($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      if (result.rows[0]?.ok === true) return;
      if (performance.now() >= until) throw new Error(`a lock stayed held by another node for ${this.#shareWaitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, SHARE_RETRY_MS));
      if (this.#closed) throw new Error('the locks are closed');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#held.clear();
    this.#shared.clear();
    const client = this.#client;
    this.#client = undefined;
    // Ending the session lets every lock of this node go at once.
    await client?.then((c) => c.end()).catch(() => undefined);
  }

  async #unlock(key: string, how: 'pg_advisory_unlock' | 'pg_advisory_unlock_shared'): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    if (!client) return;
    await this.#query(client, `SELECT ${how}($1, hashtext($2))`, [NAMESPACE, key]).catch((error: unknown) => this.#logger.warn('releasing a lock failed', { error }));
  }

  /** The locks' connection, made anew after it was lost (the locks it held went with it). */
  #connection(): Promise<pg.Client> {
    this.#client ??= this.#connect().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  /**
   * A query on the lock connection, after the ones before it: one connection runs one
   * query at a time, and pg only queues overlapping ones with a warning (to be refused
   * in its next major version).
   */
  #query<Row extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    const run = this.#turn.then(() => client.query<Row>(text, values));
    this.#turn = run.catch(() => undefined);
    return run;
  }

  async #connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.#url, connectionTimeoutMillis: 5_000 });
    let gone = false;
    const lost = (error?: Error) => {
      if (gone) return;
      gone = true;
      if (!this.#closed) this.#logger.warn('the connection holding locks was lost; they are taken again on the next one', { error: error?.message });
      if (this.#current === client) this.#client = undefined;
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    this.#current = client;
    // Locks this node's sessions still hold were freed with the old connection: taken again, or said lost.
    for (const [key, owned] of this.#held) {
      if (!owned) continue;
      const again = await this.#query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      if (again.rows[0]?.ok !== true) this.#logger.warn('an exclusive lock was taken by another node while the database was away', { key });
    }
    for (const key of this.#shared.keys()) {
      // One being taken is taken on this connection by its taker.
      if (this.#sharing.has(key)) continue;
      const again = await this.#query<{ ok: boolean }>(client, 'SELECT pg_try_advisory_lock_shared($1, hashtext($2)) AS ok', [NAMESPACE, key]);
      if (again.rows[0]?.ok !== true) this.#logger.warn('a shared lock was taken exclusively by another node while the database was away', { key });
    }
    return client;
  }
}
