import pg from 'pg';
import type { Logger } from '../../lib/log.js';
import { CHANNEL } from './log-table.js';

export interface ChangeFeedOptions {
  /** How to reach the database (the pool's settings). */
  connection: pg.ClientConfig;
  /** The name notifications for this feed start with (`<name>:…`): a store's inbox, or a table's own name. */
  inbox: string;
  /**
   * Called with what a notification says after the name and its colon (a store's last
   * log position), or with nothing when the feed may have missed one: the timer below,
   * or a reconnection.
   */
  changed: (tail?: string) => void;
  logger: Logger;
  /** How often to call `changed` anyway, should a notification be lost; none without. */
  safetyMs?: number;
}

const RETRY_FIRST_MS = 100;
const RETRY_MOST_MS = 5_000;

/**
 * Tells a node when other nodes have written to its inbox's log: LISTEN on a
 * connection of its own, reconnecting by itself when the connection is lost (and
 * catching up then, since notifications sent meanwhile are gone), and a slow timer
 * as a safety net.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #closed = false;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  /** Listens; rejects when the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
    if (this.#options.safetyMs === undefined) return;
    this.#timer = setInterval(() => this.#options.changed(), this.#options.safetyMs);
    this.#timer.unref();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#options.connection);
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    client.on('notification', ({ channel, payload }) => {
      if (channel !== CHANNEL || payload === undefined) return;
      const colon = payload.lastIndexOf(':');
      if (payload.slice(0, colon) === this.#options.inbox) this.#options.changed(payload.slice(colon + 1));
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
          this.#options.changed();
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
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }
}
