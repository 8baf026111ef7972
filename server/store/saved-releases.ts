/**
 * The release history every node shares, with --database, as the release service sees
 * it (relay/shared-releases.ts); kept in PostgreSQL by postgres/release-table.ts. Free
 * of the database client's types, so the fronts' context can name it.
 */

/** What a release is saved as: its id, its message's, when it was asked for, and its record as JSON. */
export interface SavedRelease {
  id: string;
  messageId: string;
  requestedAt: Date;
  record: unknown;
}

/** The releases of one inbox's messages. */
export interface ReleaseTable {
  /** Saves a release, replacing what was saved of it before, in the order asked; a message no longer stored keeps none. */
  save(release: SavedRelease): Promise<void>;
  /** Resolves once every save asked for so far is made (or has failed). */
  saved(): Promise<void>;
  /** The message's releases, oldest first, as saved. */
  of(messageId: string): Promise<unknown[]>;
  /**
   * Calls `listener` with each release other nodes save from now on (its record),
   * which says whether the release may change again; returns how to stop.
   */
  heard(listener: (record: unknown) => boolean): () => void;
}

/** The release history of one inbox's messages ('' without --inboxes), keeping the latest `perMessage` releases of each. */
export type ReleaseTables = (inbox: string, perMessage: number) => ReleaseTable;
