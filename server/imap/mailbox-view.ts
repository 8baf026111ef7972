import type { FolderInfo } from '../store/folders.js';
import { FolderKeyed } from './folder-keyed.js';
import { mailboxKey } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';
import type { FolderEntry, StoredMessage } from '../store/types.js';
import { MAX_KEYWORDS } from './keywords.js';
import { lowerBound } from './sequence-set.js';
import { SYSTEM_FLAGS } from './system-flags.js';

/**
 * Who has seen which messages as \Recent (RFC 3501 §2.3.2: recent to exactly one
 * session). Per folder, the highest UID a session has claimed.
 */
export class RecentClaims {
  readonly #claimed: FolderKeyed<number>;

  constructor(store: Pick<MailStore, 'listFolders' | 'hasFolders'>) {
    this.#claimed = new FolderKeyed(store);
  }

  /** The highest UID claimed so far (STATUS counts RECENT above it without claiming). */
  claimed(login: string, folder: FolderInfo): number {
    return this.#claimed.get(login, folder) ?? 0;
  }

  /** Claims every UID above what was claimed, up to `upTo`; returns the lowest newly claimed UID bound. */
  claim(login: string, folder: FolderInfo, upTo: number): number {
    const before = this.claimed(login, folder);
    if (upTo > before) this.#claimed.set(login, folder, upTo);
    return before;
  }
}

/** One untagged response the view owes its session. */
export type ViewUpdate =
  | { kind: 'expunge'; seq: number; uid: number }
  | { kind: 'exists'; count: number }
  | { kind: 'recent'; count: number }
  | { kind: 'flags'; seq: number; uid: number; message: StoredMessage };

/**
 * A session's view of its selected folder (RFC 3501 §2.3.1.2): message sequence
 * numbers are positions in this view, which changes only when the session is told.
 * Store events are queued and turned into EXISTS, EXPUNGE and FETCH responses when
 * the session may send them; EXPUNGE is held back during FETCH, STORE and SEARCH
 * (RFC 3501 §7.4.1) so numbers a client is using never shift under it.
 */
export class MailboxView {
  /** Ascending UIDs; sequence number n is index n-1. */
  uids: number[] = [];
  messages: StoredMessage[] = [];
  readonly recent = new Set<number>();
  /** The keywords this session was told of in FLAGS (RFC 3501 §7.2.6), in that order. */
  readonly keywords = new Set<string>();
  readonly #byId = new Map<string, number[]>();
  readonly #expunged = new Set<number>();
  readonly #arrived: FolderEntry[] = [];
  readonly #flagged = new Set<string>();
  readonly #unsubscribe: Array<() => void>;
  readonly login: string;
  #folder: FolderInfo;

  constructor(
    private readonly store: MailStore,
    login: string,
    folder: FolderInfo,
    readonly readOnly: boolean,
    private readonly claims: RecentClaims,
  ) {
    this.login = mailboxKey(login);
    this.#folder = folder;
    for (const entry of folder.entries) {
      this.#add(entry);
      this.learnKeywords(entry.message.flags);
    }
    // RFC 3501 §6.3.2: EXAMINE reports the recent messages but leaves them recent.
    const from = readOnly ? claims.claimed(this.login, folder) : claims.claim(this.login, folder, folder.uidNext - 1);
    for (let i = lowerBound(this.uids, from + 1); i < this.uids.length; i++) this.recent.add(this.uids[i] as number);
    // By name: the folder object the store has now (see `folder`) has the same one.
    const here = (login: string, name: string) => login === this.login && name === this.#folder.name;
    this.#unsubscribe = [
      store.on('filed', (e) => {
        if (!here(e.login, e.folder)) return;
        this.#arrived.push(e.entry);
        this.#signal();
      }),
      store.on('unfiled', (e) => {
        if (!here(e.login, e.folder)) return;
        // Mail that arrived and left before the client was told of it is never announced,
        // and not held: a quiet session must not keep pruned messages (or their bytes) alive.
        const gone = new Set(e.uids);
        if (this.#arrived.some((entry) => gone.has(entry.uid))) {
          const kept = this.#arrived.filter((entry) => !gone.has(entry.uid));
          this.#arrived.length = 0;
          for (const entry of kept) this.#arrived.push(entry);
        }
        for (const uid of e.uids) if (this.seqOf(uid) > 0) this.#expunged.add(uid);
        this.#signal();
      }),
      // A folder deleted with no mail arriving after is found gone here (see `folder`).
      store.on('folders', (e) => {
        if (e.login === this.login) void this.folder;
      }),
      store.on('flags', (e) => {
        for (const message of e.messages) {
          const uids = this.#byId.get(message.id);
          if (!uids) continue;
          // The announced record is the one to show: a shared backend that rebuilt its index
          // (PgStore) announces new records for messages this view holds the old ones of.
          for (const uid of uids) {
            const seq = this.seqOf(uid);
            if (seq > 0) this.messages[seq - 1] = message;
          }
          this.#flagged.add(message.id);
        }
        if (this.#flagged.size > 0) this.#signal();
      }),
    ];
  }

