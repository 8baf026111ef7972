import type { Listener } from '../lib/typed-emitter.js';
import type { FolderError, FolderInfo } from './folders.js';
import type {
  BodySummary,
  DeliverInput,
  FlagOperation,
  FolderEntry,
  ListQuery,
  MessageId,
  Page,
  RemoveReason,
  StoredMessage,
  StoreEvents,
  StoreLimits,
  StoreStats,
} from './types.js';

/** One folder a message is filed in, and its UID there. */
export interface FolderPlacement {
  readonly login: string;
  readonly folder: string;
  readonly uid: number;
}

export interface FolderMove {
  /** Source UIDs that were found and moved. */
  readonly from: number[];
  /** Their entries in the target folder, in the same order. */
  readonly to: FolderEntry[];
  /**
   * The source UIDs taken out of the source: all of `from`, except where a move within
   * the catch-all's INBOX kept a message's UID (RFC 6851 §3.1). A client is told of an
   * expunge (and, with QRESYNC, the new HIGHESTMODSEQ) only when this is not empty.
   */
  readonly left: number[];
}

/**
 * What every front and service knows of the store: one interface, implemented by the
 * memory store (memory-store.ts) and by any other backend, all of which pass the same
 * contract suite (test/store/contract.ts).
 *
 * Two kinds of reads, chosen so a backend whose messages live elsewhere (a database
 * shared by several nodes) can serve them:
 * - The index is synchronous: ids, envelopes, header summaries, flags, tags, sizes,
 *   folders, UIDs and counts. Every node keeps it in memory and keeps it current from
 *   the store's events, so listing, searching a summary, IMAP views and POP3 scan
 *   lists never wait.
 * - Message bytes are asynchronous (`readRaw`): a backend may fetch them on demand
 *   through a bounded cache instead of holding every body in memory.
 *
 * Writes are asynchronous: a backend shared by several nodes orders them cluster-wide
 * (seqs, UIDs and mod-sequences come from one place) before it applies them to its
 * index. A write's promise resolves once the index holds the change and it has been
 * announced; it is durable when `flushed()` resolves (deliver: when it resolves). A new
 * message is acknowledged only after that (the SMTP 250, HTTP send's 200, IMAP
 * APPEND's OK: see delivery.ts). `setLimits` is node configuration; the prune it may
 * cause is a write, announced by the time `flushed()` resolves.
 */
export interface MailStore {
  /** Subscribes to a store event; returns the unsubscribe. Events follow the change they announce. */
  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void;

  // ---- Writing --------------------------------------------------------------------

  /**
   * Stores a message, files it (by envelope, or in one folder), announces it and prunes
   * the oldest past the limits. Resolves once the message is durable. Only the
   * delivery service (delivery.ts) calls this in a running sandbox: it owns the size
   * limit and tagging.
   */
  deliver(input: DeliverInput): Promise<StoredMessage>;
  /** Changes flags; announces and returns only the messages that actually changed. */
  setFlags(ids: Iterable<MessageId>, operation: FlagOperation, flags: Iterable<string>): Promise<StoredMessage[]>;
  /** Replaces the tags of messages (trimmed, de-duplicated, sorted); returns those that changed. */
  setTags(ids: Iterable<MessageId>, tags: Iterable<string>): Promise<StoredMessage[]>;
  /** Attaches the body summary computed after delivery (announced as `indexed`). */
  setBody(id: MessageId, body: BodySummary): Promise<void>;
  /** Removes messages from the store and every folder; resolves with how many were removed. */
  remove(ids: Iterable<MessageId>, reason?: RemoveReason): Promise<number>;
  /** Removes everything, announced as one `cleared` event; numbering goes on. */
  clear(): Promise<number>;
  /** Changes the limits and prunes the oldest past them (announced by the time `flushed()` resolves). */
  setLimits(limits: Partial<StoreLimits>): void;
  /** Resolves once every change made so far is durable. */
  flushed(): Promise<void>;
  /**
   * Resolves once the index holds nothing that is not durable, so that what a reader
   * sees next is never taken back. At once on the memory store, whose index is the
   * store itself. A backend that applies a batch of writes to its
   * index before committing it (the PostgreSQL store) resolves once that commit settles,
   * and rejects with StoreUnavailableError while its index holds a batch whose commit
   * failed and which it could not yet read again. A front awaits it before a request
   * reads the index (an IMAP command, an HTTP request, a POP3 maildrop): a client told
   * of a UID a failed commit took back could be told it again for another message,
   * which RFC 3501 §2.3.1.1 forbids.
   */
  settled(): Promise<void>;

  // ---- The index (synchronous) --------------------------------------------------------

  get(id: MessageId): StoredMessage | undefined;
  /** Every message, oldest first. Do not mutate. */
  messages(): readonly StoredMessage[];
  /** The newest message (matching the filter, if one is given). */
  latest(filter?: (message: StoredMessage) => boolean): StoredMessage | undefined;
  /** A page of messages, newest first, with match counts. */
  list(query?: ListQuery): Page<StoredMessage>;
  stats(): StoreStats;
  /** Every tag in use, sorted. */
  tags(): string[];
  readonly limits: StoreLimits;

