import { TypedEmitter, type Listener } from '../lib/typed-emitter.js';
import { summarizeHeaders } from '../mime/summary.js';
import { Folders, type FiledMessage, type FolderError, type FolderInfo, type PlacementChain, type PlacementRecord } from './folders.js';
import type { FolderMove, MailStore } from './mail-store.js';
import { CATCH_ALL, mailboxKey } from './login.js';
import { isMessageId, newMessageId } from './message-id.js';
import { newestMatch, pageNewestFirst } from './page.js';
import { removeByKeys } from './sorted.js';
import { intern, internRecord } from './intern.js';
import { RawArena, type RawHolder } from './raw-arena.js';
import { summaryEntry } from './summary-entry.js';
import { SEEN } from './types.js';
import type {
  BodySummary,
  ClientInfo,
  DeliverInput,
  Envelope,
  FlagOperation,
  FolderEntry,
  HeaderSummary,
  ListQuery,
  MessageId,
  Page,
  RemoveReason,
  StoredMessage,
  StoreEvents,
  StoreLimits,
  StoreStats,
} from './types.js';

/**
 * The store's own record; fronts only ever see it as a readonly StoredMessage.
 *
 * Kept small because a store holds up to hundreds of thousands of them: the arrival
 * time is a number (a Date object costs 96 bytes; a fresh one is made when asked), an
 * empty flag set and tag list are shared until changed, and the header summary is made
 * from the bytes on first use rather than on the SMTP path (it depends on nothing else)
 * and kept in its compact form (summary-entry.ts).
 */
class MessageRecord implements FiledMessage, RawHolder {
  body: BodySummary | undefined = undefined;
  placements: PlacementChain = undefined;
  #summary: HeaderSummary | undefined;
  readonly #receivedAt: number;

  constructor(
    readonly id: MessageId,
    readonly seq: number,
    /**
     * Where the bytes live: the store's arena (raw-arena.ts), which moves them when
     * compacting; empty in an index-only store.
     */
    public raw: Buffer,
    readonly size: number,
    readonly envelope: Envelope,
    receivedAt: Date,
    readonly client: ClientInfo,
    public flags: ReadonlySet<string>,
    public tags: readonly string[],
    public modseq: number,
    summary?: HeaderSummary,
  ) {
    this.#receivedAt = receivedAt.getTime();
    this.#summary = summary && summaryEntry(summary);
  }

