/**
 * With --database, the release history is the cluster's: every change to a release a
 * node runs (begun, an attempt made, a retry scheduled, finished) is saved whole in
 * the database (store/postgres/release-table.ts), and the releases of a message are
 * read from there, so any node shows those any node made. Each save is heard by every
 * other node, which announces it (ReleaseService `remote`), so a WebSocket client
 * follows a release whichever node runs it. Retries stay with the node that runs them.
 */
import type { Logger } from '../lib/log.js';
import type { ReleaseTable } from '../store/saved-releases.js';
import type { ReleaseRecord } from './release-history.js';
import { closeUnfinished, RELEASE_CHANGES, reviveRelease } from './release-journal.js';
import type { ReleaseService } from './release-service.js';

export class SharedReleases {
  constructor(
    private readonly table: ReleaseTable,
    private readonly logger: Logger,
  ) {}

  /**
   * Saves each change to a release the service runs, and hands it those other nodes
   * save (the table passes over its own); returns how to stop.
   */
  follow(service: Pick<ReleaseService, 'on' | 'heard'>): () => void {
    const save = ({ record }: { record: ReleaseRecord }) => this.#save(record);
    // Also when a retry is scheduled: unlike a restart (release-journal.ts), another node shows it.
    const offs = [...RELEASE_CHANGES, 'retrying' as const].map((event) => service.on(event, save));
    const unhear = this.table.heard((saved) => {
      const record = revive(saved);
      if (record) service.heard(record);
      return record?.state === 'running' || record?.state === 'retrying';
    });
    return () => {
      offs.forEach((off) => off());
      unhear();
    };
  }

  /**
   * Closes the releases a stopping service leaves unfinished, as a restart does with
   * --data-dir (release-journal.ts closeUnfinished), and saves them: no other node
   * would ever finish them, and they would show as retrying for good.
   */
  async abandon(records: Iterable<ReleaseRecord>): Promise<void> {
    for (const record of records) {
      if (record.state !== 'running' && record.state !== 'retrying') continue;
      closeUnfinished(record);
      this.#save(record);
    }
    await this.table.saved();
  }

  #save(record: ReleaseRecord): void {
    this.table
      .save({ id: record.id, messageId: record.messageId, requestedAt: record.requestedAt, record })
      .catch((error: unknown) => this.logger.warn('could not save a release for the other nodes', { release: record.id, error: String(error) }));
  }

  /** The message's releases, oldest first, whichever node made them. */
  async of(messageId: string): Promise<ReleaseRecord[]> {
    const saved = await this.table.of(messageId);
    return saved.map(revive).filter((r): r is ReleaseRecord => r !== undefined);
  }

  /** Resolves once every change so far is saved, so another node reads it. */
  saved(): Promise<void> {
    return this.table.saved();
  }
}

/** A release as the table keeps it (its record), checked as the journal's are; undefined when this version does not know it. */
const revive = (saved: unknown): ReleaseRecord | undefined => reviveRelease({ t: 'release', release: saved });
