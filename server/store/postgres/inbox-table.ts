import type pg from 'pg';
import type { ChangeFeed } from './change-feed.js';
import { CHANNEL } from './log-table.js';

/** An inbox made at run time (the admin API), as every node of the database knows it. */
export interface InboxRow {
  readonly name: string;
  readonly smtpUser: string;
  /** bcrypt hash of its SMTP password. */
  readonly smtpHash: string;
  /** Epoch milliseconds, or null for no TTL. */
  readonly expiresAt: number | null;
}

/**
 * Changes to the table are announced on the log's channel under this name, which no
 * inbox can have (inbox names are `[a-z0-9-]`), so one LISTEN serves both.
 */
const FEED_NAME = '!inboxes';

/**
 * The inboxes made through the admin API, in the database (`letterbox_inboxes`), so every
 * node has the same ones with the same SMTP credentials: a name is taken once for the
 * cluster (its primary key), and a removal is done by the one node whose DELETE found
 * the row, so its mail is emptied once.
 */
export class InboxTable {
  #unwatch: () => void = () => undefined;

  constructor(
    private readonly pool: pg.Pool,
    /** The node's listener for other nodes' writes, started. */
    private readonly feed: ChangeFeed,
  ) {}

  /** Calls `changed` when another node may have changed the table, and now and then anyway. */
  async watch(changed: () => void): Promise<void> {
    this.#unwatch = this.feed.subscribe(FEED_NAME, () => changed(), true);
  }

  async list(): Promise<InboxRow[]> {
    const { rows } = await this.pool.query<{ name: string; smtp_user: string; smtp_hash: string; expires_at: string | null }>(
      'SELECT name, smtp_user, smtp_hash, expires_at FROM letterbox_inboxes ORDER BY name',
    );
    return rows.map((r) => ({ name: r.name, smtpUser: r.smtp_user, smtpHash: r.smtp_hash, expiresAt: r.expires_at === null ? null : Number(r.expires_at) }));
  }

  /** Saves a new inbox; false when another node holds that name already. */
  async add(row: InboxRow): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `WITH added AS (INSERT INTO letterbox_inboxes (name, smtp_user, smtp_hash, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING RETURNING name)
       SELECT pg_notify('${CHANNEL}', '${FEED_NAME}:0') FROM added`,
      [row.name, row.smtpUser, row.smtpHash, row.expiresAt],
    );
    return rowCount === 1;
  }

  /** Forgets an inbox; true when this call removed the row (so its caller empties the mail). */
  async remove(row: InboxRow): Promise<boolean> {
    // The SMTP user tells this inbox from a later one of the same name.
    const { rowCount } = await this.pool.query(
      `WITH gone AS (DELETE FROM letterbox_inboxes WHERE name = $1 AND smtp_user = $2 RETURNING name)
       SELECT pg_notify('${CHANNEL}', '${FEED_NAME}:0') FROM gone`,
      [row.name, row.smtpUser],
    );
    return rowCount === 1;
  }

  async close(): Promise<void> {
    this.#unwatch();
  }
}