  /**
   * Called (once per burst, after the store's change completes) when updates are
   * queued: IDLE sends them at once (RFC 2177).
   */
  onChange: (() => void) | null = null;

  /**
   * Called once when the folder is gone from the store: deleted or forgotten by another
   * session or node, maybe made again under its name with a new UIDVALIDITY. Nothing of
   * it can be told any more; the session ends with BYE (RFC 2180 §3).
   */
  onGone: (() => void) | null = null;
  #gone = false;
  #signalled = false;

  #signal(): void {
    if (!this.onChange || this.#signalled) return;
    this.#signalled = true;
    queueMicrotask(() => {
      this.#signalled = false;
      this.onChange?.();
    });
  }

  /**
   * The selected folder as the store has it now: a shared backend that rebuilt its index
   * (PgStore) has a new object for it, with the same UIDVALIDITY, whose UIDNEXT and
   * entries are the ones kept up to date. None of that UIDVALIDITY under its name: the
   * folder is gone (onGone), and this one stays as it was. Only reads: a login forgotten
   * elsewhere (store/folders.ts) is not made again by looking.
   */
  get folder(): FolderInfo {
    if (this.#gone) return this.#folder;
    const now = this.store.hasFolders(this.login) ? this.store.folder(this.login, this.#folder.name) : undefined;
    if (now?.uidValidity === this.#folder.uidValidity) this.#folder = now;
    else {
      this.#gone = true;
      queueMicrotask(() => this.onGone?.());
    }
    return this.#folder;
  }

  get name(): string {
    return this.folder.name;
  }

  /** Whether the folder is gone from the store (onGone is then due). */
  get gone(): boolean {
    void this.folder; // reading it is what finds the folder gone
    return this.#gone;
  }

  get count(): number {
    return this.uids.length;
  }

  /** Whether anything waits to be told (IDLE sends at once when so). */
  get pending(): boolean {
    return this.#arrived.length > 0 || this.#expunged.size > 0 || this.#flagged.size > 0;
  }

  /**
   * Records the keywords among `flags` not known yet; true when there were any (FLAGS is
   * then due). STORE and APPEND stop at MAX_KEYWORDS (keywords.ts), but COPY, or a STORE
   * in another folder that holds the same message (flags are the message's), may pass
   * it: further ones are then shown without a new FLAGS response rather than growing it.
   */
  learnKeywords(flags: Iterable<string>): boolean {
    let learned = false;
    for (const flag of flags) {
      if (flag.startsWith('\\') || this.keywords.has(flag) || this.keywords.size >= MAX_KEYWORDS) continue;
      this.keywords.add(flag);
      learned = true;
    }
    return learned;
  }

  /** The FLAGS response's list: the system flags and the known keywords. */
  flagNames(): string {
    return [...SYSTEM_FLAGS, ...this.keywords].join(' ');
  }

  /** The PERMANENTFLAGS list: nothing when read-only, else every flag, and `\*` while new keywords may be made (keywords.ts). */
  permanentFlags(): string {
    if (this.readOnly) return '';
    return this.keywords.size < MAX_KEYWORDS ? `${this.flagNames()} \\*` : this.flagNames();
  }

  /** Sequence number of a UID, or 0. */
  seqOf(uid: number): number {
    const i = lowerBound(this.uids, uid);
    return this.uids[i] === uid ? i + 1 : 0;
  }

  /** Whether a message was expunged by someone but this session was not told yet. */
  isExpunged(uid: number): boolean {
    return this.#expunged.has(uid);
  }

  /** This session reported the flags itself (STORE, FETCH setting \Seen): no echo later. */
  reported(message: StoredMessage): void {
    this.#flagged.delete(message.id);
  }

  /**
   * The updates to send now, applied to the view. With `expunges` false (during
   * FETCH, STORE, SEARCH) expunged messages stay numbered until a later command.
   */
  drain(expunges: boolean): ViewUpdate[] {
    const updates: ViewUpdate[] = [];
    if (expunges && this.#expunged.size > 0) this.#applyExpunges(updates);
    if (this.#arrived.length > 0) {
      const before = this.uids.length;
      const last = this.uids[this.uids.length - 1] ?? 0;
      const folder = this.folder;
      // Filed in another folder of that name: its UIDs are not this one's to tell.
      for (const entry of this.#arrived.splice(0)) {
        if (this.#gone || entry.uid <= last || this.#expunged.has(entry.uid)) continue;
        this.#add(entry);
        const claimedBefore = this.readOnly ? this.claims.claimed(this.login, folder) : this.claims.claim(this.login, folder, entry.uid);
        if (claimedBefore < entry.uid) this.recent.add(entry.uid);
      }
      if (this.uids.length !== before) {
        updates.push({ kind: 'exists', count: this.uids.length });
        updates.push({ kind: 'recent', count: this.recent.size });
      }
    }
    if (this.#flagged.size > 0) {
      const flagged: Array<[number, StoredMessage]> = [];
      for (const id of this.#flagged) {
        for (const uid of this.#byId.get(id) ?? []) {
          const seq = this.seqOf(uid);
          const message = this.messages[seq - 1];
          if (seq > 0 && message && !this.#expunged.has(uid)) flagged.push([seq, message]);
        }
      }
      this.#flagged.clear();
      flagged.sort((a, b) => a[0] - b[0]);
      for (const [seq, message] of flagged) updates.push({ kind: 'flags', seq, uid: this.uids[seq - 1] as number, message });
    }
    return updates;
  }

  #applyExpunges(updates: ViewUpdate[]): void {
    // RFC 3501 §7.4.1: each EXPUNGE renumbers the ones after it, so the k-th removal
    // (in ascending order) of the message at index i is announced as i + 1 - k.
    const keptUids: number[] = [];
    const keptMessages: StoredMessage[] = [];
    let removed = 0;
    for (let i = 0; i < this.uids.length; i++) {
      const uid = this.uids[i] as number;
      const message = this.messages[i] as StoredMessage;
      if (this.#expunged.has(uid)) {
        updates.push({ kind: 'expunge', seq: i + 1 - removed, uid });
        removed++;
        this.recent.delete(uid);
        this.#forget(message.id, uid);
      } else {
        keptUids.push(uid);
        keptMessages.push(message);
      }
    }
    this.uids = keptUids;
    this.messages = keptMessages;
    this.#expunged.clear();
  }

  #add(entry: FolderEntry): void {
    this.uids.push(entry.uid);
    this.messages.push(entry.message);
    const uids = this.#byId.get(entry.message.id);
    if (uids) uids.push(entry.uid);
    else this.#byId.set(entry.message.id, [entry.uid]);
  }

  #forget(id: string, uid: number): void {
    const uids = this.#byId.get(id);
    if (!uids) return;
    const rest = uids.filter((u) => u !== uid);
    if (rest.length > 0) this.#byId.set(id, rest);
    else this.#byId.delete(id);
  }

  /** Stops listening to the store (CLOSE, UNSELECT, another SELECT, logout). */
  close(): void {
    for (const off of this.#unsubscribe) off();
  }

  /** Store access for commands acting on this view. */
  get source(): MailStore {
    return this.store;
  }
}
