/**
 * The store's vocabulary. Every front speaks to the store in these terms and
 * nothing else; the store imports no front.
 */
import type { BodySummary, Envelope, HeaderSummary } from '../mime/types.js';

/** URL-safe, unique for the life of the store (22 base-62 characters, as Mailpit's). */
export type MessageId = string;

/** What mime reads out of a message, and the envelope it reads it against. */
export type { Address, AddressCounts, BodySummary, Envelope, HeaderSummary } from '../mime/types.js';

/** Who handed the message over. */
export interface ClientInfo {
  /** Remote IP address, or '' when the message did not arrive over a socket. */
  address: string;
  /** The HELO/EHLO name, or ''. */
  helo: string;
  /** SMTP AUTH or API user name, or ''. */
  username: string;
  /** Whether the transport was TLS. */
  secure: boolean;
  /** Which front delivered it. */
  via: 'smtp' | 'api' | 'imap' | 'import';
}

export type ReadonlyFlags = ReadonlySet<string>;

/** RFC 3501 §2.3.2: the flag that means "read" everywhere (web inbox, API, POP3, IMAP). */
export const SEEN = '\\Seen';

export interface StoredMessage {
  readonly id: MessageId;
  /** Arrival order: strictly increasing across the store, never reused. */
  readonly seq: number;
  /** How many bytes `raw` holds; part of the index, so counting never needs the bytes. */
  readonly size: number;
  readonly envelope: Envelope;
  readonly receivedAt: Date;
  readonly client: ClientInfo;
  readonly summary: HeaderSummary;
  /** Set after delivery by the indexer; see BodySummary. */
  readonly body: BodySummary | undefined;
  /** IMAP system flags (`\Seen`, `\Flagged`, …) and keywords; `\Seen` is "read" everywhere. */
  readonly flags: ReadonlyFlags;
  readonly tags: readonly string[];
  /** RFC 7162 mod-sequence: the store's change counter at this message's last change. */
  readonly modseq: number;
}

export type RemoveReason = 'deleted' | 'pruned' | 'expunged';

export type FlagOperation = 'add' | 'remove' | 'replace';

export interface DeliverInput {
  /**
   * The id a message moved from another store keeps (letterbox migrate), so links to it
   * still work; a new one when absent. A store refuses one it holds already, or one
   * not of its form (message-id.ts).
   */
  id?: MessageId;
  raw: Buffer;
  envelope: Envelope;
  client?: Partial<ClientInfo>;
  receivedAt?: Date;
  flags?: Iterable<string>;
  tags?: Iterable<string>;
  /**
   * Where the message is filed. By default (`'route'`) it goes to the INBOX of each
   * envelope recipient and the Sent of the sender. An IMAP APPEND files it in one
   * folder only.
   */
  filing?: 'route' | { login: string; folder: string };
}

export interface ListQuery {
  /** Offset from the newest message. */
  start?: number;
  /** Page size; 0 means no limit. */
  limit?: number;
  /** A predicate that a message must satisfy (a compiled search). */
  filter?: (message: StoredMessage) => boolean;
  /** Only messages received strictly before this time. */
  before?: Date;
}

export interface Page<T> {
  items: T[];
  /** How many matched (all of them, not only this page). */
  matched: number;
  /** How many of the matches are unread. */
  matchedUnread: number;
}

export interface StoreStats {
  messages: number;
  unread: number;
  bytes: number;
}

export interface StoreLimits {
  /** Most messages kept; the oldest are pruned first. 0 = unlimited. */
  maxMessages: number;
  /** Most raw bytes kept in all; the oldest are pruned first. 0 = unlimited. */
  maxBytes: number;
}

/** A message's place in a login's folder, numbered by that folder's UIDs. */
export interface FolderEntry {
  readonly uid: number;
  readonly message: StoredMessage;
  /** Whether this placement keeps the message in the store (see folders.ts). */
  readonly counts: boolean;
}

export interface StoreEvents extends Record<string, unknown> {
  /**
   * `remote`: another node of a shared store accepted it (this node learnt it from the
   * shared log), so services that act once per sandbox (webhooks, auto-release, the
   * body indexer) leave it to that node.
   */
  delivered: { message: StoredMessage; remote?: boolean };
  /** Body summary filled in (search and snippets can now see it). */
  indexed: { message: StoredMessage };
  flags: { messages: StoredMessage[] };
  tags: { messages: StoredMessage[] };
  removed: { messages: StoredMessage[]; reason: RemoveReason };
  /** Every message removed at once (delete all). Sent instead of `removed`. */
  cleared: { count: number };
  /** A message was filed in a login's folder. */
  filed: { login: string; folder: string; entry: FolderEntry };
  /**
   * Entries left a login's folder (expunged, moved, or their message removed), at a
   * fresh mod-sequence of the store's (RFC 7162 §3.2.7: an expunge raises the folder's
   * HIGHESTMODSEQ), the same on every node that replays it.
   */
  unfiled: { login: string; folder: string; uids: number[]; modseq: number };
  /** A login's folders were made, or one was created, deleted, renamed or (un)subscribed. */
  folders: { login: string };
}