  // ---- Message bytes (asynchronous) ---------------------------------------------------

  /** The exact bytes of a message, or undefined once it is gone. */
  readRaw(id: MessageId): Promise<Buffer | undefined>;

  // ---- Body search (asynchronous, optional) -------------------------------------------

  /**
   * Present on a store that keeps body search text outside its index (the PostgreSQL
   * store keeps it in the database, so a node's memory does not grow with bodies): the
   * ids of the indexed messages whose search text (BodySummary.searchText, as
   * searchTextOf makes it) contains `text`, a needle already folded and white-space
   * collapsed (bodyQuery); with `among`, only of those messages (a message just
   * indexed, tested by a wait). A search resolves its body terms through this before its
   * synchronous scan (store/search/body-match.ts). Absent, as on the memory store,
   * body terms are matched in each message's summary in memory; a summary that keeps
   * its search text is matched in it even when present (a union of inboxes).
   */
  bodiesContaining?(text: string, among?: readonly MessageId[]): Promise<ReadonlySet<MessageId>>;

  // ---- Folders (DESIGN.md "Mailboxes"; RFC 3501 §6.3) ----------------------------------

  /**
   * Makes a login's standard folders (INBOX and the RFC 6154 ones) when it has none yet,
   * as a write: a backend shared by several nodes makes them once for the cluster, so
   * their UIDVALIDITYs are the same on every node (a read makes them too, but on the
   * node that reads, until the cluster's reach it). The IMAP front awaits it at sign-in.
   * An opened login keeps its folders; one that only mail reached is forgotten when they
   * are empty (store/folders.ts), so senders of unique addresses do not grow the store.
   */
  openFolders(login: string): Promise<void>;
  /**
   * The last client session of a login ended and no node holds it (the caller made
   * sure): it is no longer opened, unless the client made folders or subscriptions of
   * its own there, and is forgotten if its folders are empty. A write.
   */
  closeFolders(login: string): Promise<void>;
  /** The folders of a login, special-use ones first. Every login has INBOX and the RFC 6154 ones. */
  listFolders(login: string): FolderInfo[];
  /** Whether a login has folders now; unlike listFolders, makes none. */
  hasFolders(login: string): boolean;
  folder(login: string, name: string): FolderInfo | undefined;
  /** The entry with this UID in a folder, if any. */
  folderEntry(login: string, name: string, uid: number): FolderEntry | undefined;
  /** Creates a folder, with an RFC 6154 special-use attribute (`\Drafts`…) or ''. */
  createFolder(login: string, name: string, specialUse?: string): Promise<FolderInfo | FolderError>;
  /** Deletes a folder; messages it alone held leave the store (reason `expunged`). */
  deleteFolder(login: string, name: string): Promise<FolderError | undefined>;
  renameFolder(login: string, from: string, to: string): Promise<FolderInfo | FolderError>;
  /**
   * SUBSCRIBE needs an existing folder ('missing' otherwise, 'limit' past
   * MAX_SUBSCRIPTIONS); UNSUBSCRIBE takes any subscribed name, so a deleted folder's
   * subscription can still be dropped (RFC 3501 §6.3.6, §6.3.7). Announced as `folders`.
   */
  subscribeFolder(login: string, name: string, subscribed: boolean): Promise<true | FolderError>;
  /** The names a login subscribed to, whether or not each is a folder now (RFC 3501 §6.3.9). */
  subscriptions(login: string): ReadonlySet<string>;
  /** Every folder (of every login) a message is filed in: what a flag change touches (RFC 5465 FlagChange). */
  placementsOf(message: StoredMessage): FolderPlacement[];
  /** Files messages in another folder too (IMAP COPY); returns the new entries in order. */
  copyToFolder(login: string, name: string, messages: readonly StoredMessage[]): Promise<FolderEntry[] | FolderError>;
  /**
   * Moves entries of one folder to another (RFC 6851 MOVE): files them in the target,
   * then takes them out of the source, never leaving a moved message in no folder.
   * Returns the source UIDs that moved and their new entries, in the same order.
   */
  moveToFolder(login: string, from: string, uids: readonly number[], to: string): Promise<FolderMove | FolderError>;
  /**
   * Takes entries out of a login's folder (IMAP EXPUNGE, POP3 UPDATE); messages no
   * folder holds any more leave the store (reason `expunged`).
   */
  expunge(login: string, folder: string, uids: Iterable<number>): Promise<void>;

  // ---- Mod-sequences (RFC 7162 CONDSTORE/QRESYNC) -------------------------------------

  /**
   * The highest mod-sequence given out so far: to every message change (a message's own
   * `modseq`) and by `nextModseq`. A backend shared by several nodes hands them out from
   * one sequence, so they stay comparable across nodes.
   */
  readonly modseq: number;
  /**
   * A fresh mod-sequence for a change that is not a message's own (RFC 7162 §3.2.7: an
   * expunge raises the folder's HIGHESTMODSEQ); later changes get higher ones. `step`
   * leaves a gap, so values handed out before can be told from those after.
   */
  nextModseq(step?: number): Promise<number>;
}
