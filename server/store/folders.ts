import type { TypedEmitter } from '../lib/typed-emitter.js';
import { CATCH_ALL, mailboxKey } from './login.js';
import { indexByKey, lowerBound, removeByKeys } from './sorted.js';
import type { FolderEntry, StoreEvents, StoredMessage } from './types.js';

/**
 * Per-login folders (DESIGN.md "Mailboxes"). Every login has INBOX and the RFC 6154
 * special-use folders; users may add their own (`/` is the hierarchy separator).
 *
 * A message sits in folders as placements, each with that folder's own UID. A message
 * stays in the store while some *counting* placement holds it: a recipient's INBOX,
 * a copy, an append. The catch-all's INBOX (every message) and the sender's Sent
 * (derived from MAIL FROM) do not count, so a single-recipient message that its
 * recipient deletes over POP3 leaves the web inbox too.
 *
 * Delivery makes folders for every recipient and sender it names, and many senders of
 * test mail give each message addresses of its own. So a login that is not opened is
 * forgotten as soon as its folders hold nothing, and made anew if mail reaches it
 * again, with UIDVALIDITYs above the old ones (RFC 3501 §2.3.1.1). An IMAP session
 * opens its login (MailStore.openFolders) and the last one to end closes it, unless
 * the client made folders or subscriptions of its own there. The rule reads only what
 * every replay of the same changes has too, so a journal and every node of a cluster
 * forget the same logins.
 */

export const SEPARATOR = '/';

/** RFC 6154 special-use folders that every login has, and their attributes. */
export const SPECIAL_FOLDERS: ReadonlyArray<{ name: string; use: string }> = [
  { name: 'INBOX', use: '' },
  { name: 'Sent', use: '\\Sent' },
  { name: 'Drafts', use: '\\Drafts' },
  { name: 'Trash', use: '\\Trash' },
  { name: 'Archive', use: '\\Archive' },
  { name: 'Junk', use: '\\Junk' },
];

/** INBOX and the special folders every login has stay: they cannot be deleted or renamed away. */
function isStandardFolder(name: string): boolean {
  return SPECIAL_FOLDERS.some((special) => special.name === name);
}

export interface FolderInfo {
  readonly name: string;
  /** RFC 6154 attribute such as `\Sent`, or ''. */
  readonly specialUse: string;
  /** RFC 3501 §2.3.1.1: stays the same for the life of the folder. */
  readonly uidValidity: number;
  /** The UID the next message filed here will get. */
  readonly uidNext: number;
  readonly subscribed: boolean;
  /** Entries in ascending UID order. Do not mutate. */
  readonly entries: readonly FolderEntry[];
}

class Folder implements FolderInfo {
  /** Placements, and in the catch-all INBOX the messages themselves (see FiledMessage). */
  readonly entries: Array<Placement | FiledMessage> = [];
  constructor(
    /** The mailbox key of the login whose folder this is. */
    readonly login: string,
    public name: string,
    readonly specialUse: string,
    readonly uidValidity: number,
    private readonly subscriptions: ReadonlySet<string>,
    public uidNext = 1,
  ) {}

  get subscribed(): boolean {
    return this.subscriptions.has(this.name);
  }
}

/**
 * A message's entry in one folder, and a link to the message's next placement: a store
 * of hundreds of thousands of messages keeps one object per placement, with no
 * per-message list, map or counter beside it. Whether it counts is its class (see
 * placementOf), not a field: one word less on each of them.
 */
class Placement implements FolderEntry {
  next: Placement | undefined = undefined;
  constructor(
    readonly folder: Folder,
    readonly uid: number,
    readonly message: FiledMessage,
  ) {}

  get counts(): boolean {
    return false;
  }
}

/** A placement that keeps its message in the store (a recipient's INBOX, a copy, an append). */
class CountingPlacement extends Placement {
  override get counts(): boolean {
    return true;
  }
}

function placementOf(folder: Folder, uid: number, message: FiledMessage, counts: boolean): Placement {
  return counts ? new CountingPlacement(folder, uid, message) : new Placement(folder, uid, message);
}