  get receivedAt(): Date {
    return new Date(this.#receivedAt);
  }

  get summary(): HeaderSummary {
    return (this.#summary ??= summaryEntry(summarizeHeaders(this.raw, this.envelope)));
  }

  // The record is its own entry in the catch-all INBOX (see FiledMessage in folders.ts).
  get uid(): number {
    return this.seq;
  }

  get message(): this {
    return this;
  }

  get counts(): false {
    return false;
  }
}

/** Shared by every message without flags or tags; replaced, never mutated, on change. */
const NO_FLAGS: ReadonlySet<string> = new Set();
const NO_TAGS: readonly string[] = Object.freeze([]);

/** Stands for the bytes of every message in an index-only store. */
const NO_BYTES = Buffer.alloc(0);
const SETTLED = Promise.resolve();

/**
 * A message as saved by the journal: everything but what is derived from its bytes.
 * An index-only store is given the size and header summary instead of the bytes.
 */
export interface SavedMessage {
  id: MessageId;
  seq: number;
  raw?: Buffer;
  size?: number;
  summary?: HeaderSummary;
  envelope: StoredMessage['envelope'];
  receivedAt: Date;
  client: ClientInfo;
  flags: string[];
  tags: string[];
  modseq: number;
}

export interface MemoryStoreOptions {
  limits: StoreLimits;
  clock?: () => Date;
  /**
   * false: an index only, for a backend that keeps the bytes elsewhere (the PostgreSQL
   * store): sizes and header summaries are kept, the bytes are not (readRaw finds none).
   */
  keepBytes?: boolean;
}

/**
 * The memory backend: messages in memory, newest last, with their flags, tags and
 * folder placements. Every change is announced as a typed event after it is made;
 * with --data-dir the journal (journal/durable-store.ts) makes changes durable.
 * A write is applied and announced within the call, before its promise settles: the
 * promise is the interface's (mail-store.ts), there is nothing here to wait for.
 */
export class MemoryStore implements MailStore {
  readonly #events = new TypedEmitter<StoreEvents>();
  readonly #ordered: MessageRecord[] = [];
  readonly #byId = new Map<MessageId, MessageRecord>();
  readonly #arena = new RawArena<MessageRecord>((record) => this.#byId.get(record.id) === record);
  readonly #clock: () => Date;
  readonly #keepBytes: boolean;
  #limits: StoreLimits;
  #seq = 0;
  #modseq = 0;
  #bytes = 0;
  #unread = 0;
  #commit: () => Promise<void> = () => Promise.resolve();
  /** Why nothing can be made durable any more (the journal's disk refused a write), if so. */
  #broken: () => Error | undefined = () => undefined;
  /** Per-login folders, kept in step with the messages; the journal saves and restores them. */
  readonly folders: Folders;

  constructor(options: MemoryStoreOptions) {
    this.#limits = { ...options.limits };
    this.#clock = options.clock ?? (() => new Date());
    this.#keepBytes = options.keepBytes ?? true;
    this.folders = new Folders(this.#events, Math.floor(this.#clock().getTime() / 1000), (recorded) => {
      this.#modseq = recorded === undefined ? this.#modseq + 1 : Math.max(this.#modseq, recorded);
      return recorded ?? this.#modseq;
    });
  }

  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  get limits(): StoreLimits {
    return { ...this.#limits };
  }

  /**
   * Stores a message, files it, announces it, then prunes the oldest past the limits;
   * all at once, so it is in the index before this returns. Resolves once committed.
   */
  deliver(input: DeliverInput): Promise<StoredMessage> {
    if (input.id !== undefined) {
      // Not echoed when malformed: it may be anything, of any length.
      if (!isMessageId(input.id)) return Promise.reject(new Error('cannot keep the id given: not a message id'));
      if (this.#byId.has(input.id)) return Promise.reject(new Error(`cannot keep the id ${input.id}: a stored message has it`));
    }
    // Refused before it is announced: a sender told to try again must not leave a copy each time.
    const broken = this.#broken();
    if (broken) return Promise.reject(broken);
    const record = this.#add(input);
    return this.#commit().then(
      () => record,
      (error: unknown) => {
        // Not durable, so not kept: the sender is told to try again (SMTP 451), as if it never came.
        this.removeNow([record.id], 'deleted');
        throw error;
      },
    );
  }

  #add(input: DeliverInput): MessageRecord {
    const given = input.client;
    const client = sharedClient({
      address: given?.address ?? '',
      helo: given?.helo ?? '',
      username: given?.username ?? '',
      secure: given?.secure ?? false,
      via: given?.via ?? 'smtp',
    });
    const envelope = sharedEnvelope(input.envelope);
    const flags = input.flags ? new Set(input.flags) : NO_FLAGS;
    const tags = normaliseTags(input.tags ?? []);
    const record = new MessageRecord(
      input.id ?? newMessageId(),
      ++this.#seq,
      this.#keepBytes ? input.raw : NO_BYTES,
      input.raw.length,
      envelope,
      input.receivedAt ?? this.#clock(),
      client,
      flags.size > 0 ? flags : NO_FLAGS,
      tags,
      ++this.#modseq,
      // Made now, while the bytes are at hand, when they are not kept.
      this.#keepBytes ? undefined : summarizeHeaders(input.raw, envelope),
    );
    this.#keep(record);
    this.#ordered.push(record);
    this.#byId.set(record.id, record);
    this.#bytes += record.size;
    if (!record.flags.has(SEEN)) this.#unread++;
    this.folders.route(record, input.filing ?? 'route');
    this.#events.emit('delivered', { message: record });
    this.#prune();
    return record;
  }

  get(id: MessageId): StoredMessage | undefined {
    return this.#byId.get(id);
  }

  readRaw(id: MessageId): Promise<Buffer | undefined> {
    return Promise.resolve(this.#keepBytes ? this.#byId.get(id)?.raw : undefined);
  }

  #keep(record: MessageRecord): void {
    if (this.#keepBytes) record.raw = this.#arena.keep(record.raw, record);
  }

  /** Every message, oldest first. Do not mutate. */
  messages(): readonly StoredMessage[] {
    return this.#ordered;
  }

  /** The newest message (matching the filter, if one is given). */
  latest(filter?: (message: StoredMessage) => boolean): StoredMessage | undefined {
    return newestMatch(this.#ordered, filter);
  }

  /** A page of messages, newest first, with match counts for the list envelope. */
  list(query: ListQuery = {}): Page<StoredMessage> {
    return pageNewestFirst(this.#ordered, query, this.#unread);
  }

  stats(): StoreStats {
    return { messages: this.#ordered.length, unread: this.#unread, bytes: this.#bytes };
  }

  /** Changes flags; announces and returns only the messages that actually changed. */
  async setFlags(ids: Iterable<MessageId>, operation: FlagOperation, flags: Iterable<string>): Promise<StoredMessage[]> {
    const wanted = [...new Set(flags)];
    const changed: MessageRecord[] = [];
    for (const id of new Set(ids)) {
      const record = this.#byId.get(id);
      if (!record) continue;
      const before = [...record.flags].sort().join(' ');
      const wasSeen = record.flags.has(SEEN);
      // A new set each time: the one a message starts with may be shared (NO_FLAGS).
      const next = new Set(operation === 'replace' ? wanted : record.flags);
      for (const flag of wanted) {
        if (operation === 'add') next.add(flag);
        if (operation === 'remove') next.delete(flag);
      }
      record.flags = next.size > 0 ? next : NO_FLAGS;
      if ([...record.flags].sort().join(' ') === before) continue;
      if (wasSeen !== record.flags.has(SEEN)) this.#unread += wasSeen ? 1 : -1;
      record.modseq = ++this.#modseq;
      changed.push(record);
    }
    if (changed.length > 0) this.#events.emit('flags', { messages: changed });
    return changed;
  }

  /** Replaces the tags of messages; announces those that changed. */
  async setTags(ids: Iterable<MessageId>, tags: Iterable<string>): Promise<StoredMessage[]> {
    const next = normaliseTags(tags);
    const changed: MessageRecord[] = [];
    for (const id of new Set(ids)) {
      const record = this.#byId.get(id);
      if (!record || record.tags.join('\0') === next.join('\0')) continue;
      record.tags = next.length > 0 ? [...next] : NO_TAGS;
      changed.push(record);
    }
    if (changed.length > 0) this.#events.emit('tags', { messages: changed });
    return changed;
  }

  /** Every tag in use, sorted. */
  tags(): string[] {
    const all = new Set<string>();
    for (const record of this.#ordered) for (const tag of record.tags) all.add(tag);
    return [...all].sort((a, b) => a.localeCompare(b));
  }

  /** Attaches the body summary computed after delivery. */
  async setBody(id: MessageId, body: BodySummary): Promise<void> {
    const record = this.#byId.get(id);
    if (!record) return;
    record.body = body;
    this.#events.emit('indexed', { message: record });
  }

  /** Removes messages from the store and every folder; resolves with how many were removed. */
  async remove(ids: Iterable<MessageId>, reason: RemoveReason = 'deleted'): Promise<number> {
    return this.removeNow(ids, reason);
  }

  /** `remove`, applied before it returns: the journal's replay rebuilds the store in one go. */
  removeNow(ids: Iterable<MessageId>, reason: RemoveReason = 'deleted'): number {
    const seqs = new Set<number>();
    for (const id of ids) {
      const record = this.#byId.get(id);
      if (record) seqs.add(record.seq);
    }
    return this.#removeSeqs(seqs, reason).length;
  }

  /** Removes everything (delete all), announced as one `cleared` event. */
  async clear(): Promise<number> {
    return this.clearNow();
  }

  /** `clear`, applied before it returns (the journal's replay). */
  clearNow(): number {
    const count = this.#ordered.length;
    this.#ordered.length = 0;
    this.#byId.clear();
    this.#bytes = 0;
    this.#unread = 0;
    this.#arena.clear();
    this.folders.forgetAll();
    this.#events.emit('cleared', { count });
    return count;
  }

  // ---- Folders ------------------------------------------------------------------------

  async openFolders(login: string): Promise<void> {
    this.folders.open(login);
  }

  async closeFolders(login: string): Promise<void> {
    this.folders.close(login);
  }

  listFolders(login: string): FolderInfo[] {
    return this.folders.list(login);
  }

  hasFolders(login: string): boolean {
    return this.folders.has(login);
  }

  folder(login: string, name: string): FolderInfo | undefined {
    return this.folders.get(login, name);
  }

  folderEntry(login: string, name: string, uid: number): FolderEntry | undefined {
    return this.folders.entry(login, name, uid);
  }

  async createFolder(login: string, name: string, specialUse = ''): Promise<FolderInfo | FolderError> {
    return this.folders.create(login, name, specialUse);
  }

  /** RFC 3501 §6.3.4; a message that only this folder held leaves the store. */
  async deleteFolder(login: string, name: string): Promise<FolderError | undefined> {
    const orphans = this.folders.delete(login, name);
    if (typeof orphans === 'string') return orphans;
    this.#removeOrphans(orphans);
    return undefined;
  }

  async renameFolder(login: string, from: string, to: string): Promise<FolderInfo | FolderError> {
    return this.folders.rename(login, from, to);
  }

  async subscribeFolder(login: string, name: string, subscribed: boolean): Promise<true | FolderError> {
    return this.folders.subscribe(login, name, subscribed);
  }

  subscriptions(login: string): ReadonlySet<string> {
    return this.folders.subscriptions(login);
  }

  placementsOf(message: StoredMessage): PlacementRecord[] {
    const record = this.#byId.get(message.id);
    return record ? this.folders.placementsOf(record) : [];
  }

  /** placementsOf of every message, in arrival order (messages()), as a snapshot takes them. */
  placementsOfAll(): PlacementRecord[][] {
    return this.folders.placementsOfEach(this.#ordered);
  }

  /** Puts a restored message back where it was filed (the journal's replay). */
  restorePlacement(id: MessageId, placement: PlacementRecord): void {
    const record = this.#byId.get(id);
    if (record) this.folders.restorePlacement(record, placement);
  }

  async copyToFolder(login: string, name: string, messages: readonly StoredMessage[]): Promise<FolderEntry[] | FolderError> {
    return this.folders.copy(login, name, this.#records(messages));
  }

  /** The store's records of messages a caller names (those still stored). */
  #records(messages: readonly StoredMessage[]): MessageRecord[] {
    const records: MessageRecord[] = [];
    for (const message of messages) {
      const record = this.#byId.get(message.id);
      if (record) records.push(record);
    }
    return records;
  }

  async moveToFolder(login: string, from: string, uids: readonly number[], to: string): Promise<FolderMove | FolderError> {
    const source = this.folders.get(login, from);
    const target = this.folders.get(login, to);
    if (!source || !target) return 'missing';
    const moving = uids.map((uid) => this.folders.entry(login, source.name, uid)).filter((e): e is FolderEntry => e !== undefined);
    const entries = this.folders.copy(login, target.name, this.#records(moving.map((e) => e.message)));
    if (typeof entries === 'string') return entries;
    const moved = moving.map((e) => e.uid);
    // A move within one folder gives the messages new UIDs and expunges the old ones
    // (RFC 6851 §3.1: MOVE is COPY, then expunging the source). Only where the copy
    // kept a message's UID (the catch-all's INBOX) does the message stay where it is.
    const kept = new Set(target.name === source.name ? entries.map((e) => e.uid) : []);
    const leaving = moved.filter((u) => !kept.has(u));
    // The catch-all's INBOX holds every message: leaving it must not delete what was
    // just filed elsewhere, so its entries are unfiled without removing orphans.
    if (mailboxKey(login) === CATCH_ALL && source.name === 'INBOX') this.folders.unfile(login, source.name, leaving);
    else this.#removeOrphans(this.folders.unfile(login, source.name, leaving));
    return { from: moved, to: entries, left: leaving };
  }

  async expunge(login: string, folder: string, uids: Iterable<number>): Promise<void> {
    this.#removeOrphans(this.folders.unfile(login, folder, uids));
  }

  /** Messages that no folder holds any more leave the store. */
  #removeOrphans(messages: readonly StoredMessage[]): void {
    if (messages.length > 0) this.#removeSeqs(new Set(messages.map((m) => m.seq)), 'expunged');
  }

  // ---- Mod-sequences --------------------------------------------------------------------

  async nextModseq(step = 1): Promise<number> {
    this.#modseq += step;
    return this.#modseq;
  }

  get modseq(): number {
    return this.#modseq;
  }

  /**
   * Resolves once every change made so far is durable: at once for a memory-only
   * store, after the journal's fsync with --data-dir.
   */
  flushed(): Promise<void> {
    return this.#commit();
  }

  /** At once: the index is the store (MailStore.settled). */
  settled(): Promise<void> {
    return SETTLED;
  }

  /** Installs the journal's commit, and what says it can no longer commit (see journal/durable-store.ts). */
  setCommitter(commit: () => Promise<void>, broken: () => Error | undefined = () => undefined): void {
    this.#commit = commit;
    this.#broken = broken;
  }

  /**
   * Puts a saved message back as it was (same id, seq, flags, tags, modseq) without
   * filing, announcing or pruning it; the journal restores its placements after.
   */
  restore(saved: SavedMessage): StoredMessage {
    const raw = this.#keepBytes ? saved.raw : undefined;
    const record = new MessageRecord(
      saved.id,
      saved.seq,
      raw ?? NO_BYTES,
      raw?.length ?? saved.size ?? 0,
      sharedEnvelope(saved.envelope),
      saved.receivedAt,
      sharedClient(saved.client),
      saved.flags.length > 0 ? new Set(saved.flags) : NO_FLAGS,
      normaliseTags(saved.tags),
      saved.modseq,
      saved.summary,
    );
    this.#keep(record);
    this.#ordered.push(record);
    this.#byId.set(record.id, record);
    this.#bytes += record.size;
    if (!record.flags.has(SEEN)) this.#unread++;
    this.#seq = Math.max(this.#seq, record.seq);
    this.#modseq = Math.max(this.#modseq, record.modseq);
    return record;
  }

  /** Sets a restored message's flags, tags and modseq exactly as saved, silently. */
  restoreState(id: MessageId, state: { flags: string[]; tags: string[]; modseq: number }): void {
    const record = this.#byId.get(id);
    if (!record) return;
    const wasSeen = record.flags.has(SEEN);
    record.flags = state.flags.length > 0 ? new Set(state.flags) : NO_FLAGS;
    if (wasSeen !== record.flags.has(SEEN)) this.#unread += wasSeen ? 1 : -1;
    record.tags = normaliseTags(state.tags);
    record.modseq = state.modseq;
    this.#modseq = Math.max(this.#modseq, state.modseq);
  }

  setLimits(limits: Partial<StoreLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
    this.#prune();
  }

  #removeSeqs(seqs: Set<number>, reason: RemoveReason): MessageRecord[] {
    const removed = removeByKeys(this.#ordered, seqs, (m) => m.seq);
    if (removed.length > 0) this.#forgetRemoved(removed, reason);
    return removed;
  }

  /** Accounts for messages just taken out of the order, unfiles and announces them. */
  #forgetRemoved(removed: MessageRecord[], reason: RemoveReason): void {
    for (const record of removed) {
      this.#byId.delete(record.id);
      this.#bytes -= record.size;
      if (!record.flags.has(SEEN)) this.#unread--;
    }
    // Once all are gone from the index, so compacting a slab does not move their bytes.
    for (const record of removed) this.#arena.release(record.raw);
    this.folders.forget(removed);
    this.#events.emit('removed', { messages: removed, reason });
  }

  /** Oldest first until both limits hold; the newest message always stays. */
  #prune(): void {
    const { maxMessages, maxBytes } = this.#limits;
    const total = this.#ordered.length;
    let count = 0;
    let bytes = this.#bytes;
    while (total - count > 1 && ((maxMessages > 0 && total - count > maxMessages) || (maxBytes > 0 && bytes > maxBytes))) {
      bytes -= (this.#ordered[count++] as MessageRecord).size;
    }
    if (count === 0) return;
    // The oldest are at the front: taken off directly (shift() is O(1) in V8), without
    // the key lookups #removeSeqs needs for messages from anywhere in the order.
    this.#forgetRemoved(count === 1 ? [this.#ordered.shift() as MessageRecord] : this.#ordered.splice(0, count), 'pruned');
  }
}

/** Tags are trimmed, de-duplicated and sorted so equal sets compare equal. */
function normaliseTags(tags: Iterable<string>): readonly string[] {
  const clean = [...new Set([...tags].map((t) => t.trim()).filter(Boolean))];
  return clean.length > 0 ? clean.sort((a, b) => a.localeCompare(b)) : NO_TAGS;
}

/**
 * Senders, recipients and clients repeat from message to message: one frozen copy of
 * each envelope and client record (and of each address in them) serves them all.
 */
function sharedEnvelope(envelope: Envelope): Envelope {
  const { mailFrom, rcptTo } = envelope;
  return internRecord(JSON.stringify([mailFrom, rcptTo]), () => ({ mailFrom: intern(mailFrom), rcptTo: Object.freeze(rcptTo.map(intern)) as string[] }));
}

function sharedClient(client: ClientInfo): ClientInfo {
  const { address, helo, username, secure, via } = client;
  return internRecord(JSON.stringify([address, helo, username, secure, via]), () => ({ address: intern(address), helo: intern(helo), username: intern(username), secure, via }));
}

/**
 * The bytes a memory store's message holds, read through the message itself (the arena
 * moves them when it compacts, so a holder of this never pins old bytes); undefined for
 * a message whose store keeps its bytes elsewhere (index-only, or another backend).
 * For summaries that read the bytes lazily to save a copy (mime/ascii-text-body.ts).
 */
export function heldBytes(message: StoredMessage): RawHolder | undefined {
  return message instanceof MessageRecord && message.raw.length === message.size ? message : undefined;
}
