import pg from 'pg';
import type { Logger } from '../../lib/log.js';
import { CHANNEL } from './log-table.js';

export interface ChangeFeedOptions {
  /** How to reach the database (the pool's settings). */
  connection: pg.ClientConfig;
  logger: Logger;
}

/**
 * Called with what a notification says after its name and colon (a store's last log
 * position, a release's id), or with nothing when the feed may have missed one: after
 * a reconnection, and every `safetyMs` the subscriber asked for.
 */
export type Changed = (tail?: string) => void;

const RETRY_FIRST_MS = 100;
const RETRY_MOST_MS = 5_000;

/**
 * Tells a node when other nodes have written: one LISTEN connection for the whole node,
 * whatever it listens for (each inbox's log, the inboxes table, the release history),
 * so a node serving a hundred inboxes holds one connection for it, not a hundred (a
 * server allows a hundred by default, for every node together). Notifications on the
 * log's channel are `<name>:<tail>`, handed to the subscribers of that name. The
 * connection reconnects by itself when it is lost, and then calls every subscriber,
 * since notifications sent meanwhile are gone; a subscriber's slow timer is a safety
 * net besides.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #subscribers = new Map<string, Set<Changed>>();
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

  /** Calls `changed` for the notifications named `name` (and as Changed says); returns the unsubscribe. A function is one subscriber. */
  subscribe(name: string, changed: Changed, safetyMs?: number): () => void {
    let named = this.#subscribers.get(name);
    if (!named) this.#subscribers.set(name, (named = new Set()));
    named.add(changed);
    const timer = safetyMs === undefined ? undefined : setInterval(() => changed(), safetyMs);
    timer?.unref();
    return () => {
      clearInterval(timer);
      named.delete(changed);
      if (named.size === 0 && this.#subscribers.get(name) === named) this.#subscribers.delete(name);
    };
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#options.connection);
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', ({ channel, payload }) => {
      if (channel !== CHANNEL || payload === undefined) return;
      const colon = payload.lastIndexOf(':');
      for (const changed of this.#subscribers.get(payload.slice(0, colon)) ?? []) changed(payload.slice(colon + 1));
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
          for (const named of [...this.#subscribers.values()]) for (const changed of [...named]) changed();
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
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