/** The first of a message's placements, as the store's record keeps it for Folders. */
export type PlacementChain = Placement | undefined;

/**
 * A message as the store hands it to Folders: its record carries Folders' bookkeeping,
 * so that no map beside the messages is needed. It keeps the first of its placements
 * (the rest follow by `next`), and it is its own entry in the catch-all INBOX, which
 * holds every message with its arrival seq as UID and does not count (so that folder
 * costs no object per message).
 */
export interface FiledMessage extends StoredMessage, FolderEntry {
  placements: PlacementChain;
  readonly uid: number;
  readonly message: FiledMessage;
  readonly counts: false;
}

const NO_SUBSCRIPTIONS: ReadonlySet<string> = new Set();

/** Most names one login may subscribe to (RFC 3501 §6.3.6 lets a server refuse more). */
export const MAX_SUBSCRIPTIONS = 10_000;

/** What a login's folder looks like apart from its entries, for saving and restoring. */
export interface FolderSnapshot {
  name: string;
  specialUse: string;
  uidValidity: number;
  uidNext: number;
  subscribed: boolean;
}

/** Where a message is filed, for saving and restoring. */
export interface PlacementRecord {
  login: string;
  folder: string;
  uid: number;
  counts: boolean;
}

export type FolderError = 'exists' | 'missing' | 'protected' | 'invalid' | 'limit';

/**
 * A name a folder may have: no empty level, and no control character. IMAP would send
 * such a name back safely as a literal, but the web inbox, POP3 and logs show it as it
 * is, and a CR in it could end a line there.
 */
function isFolderPath(name: string): boolean {
  return name !== '' && !/[\u0000-\u001f\u007f]/.test(name) && name.split(SEPARATOR).every((part) => part !== '');
}

/**
 * INBOX is case-insensitive (RFC 3501 §5.1), and so is it as the first level of a
 * hierarchy name: `inbox/Done` is `INBOX/Done`, as Dovecot reads it (else CREATE
 * inbox/Done would make a second top-level inbox). Every other name is exact.
 */
export function normaliseFolderName(name: string): string {
  if (name.length < 5 || (name.length > 5 && name[5] !== SEPARATOR) || name.startsWith('INBOX')) return name;
  return name.slice(0, 5).toUpperCase() === 'INBOX' ? 'INBOX' + name.slice(5) : name;
}

export class Folders {
  readonly #byLogin = new Map<string, Map<string, Folder>>();
  /**
   * Subscribed names per login (RFC 3501 §6.3.6). A name, not a folder: it outlives a
   * DELETE (§6.3.9: the server must not drop it on its own) and may name no folder.
   */
  readonly #subscriptions = new Map<string, Set<string>>();
  /** Logins a client session holds, or where a client made folders or subscriptions: kept even when empty. */
  readonly #opened = new Set<string>();
  #nextValidity: number;
  #restoring = false;

  constructor(
    private readonly events: TypedEmitter<StoreEvents>,
    uidValidityBase: number,
    /** The store's next mod-sequence, or `recorded` (a replayed unfile's), which it then keeps above. */
    private readonly modseq: (recorded?: number) => number,
  ) {
    this.#nextValidity = uidValidityBase;
  }

  /** Files a new message: the catch-all INBOX (UID = arrival seq), then by envelope or in one folder. */
  route(message: FiledMessage, filing: 'route' | { login: string; folder: string }): void {
    this.#place(this.#folder(CATCH_ALL, 'INBOX') as Folder, message, false, message.seq);
    if (filing !== 'route') {
      const key = mailboxKey(filing.login);
      const folder = this.#folder(key, filing.folder);
      if (folder && !(key === CATCH_ALL && folder.name === 'INBOX')) this.#place(folder, message, true);
      return;
    }
    for (const recipient of new Set(message.envelope.rcptTo.map(mailboxKey))) {
      if (recipient !== CATCH_ALL) this.#place(this.#folder(recipient, 'INBOX') as Folder, message, true);
    }
    const sender = mailboxKey(message.envelope.mailFrom);
    if (sender !== CATCH_ALL) this.#place(this.#folder(sender, 'Sent') as Folder, message, false);
  }

