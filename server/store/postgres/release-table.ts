import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../../lib/log.js';
import type { ReleaseTable, SavedRelease } from '../saved-releases.js';
import { StoreUnavailableError } from '../unavailable.js';
import type { ChangeFeed } from './change-feed.js';
import { CHANNEL } from './log-table.js';

/**
 * Migration step: the release history every node shares. A release is kept whole, as
 * the release service of the node running it writes it at each change (relay/
 * shared-releases.ts); the foreign key on the message's bytes removes a message's
 * releases with it, on whichever node removes it, as the memory history forgets them.
 */
export const RELEASE_TABLE_MIGRATION = `CREATE TABLE letterbox_releases (
     inbox text NOT NULL,
     id text NOT NULL,
     message_id text NOT NULL,
     requested_at timestamptz NOT NULL,
     record json NOT NULL,
     PRIMARY KEY (inbox, id),
     FOREIGN KEY (inbox, message_id) REFERENCES letterbox_bodies (inbox, id) ON DELETE CASCADE
   );
   CREATE INDEX letterbox_releases_by_message ON letterbox_releases (inbox, message_id, requested_at);`;

/** PostgreSQL's foreign_key_violation: the message left the store while its release was being saved. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * A save is announced on the log's channel as `!releases:<inbox>:<saver>.<release id>`:
 * no inbox name starts with `!` (they are `[a-z0-9-]`), and the saving table's token
 * and a release id are hex. The token lets the saving node pass over its own saves
 * without reading them back; a notification without one (a node of the version
 * before) is read whatever it is.
 */
const feedName = (inbox: string) => `!releases:${inbox}`;

/** The releases of one inbox's messages in the database (letterbox_releases). */
export class PgReleaseTable implements ReleaseTable {
  #saving: Promise<void> = Promise.resolve();
  /** Names this table's saves in their notifications (feedName). */
  readonly #token = randomBytes(8).toString('hex');

  constructor(
    private readonly pool: pg.Pool,
    private readonly inbox: string,
    /** Releases kept per message, the latest (the memory history's bound). */
    private readonly perMessage: number,
    /** The node's listener for other nodes' writes, started. */
    private readonly feed: ChangeFeed,
    private readonly logger: Logger,
  ) {}

  /**
   * Calls `listener` with each release other nodes save from now on, in the order
   * saved, as it is when read (a later state, when it changed again meanwhile). The
   * listener says whether the release may change again (it is under way): after the
   * listening connection was lost, those are read again, since how they went on was
   * announced meanwhile to no one. A release begun and ended while it was lost is not
   * heard of (the history any node reads is the table). Returns how to stop listening.
   */
  heard(listener: (record: unknown) => boolean): () => void {
    // Read one after the other, so the listener hears of saves in the order they were made.
    let reading = Promise.resolve();
    const underWay = new Set<string>();
    const hear = (id: string) => {
      reading = reading
        .then(() => this.#read(id))
        .then(
          (record) => {
            if (record !== undefined && listener(record)) underWay.add(id);
            else underWay.delete(id);
          },
          (error: unknown) => this.logger.warn("could not read a release another node saved", { release: id, error: String(error) }),
        );
    };
    return this.feed.subscribe(feedName(this.inbox), (tail) => {
      if (tail === undefined) {
        for (const id of underWay) hear(id);
        return;
      }
      const dot = tail.indexOf('.');
      if (dot < 0 || tail.slice(0, dot) !== this.#token) hear(tail.slice(dot + 1));
    });
  }

  async #read(id: string): Promise<unknown> {
    const { rows } = await this.pool.query<{ record: unknown }>({
      name: 'letterbox-release-read',
      text: 'SELECT record FROM letterbox_releases WHERE inbox = $1 AND id = $2',
      values: [this.inbox, id],
    });
    return rows[0]?.record;
  }

  /**
   * Saves a release, replacing what was saved of it before; saves are made in the order
   * asked, so an older state never lands over a newer one. A release of a message no
   * longer stored is not kept. The record is encoded now: the caller changes it in place.
   */
  save(release: SavedRelease): Promise<void> {
    const json = JSON.stringify(release.record);
    const saving = this.#saving.then(() => this.#upsert(release, json));
    this.#saving = saving.catch(() => undefined);
    return saving;
  }

  /** Resolves once every save asked for so far is made (or has failed). */
  saved(): Promise<void> {
    return this.#saving;
  }

  /** The message's releases, oldest first, as saved. Throws StoreUnavailableError when the database cannot answer. */
  async of(messageId: string): Promise<unknown[]> {
    try {
      const { rows } = await this.pool.query<{ record: unknown }>({
        name: 'letterbox-releases-of',
        text: `SELECT record FROM (SELECT record, requested_at, id FROM letterbox_releases WHERE inbox = $1 AND message_id = $2
                 ORDER BY requested_at DESC, id DESC LIMIT $3) latest ORDER BY requested_at, id`,
        values: [this.inbox, messageId, this.perMessage],
      });
      return rows.map((r) => r.record);
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
  }

  async #upsert(release: SavedRelease, json: string): Promise<void> {
    try {
      // Only while the message is stored; a new release pushes out the oldest past the bound
      // (the other statements of one see the table as it was before it: hence OFFSET bound - 1).
      // Announced when saved (heard), at COMMIT.
      await this.pool.query({
        name: 'letterbox-release-save',
        text: `WITH saved AS (
                 INSERT INTO letterbox_releases (inbox, id, message_id, requested_at, record)
                   SELECT $1, $2, $3, $4, $5::json WHERE EXISTS (SELECT 1 FROM letterbox_bodies WHERE inbox = $1 AND id = $3)
                   ON CONFLICT (inbox, id) DO UPDATE SET record = EXCLUDED.record RETURNING xmax = 0 AS inserted),
               pushed_out AS (
                 DELETE FROM letterbox_releases WHERE inbox = $1 AND (SELECT bool_or(inserted) FROM saved) AND id IN (
                   SELECT id FROM letterbox_releases WHERE inbox = $1 AND message_id = $3 ORDER BY requested_at DESC, id DESC OFFSET $6::integer - 1))
               SELECT pg_notify('${CHANNEL}', $7) FROM saved`,
        values: [this.inbox, release.id, release.messageId, release.requestedAt, json, this.perMessage, `${feedName(this.inbox)}:${this.#token}.${release.id}`],
      });
    } catch (error) {
      if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return;
      throw error;
    }
  }
}
