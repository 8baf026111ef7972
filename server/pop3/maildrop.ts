/**
 * A POP3 maildrop: the INBOX of a login (DESIGN.md "Mailboxes"), snapshot when the
 * session enters TRANSACTION. Message numbers stay the same for the whole session
 * (RFC 1939 §5); DELE only marks, and the marks are applied in the UPDATE state.
 */
import type { MailStore } from '../store/mail-store.js';
import type { FolderEntry, StoredMessage } from '../store/types.js';
import type { Pop3Failure } from './failures.js';
import { wireInfo } from './wire-form.js';

export interface MaildropEntry {
  /** 1-based message number for this session. */
  readonly number: number;
  /** UID of the message in the login's INBOX. */
  readonly uid: number;
  readonly message: StoredMessage;
  /** Octets as RETR sends them, before byte-stuffing (wire-form.ts). */
  readonly size: number;
}

export const INBOX = 'INBOX';

/**
 * Wire sizes (wire-form.ts) by message: measured from the bytes at a maildrop's first
 * opening, then known from the index alone. Held weakly, so they leave with the message.
 */
const wireSizes = new WeakMap<StoredMessage, number>();
/** Bodies read at once while measuring, so a store serving them from elsewhere is asked in parallel, boundedly. */
const READS_AT_ONCE = 16;

/**
 * The wire size of every message, reading the bytes (store.readRaw) of those not
 * measured before. A message gone meanwhile keeps its stored size: it is no longer
 * live, so no listing counts it and RETR answers that it was removed.
 */
async function measureWireSizes(store: MailStore, messages: readonly StoredMessage[]): Promise<number[]> {
  const unknown = messages.filter((message) => !wireSizes.has(message));
  for (let at = 0; at < unknown.length; at += READS_AT_ONCE) {
    await Promise.all(
      unknown.slice(at, at + READS_AT_ONCE).map(async (message) => {
        const raw = await store.readRaw(message.id);
        if (raw) wireSizes.set(message, wireInfo(raw).size);
      }),
    );
  }
  return messages.map((message) => wireSizes.get(message) ?? message.size);
}

export class Maildrop {
  readonly #entries: MaildropEntry[];
  readonly #deleted = new Set<number>();

  private constructor(
    private readonly store: MailStore,
    readonly login: string,
    entries: MaildropEntry[],
  ) {
    this.#entries = entries;
  }

  /** The login's INBOX as it is now. */
  static async open(store: MailStore, login: string): Promise<Maildrop> {
    const folder = inboxOf(store, login);
    const sizes = await measureWireSizes(store, folder.map((entry) => entry.message));
    const entries = folder.map((entry, index) => ({
      number: index + 1,
      uid: entry.uid,
      message: entry.message,
      size: sizes[index] as number,
    }));
    return new Maildrop(store, login, entries);
  }

  /**
   * Parses a message-number argument and finds the message: it must exist, not be
   * marked deleted, and still be in the login's INBOX (another front or a limit may
   * have removed it since the snapshot; then the client gets `-ERR`, never wrong data).
   */
  find(argument: string): MaildropEntry | Pop3Failure {
    // RFC 1939 §5: a message-number is a decimal; anything else is a syntax error.
    if (!/^\d{1,10}$/.test(argument)) return { kind: 'bad-syntax', detail: 'Invalid message number' };
    const entry = this.#entries[Number(argument) - 1];
    if (!entry) return { kind: 'no-such-message', number: argument };
    if (this.#deleted.has(entry.number)) return { kind: 'deleted', number: entry.number };
    if (!this.#present(entry)) return { kind: 'removed', number: entry.number };
    return entry;
  }

  /** Messages neither marked deleted nor removed since the snapshot, in order. */
  *live(): Generator<MaildropEntry> {
    // One merge walk over the snapshot and the folder as it is now, both in UID order.
    const current = inboxOf(this.store, this.login);
    let at = 0;
    for (const entry of this.#entries) {
      while (at < current.length && (current[at] as FolderEntry).uid < entry.uid) at++;
      const now = current[at];
      if (now?.uid === entry.uid && now.message === entry.message && !this.#deleted.has(entry.number)) yield entry;
    }
  }

  /** STAT (RFC 1939 §5): count and octets of the messages not marked deleted. */
  stat(): { count: number; octets: number } {
    let count = 0;
    let octets = 0;
    for (const entry of this.live()) {
      count++;
      octets += entry.size;
    }
    return { count, octets };
  }

  markDeleted(entry: MaildropEntry): void {
    this.#deleted.add(entry.number);
  }

  /** RSET: every mark is undone. */
  unmarkAll(): void {
    this.#deleted.clear();
  }

  /**
   * The UPDATE state (RFC 1939 §6): takes the marked messages out of the login's
   * INBOX; the store removes those no other mailbox holds (DESIGN.md "Deleting").
   * Resolves with how many were marked.
   */
  async commit(): Promise<number> {
    const uids = [...this.#deleted].map((number) => (this.#entries[number - 1] as MaildropEntry).uid);
    if (uids.length > 0) await this.store.expunge(this.login, INBOX, uids);
    return uids.length;
  }

  #present(entry: MaildropEntry): boolean {
    return this.store.folderEntry(this.login, INBOX, entry.uid)?.message === entry.message;
  }
}

/** A login's INBOX as it is now; empty for an address no mail reached, whose folders reading must not make (store/folders.ts). */
function inboxOf(store: MailStore, login: string): readonly FolderEntry[] {
  return (store.hasFolders(login) && store.folder(login, INBOX)?.entries) || [];
}