  /** The folders of a login, special-use ones first. */
  list(login: string): FolderInfo[] {
    return [...this.#mailbox(mailboxKey(login)).values()];
  }

  get(login: string, name: string): FolderInfo | undefined {
    return this.#folder(mailboxKey(login), name);
  }

  /** Files existing messages in another folder (IMAP COPY); returns the new entries in order. */
  copy(login: string, name: string, messages: FiledMessage[]): FolderEntry[] | FolderError {
    const key = mailboxKey(login);
    const folder = this.#folder(key, name);
    if (!folder) return 'missing';
    if (key === CATCH_ALL && folder.name === 'INBOX') {
      // Every message is already in the catch-all INBOX; report where each one is.
      return messages.flatMap((m) => folder.entries.filter((e) => e.message === m));
    }
    return messages.map((message) => this.#place(folder, message, true));
  }

  /**
   * Takes entries out of a folder (EXPUNGE, POP3 UPDATE, the source of a MOVE).
   * Returns the messages no counting placement holds any more: the caller removes
   * them from the store. Expunging the catch-all INBOX returns every message named.
   * `recorded` is the mod-sequence a journal or log gave the unfile being replayed.
   */
  unfile(login: string, name: string, uids: Iterable<number>, recorded?: number): StoredMessage[] {
    const key = mailboxKey(login);
    // Only reads: unfiling from a login without folders (one forgotten, as a replayed record may find it) must not make them.
    const folder = this.#existing(key, name);
    if (!folder) return [];
    const removed = removeByKeys(folder.entries, new Set(uids), (e) => e.uid);
    if (removed.length === 0) return [];
    this.events.emit('unfiled', { login: key, folder: folder.name, uids: removed.map((e) => e.uid), modseq: this.modseq(recorded) });
    const orphans: StoredMessage[] = [];
    for (const entry of removed) {
      if (key === CATCH_ALL && folder.name === 'INBOX') orphans.push(entry.message);
      if (!(entry instanceof Placement)) continue;
      this.#unplace(entry);
      if (entry.counts && !holds(entry.message.placements) && !(key === CATCH_ALL && folder.name === 'INBOX')) orphans.push(entry.message);
    }
    if (folder.entries.length === 0) this.#forgetIfUnused(key);
    return orphans;
  }

  /** Drops every placement of messages that left the store. */
  forget(messages: readonly FiledMessage[]): void {
    const byFolder = new Map<Folder, Set<number>>();
    const add = (folder: Folder, uid: number) => {
      let uids = byFolder.get(folder);
      if (!uids) byFolder.set(folder, (uids = new Set()));
      uids.add(uid);
    };
    const catchAll = this.#folder(CATCH_ALL, 'INBOX') as Folder;
    for (const message of messages) {
      // Its own entry in the catch-all INBOX, if it is still there (a rename of that INBOX moves them out).
      add(catchAll, message.seq);
      for (let place = message.placements; place; place = place.next) add(place.folder, place.uid);
      message.placements = undefined;
    }
    for (const [folder, uids] of byFolder) {
      const removed = removeByKeys(folder.entries, uids, (e) => e.uid);
      if (removed.length === 0) continue;
      const login = folder.login;
      this.events.emit('unfiled', { login, folder: folder.name, uids: removed.map((e) => e.uid), modseq: this.modseq() });
    }
    // Once every folder is told of: a login forgotten earlier would have its later unfiles journaled after it.
    for (const folder of byFolder.keys()) if (folder.entries.length === 0) this.#forgetIfUnused(folder.login);
  }

  /**
   * Drops every placement everywhere (delete all). The folders of opened logins stay,
   * with their UIDNEXT; the others are forgotten.
   */
  forgetAll(): void {
    for (const [login, folders] of this.#byLogin) {
      for (const folder of folders.values()) {
        if (folder.entries.length === 0) continue;
        const uids = folder.entries.map((e) => e.uid);
        for (const entry of folder.entries) if (entry instanceof Placement) entry.message.placements = undefined;
        folder.entries.length = 0;
        this.events.emit('unfiled', { login, folder: folder.name, uids, modseq: this.modseq() });
      }
    }
    this.forgetUnused();
  }

  /** `use` is an RFC 6154 attribute the new folder gets (CREATE-SPECIAL-USE), or ''. */
  create(login: string, name: string, use = ''): FolderInfo | FolderError {
    const key = mailboxKey(login);
    const clean = normaliseFolderName(name.replace(/\/+$/, ''));
    if (!isFolderPath(clean)) return 'invalid';
    const folders = this.#mailbox(key);
    if (folders.has(clean)) return 'exists';
    // RFC 3501 §6.3.3: creating a/b/c also creates the missing superiors.
    const parts = clean.split(SEPARATOR);
    let created: Folder | undefined;
    for (let i = 1; i <= parts.length; i++) {
      const path = parts.slice(0, i).join(SEPARATOR);
      if (!folders.has(path)) created = this.#add(key, folders, path, i === parts.length ? use : '');
    }
    this.events.emit('folders', { login: key });
    return created as Folder;
  }

  /**
   * Deletes a folder and its placements (RFC 3501 §6.3.4). INBOX and the standard special-use
   * folders stay. Returns the messages that nothing holds any more.
   */
  delete(login: string, name: string): StoredMessage[] | FolderError {
    const key = mailboxKey(login);
    const folder = this.#folder(key, name);
    if (!folder) return 'missing';
    if (isStandardFolder(folder.name)) return 'protected';
    const orphans = this.unfile(key, folder.name, folder.entries.map((e) => e.uid));
    this.#mailbox(key).delete(folder.name);
    this.events.emit('folders', { login: key });
    return orphans;
  }

  /**
   * Renames a folder and its inferiors (RFC 3501 §6.3.5). Renaming INBOX moves its
   * messages to a new folder and leaves INBOX empty, as the RFC says.
   */
  rename(login: string, from: string, to: string): FolderInfo | FolderError {
    const key = mailboxKey(login);
    const folders = this.#mailbox(key);
    const source = this.#folder(key, from);
    const target = normaliseFolderName(to.replace(/\/+$/, ''));
    if (!source) return 'missing';
    if (!isFolderPath(target) || target === 'INBOX') return 'invalid';
    if (folders.has(target)) return 'exists';
    if (isStandardFolder(source.name) && source.name !== 'INBOX') return 'protected';
    if (source.name === 'INBOX') {
      const moved = this.create(key, target) as Folder;
      for (const entry of [...source.entries]) this.#place(moved, entry.message, entry.counts);
      this.unfile(key, 'INBOX', source.entries.map((e) => e.uid));
      return moved;
    }
    // A folder cannot become its own inferior: RFC 3501 §6.3.5 renames the inferiors with it.
    if (target.startsWith(source.name + SEPARATOR)) return 'invalid';
    // The source is renamed in this loop too, so its old name is kept for the inferiors.
    const oldName = source.name;
    const prefix = oldName + SEPARATOR;
    const subscriptions = this.#subscribed(key);
    for (const folder of [...folders.values()]) {
      if (folder.name !== oldName && !folder.name.startsWith(prefix)) continue;
      folders.delete(folder.name);
      const wasSubscribed = subscriptions.delete(folder.name);
      folder.name = target + folder.name.slice(oldName.length);
      folders.set(folder.name, folder);
      // A renamed folder keeps its subscription under its new name.
      if (wasSubscribed) subscriptions.add(folder.name);
    }
    this.events.emit('folders', { login: key });
    return source;
  }

  /**
   * SUBSCRIBE needs an existing folder; UNSUBSCRIBE takes any subscribed name, so a
   * deleted folder's subscription can still be dropped (RFC 3501 §6.3.6, §6.3.7).
   */
  subscribe(login: string, name: string, subscribed: boolean): true | FolderError {
    const key = mailboxKey(login);
    const subscriptions = this.#subscribed(key);
    const clean = normaliseFolderName(name);
    if (subscribed) {
      const folder = this.#folder(key, clean);
      if (!folder) return 'missing';
      if (!subscriptions.has(folder.name) && subscriptions.size >= MAX_SUBSCRIPTIONS) return 'limit';
      subscriptions.add(folder.name);
    } else if (!subscriptions.delete(clean)) return 'missing';
    this.events.emit('folders', { login: key });
    return true;
  }

  /** The names a login subscribed to, whether or not each is a folder now (none for a login without folders). */
  subscriptions(login: string): ReadonlySet<string> {
    return this.#subscriptions.get(mailboxKey(login)) ?? NO_SUBSCRIPTIONS;
  }

  /**
   * Marks a login opened by a client (MailStore.openFolders), making its folders if it
   * has none: from now on they stay even when empty. Announced when it changes.
   */
  open(login: string): void {
    const key = mailboxKey(login);
    if (key === CATCH_ALL || this.#opened.has(key)) {
      this.#mailbox(key);
      return;
    }
    this.#opened.add(key);
    const existed = this.#byLogin.has(key);
    // Folders made here are announced as they are made, already marked opened.
    this.#mailbox(key);
    if (existed) this.events.emit('folders', { login: key });
  }

  /**
   * The last client session of a login ended, and no node holds it now (the IMAP front
   * asks the locks): unless a client made folders or subscriptions of its own there,
   * the login is no longer opened, and is forgotten if its folders are empty.
   */
  close(login: string): void {
    const key = mailboxKey(login);
    const folders = this.#byLogin.get(key);
    if (!folders || !this.#opened.has(key) || !this.#asMade(key, folders)) return;
    this.#opened.delete(key);
    // Forgotten: announced so already; else the mark's change is.
    if (!this.#forgetIfUnused(key)) this.events.emit('folders', { login: key });
  }

  /** Opened logins that close() would make no longer opened: nothing of a client's own in them. */
  closable(): string[] {
    return [...this.#opened].filter((key) => this.#asMade(key, this.#byLogin.get(key) as Map<string, Folder>));
  }

  /** Whether a login has folders now (a read that makes none, unlike list()). */
  has(login: string): boolean {
    return this.#byLogin.has(mailboxKey(login));
  }

  /** Whether a client has opened the login (see open()); the catch-all is never forgotten. */
  opened(login: string): boolean {
    const key = mailboxKey(login);
    return key === CATCH_ALL || this.#opened.has(key);
  }

  #subscribed(key: string): Set<string> {
    this.#mailbox(key);
    return this.#subscriptions.get(key) as Set<string>;
  }

  // ---- Saving and restoring (the --data-dir journal) ----------------------------------

  /** Every login that has folders. */
  logins(): string[] {
    return [...this.#byLogin.keys()];
  }

  /** How many logins have folders (logins().length, without the list). */
  get loginCount(): number {
    return this.#byLogin.size;
  }

  /** A login's folders; none once it was forgotten (see the top of this file). */
  snapshot(login: string): FolderSnapshot[] {
    return [...(this.#byLogin.get(mailboxKey(login))?.values() ?? [])].map(({ name, specialUse, uidValidity, uidNext, subscribed }) => ({
      name,
      specialUse,
      uidValidity,
      uidNext,
      subscribed,
    }));
  }

  /**
   * placementsOf for many messages in arrival order, as a snapshot takes them: one walk
   * along the catch-all INBOX (in UID order, its own entries' UIDs their seqs) in place
   * of a search in it per message.
   */
  placementsOfEach(messages: readonly FiledMessage[]): PlacementRecord[][] {
    // Read only: an empty store has no catch-all yet, and a snapshot must not make one.
    const catchAll = this.#byLogin.get(CATCH_ALL)?.get('INBOX');
    const entries = catchAll?.entries ?? [];
    let at = 0;
    return messages.map((message) => {
      while (at < entries.length && (entries[at] as FolderEntry).uid < message.seq) at++;
      return placesOf(message, entries[at]?.uid === message.seq ? catchAll : undefined);
    });
  }

  placementsOf(message: FiledMessage): PlacementRecord[] {
    const catchAll = this.#folder(CATCH_ALL, 'INBOX') as Folder;
    return placesOf(message, indexByKey(catchAll.entries, message.seq, (e) => e.uid) >= 0 ? catchAll : undefined);
  }

  /**
   * Makes a login's folders exactly as saved. Folders are matched by UIDVALIDITY,
   * which a folder keeps through a rename and a new folder never shares; entries are
   * restored separately. `subscribed` lists the saved subscriptions, which may name no
   * folder; journals written before it mark the subscribed folders themselves.
   * `opened`: whether a client has opened the login (see open()). No folders at all:
   * the login was forgotten.
   */
  restoreFolders(login: string, snapshot: readonly FolderSnapshot[], subscribed?: readonly string[], opened = false): void {
    const key = mailboxKey(login);
    if (snapshot.length === 0) {
      // The login was forgotten (see the top of this file).
      this.#drop(key);
      return;
    }
    if (opened) this.#opened.add(key);
    else this.#opened.delete(key);
    this.#restoring = true;
    try {
      // The login's folders as this index has them (a renamed one is known by its
      // UIDVALIDITY and keeps its entries). None are made here for a login it lacks: made,
      // they would take UIDVALIDITYs of this index's counter, which another node's
      // record may give to other folders (it started at another second).
      const byValidity = new Map([...(this.#byLogin.get(key)?.values() ?? [])].map((f) => [f.uidValidity, f]));
      let subscriptions = this.#subscriptions.get(key);
      if (!subscriptions) this.#subscriptions.set(key, (subscriptions = new Set()));
      subscriptions.clear();
      const next = new Map<string, Folder>();
      for (const saved of snapshot) {
        const known = byValidity.get(saved.uidValidity);
        const folder = known?.specialUse === saved.specialUse ? known : new Folder(key, saved.name, saved.specialUse, saved.uidValidity, subscriptions);
        folder.name = saved.name;
        folder.uidNext = Math.max(folder.uidNext, saved.uidNext);
        if (saved.subscribed && !subscribed) subscriptions.add(saved.name);
        next.set(saved.name, folder);
      }
      this.#byLogin.set(key, next);
      for (const name of (subscribed ?? []).slice(0, MAX_SUBSCRIPTIONS)) subscriptions.add(name);
      this.#nextValidity = Math.max(this.#nextValidity, ...snapshot.map((f) => f.uidValidity + 1));
    } finally {
      this.#restoring = false;
    }
  }

  /** Puts a message back exactly where it was filed. */
  restorePlacement(message: FiledMessage, placement: PlacementRecord): void {
    this.#restoring = true;
    try {
      const folder = this.#folder(mailboxKey(placement.login), placement.folder);
      if (folder) this.#place(folder, message, placement.counts, placement.uid);
    } finally {
      this.#restoring = false;
    }
  }

  #place(folder: Folder, message: FiledMessage, counts: boolean, uid = folder.uidNext): FolderEntry {
    const own = !counts && uid === message.seq && folder === this.#byLogin.get(CATCH_ALL)?.get('INBOX');
    const entry = own ? message : placementOf(folder, uid, message, counts);
    // New mail takes UIDNEXT, so it goes last. A restore can come out of UID order: a
    // snapshot (journal or log compaction) lists messages oldest first, each with its
    // placements, and an older message may have been filed after a newer one.
    const last = folder.entries[folder.entries.length - 1];
    if (!last || last.uid < uid) folder.entries.push(entry);
    else folder.entries.splice(lowerBound(folder.entries, uid, (e) => e.uid), 0, entry);
    folder.uidNext = Math.max(folder.uidNext, uid + 1);
    if (entry instanceof Placement) {
      let last = message.placements;
      if (!last) message.placements = entry;
      else {
        while (last.next) last = last.next;
        last.next = entry;
      }
    }
    if (this.#restoring) return entry;
    this.events.emit('filed', { login: folder.login, folder: folder.name, entry });
    return entry;
  }

  /** Takes one placement out of its message's chain. */
  #unplace(entry: Placement): void {
    const message = entry.message;
    if (message.placements === entry) {
      message.placements = entry.next;
      return;
    }
    for (let place = message.placements; place; place = place.next) {
      if (place.next === entry) {
        place.next = entry.next;
        return;
      }
    }
  }

  #mailbox(key: string): Map<string, Folder> {
    let folders = this.#byLogin.get(key);
    if (!folders) {
      folders = new Map();
      this.#byLogin.set(key, folders);
      // The standard folders start subscribed; folders a client creates do not (RFC 3501 §6.3.3).
      this.#subscriptions.set(key, new Set(SPECIAL_FOLDERS.map((special) => special.name)));
      for (const special of SPECIAL_FOLDERS) this.#add(key, folders, special.name, special.use);
      if (!this.#restoring) this.events.emit('folders', { login: key });
    }
    return folders;
  }

  #add(key: string, folders: Map<string, Folder>, name: string, use: string): Folder {
    const folder = new Folder(key, name, use, this.#nextValidity++, this.#subscriptions.get(key) as Set<string>);
    folders.set(name, folder);
    return folder;
  }

  /** Forgets every login #forgetIfUnused would (after a replay of what did not). */
  forgetUnused(): void {
    for (const key of [...this.#byLogin.keys()]) this.#forgetIfUnused(key);
  }

  /**
   * Forgets a login that is not opened once its folders hold nothing (see the top of
   * this file); true when it did. Folders or subscriptions a client made keep it too,
   * whatever the mark says (journals of earlier versions have none).
   */
  #forgetIfUnused(key: string): boolean {
    if (key === CATCH_ALL || this.#opened.has(key)) return false;
    const folders = this.#byLogin.get(key);
    if (!folders || !this.#asMade(key, folders) || [...folders.values()].some((folder) => folder.entries.length > 0)) return false;
    this.#drop(key);
    if (!this.#restoring) this.events.emit('folders', { login: key });
    return true;
  }

  /** Whether a login's folders and subscriptions are the standard ones, as made. */
  #asMade(key: string, folders: Map<string, Folder>): boolean {
    const subscribed = this.#subscriptions.get(key);
    return (
      folders.size === SPECIAL_FOLDERS.length &&
      SPECIAL_FOLDERS.every((special) => folders.get(special.name)?.specialUse === special.use && subscribed?.has(special.name)) &&
      subscribed?.size === SPECIAL_FOLDERS.length
    );
  }

  #drop(key: string): void {
    this.#byLogin.delete(key);
    this.#subscriptions.delete(key);
    this.#opened.delete(key);
  }

  /** Every login has the special folders, whether or not mail has reached it yet. */
  #folder(key: string, name: string): Folder | undefined {
    return this.#mailbox(key).get(normaliseFolderName(name));
  }

  /** The folder if the login has folders now; makes none (unlike #folder). */
  #existing(key: string, name: string): Folder | undefined {
    return this.#byLogin.get(key)?.get(normaliseFolderName(name));
  }

  /** The entry with this UID in a folder, if any. */
  entry(login: string, name: string, uid: number): FolderEntry | undefined {
    // Only reads: a login without folders has no entry, and asking must not make them.
    const folder = this.#existing(mailboxKey(login), name);
    if (!folder) return undefined;
    return folder.entries[indexByKey(folder.entries, uid, (e) => e.uid)];
  }
}

/** Where a message is filed: `catchAll` when its own entry is in that INBOX, then its placements. */
function placesOf(message: FiledMessage, catchAll: Folder | undefined): PlacementRecord[] {
  const places: PlacementRecord[] = catchAll ? [{ login: CATCH_ALL, folder: catchAll.name, uid: message.seq, counts: false }] : [];
  for (let place = message.placements; place; place = place.next) {
    places.push({ login: place.folder.login, folder: place.folder.name, uid: place.uid, counts: place.counts });
  }
  return places;
}

/** Whether a chain of placements holds its message in the store (has a counting placement). */
function holds(first: Placement | undefined): boolean {
  for (let place = first; place; place = place.next) if (place.counts) return true;
  return false;
}
