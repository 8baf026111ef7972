import pg from 'pg';
import type { Logger } from '../../lib/log.js';
import { CHANNEL, readTails } from './log-table.js';

export interface ChangeFeedOptions {
  /** The node's pool: the listening connection is made with its settings, and the safety net asks through it. */
  pool: pg.Pool;
  logger: Logger;
  /** How often the safety net runs (default SAFETY_MS). */
  safetyMs?: number;
}

/**
 * Called with what a notification says after its name and colon (a store's last log
 * position, a release's id); and when the feed may have missed one (after a
 * reconnection, and every `safetyMs` for a subscriber that asked for the safety net),
 * an inbox's log with its last position, anything else with nothing.
 */
export type Changed = (tail?: string) => void;

const RETRY_FIRST_MS = 100;
const RETRY_MOST_MS = 5_000;
/** How often a subscriber is told to catch up without a notification (one may be lost with a connection). */
const SAFETY_MS = 5_000;

/**
 * Tells a node when other nodes have written: one LISTEN connection for the whole node,
 * whatever it listens for (each inbox's log, the inboxes table, the release history),
 * so a node serving a hundred inboxes holds one connection for it, not a hundred (a
 * server allows a hundred by default, for every node together). Notifications on the
 * log's channel are `<name>:<tail>`, handed to the subscribers of that name. The
 * connection reconnects by itself when it is lost, and then tells every subscriber
 * what it may have missed, since notifications sent meanwhile are gone; a slow timer
 * is a safety net besides. Either way one query gives the last position of every
 * inbox's log subscribed, so a node serving a hundred inboxes asks one thing, not a
 * hundred. It goes through the pool, not the listening connection, which may be the
 * very thing that stopped answering.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #subscribers = new Map<string, Set<Changed>>();
  /** The subscribers that asked for the safety net, with their names. */
  readonly #safety = new Map<Changed, string>();
  #safetyTimer: NodeJS.Timeout | undefined;
  #checking = false;
  #client: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #closed = false;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  /** Listens; rejects when the first connection fails. */
  start(): Promise<void> {
    return this.#connect();
  }

  /**
   * Calls `changed` for the notifications named `name`, and as Changed says (with
   * `safety`, by the safety net too); returns the unsubscribe. A function is one
   * subscriber.
   */
  subscribe(name: string, changed: Changed, safety = false): () => void {
    let named = this.#subscribers.get(name);
    if (!named) this.#subscribers.set(name, (named = new Set()));
    named.add(changed);
    if (safety) {
      this.#safety.set(changed, name);
      if (!this.#safetyTimer && !this.#closed) {
        this.#safetyTimer = setInterval(() => void this.#check(), this.#options.safetyMs ?? SAFETY_MS);
        this.#safetyTimer.unref();
      }
    }
    return () => {
      this.#safety.delete(changed);
      named.delete(changed);
      if (named.size === 0 && this.#subscribers.get(name) === named) this.#subscribers.delete(name);
    };
  }

  /** The safety net's round: one at a time (a slow database must not pile them up). */
  async #check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    await this.#tell([...this.#safety]);
    this.#checking = false;
  }

  /**
   * Tells subscribers what they may have missed: a log's subscriber its log's last
   * position (a store that holds it reads nothing), any other a call with nothing. When
   * the positions cannot be read, all get a call with nothing, and find out for themselves.
   */
  async #tell(subscribers: ReadonlyArray<readonly [Changed, string]>): Promise<void> {
    const logs = [...new Set(subscribers.map(([, name]) => name).filter(isLogName))];
    const tails = logs.length > 0 ? await readTails(this.#options.pool, logs).catch(() => undefined) : new Map<string, number>();
    for (const [changed, name] of subscribers) this.#call(changed, tails && isLogName(name) ? String(tails.get(name) ?? 0) : undefined);
  }

  /** One subscriber told: one that throws is logged, and neither stops the others nor ends the process. */
  #call(changed: Changed, tail: string | undefined): void {
    try {
      changed(tail);
    } catch (error) {
      this.#options.logger.error('a listener for other nodes failed', { error: String(error) });
    }
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#options.pool.options);
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', ({ channel, payload }) => {
      if (channel !== CHANNEL || payload === undefined) return;
      const colon = payload.lastIndexOf(':');
      for (const changed of this.#subscribers.get(payload.slice(0, colon)) ?? []) this.#call(changed, payload.slice(colon + 1));
    });
    this.#client = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#retryMs = RETRY_FIRST_MS;
  }

  #lost(client: pg.Client, error: Error | undefined): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => undefined);
    this.#options.logger.warn('lost the database connection that listens for other nodes; reconnecting', { error: error?.message });
    this.#reconnect();
  }

  #reconnect(): void {
    if (this.#closed || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().then(
        () => {
          this.#options.logger.info('listening for other nodes again');
          void this.#tell([...this.#subscribers].flatMap(([name, named]) => [...named].map((changed) => [changed, name] as const)));
        },
        (error: unknown) => {
          const failed = this.#client;
          this.#client = undefined;
          failed?.end().catch(() => undefined);
          this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MOST_MS);
          this.#options.logger.debug('could not listen for other nodes yet', { error: String(error) });
          this.#reconnect();
        },
      );
    }, this.#retryMs);
    this.#retry.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    clearInterval(this.#safetyTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** Inboxes' logs are named by the inbox (`[a-z0-9-]`, '' without --inboxes); anything else starts with `!`. */
const isLogName = (name: string) => !name.startsWith('!');
