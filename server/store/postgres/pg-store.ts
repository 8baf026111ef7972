import type pg from 'pg';
import type { Logger } from '../../lib/log.js';
import { TypedEmitter, type Listener } from '../../lib/typed-emitter.js';
import type { FolderError, FolderInfo } from '../folders.js';
import type { FolderMove, FolderPlacement, MailStore } from '../mail-store.js';
import { MemoryStore } from '../memory-store.js';
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
} from '../types.js';
import { CATCH_ALL, mailboxKey } from '../login.js';
import { StoreUnavailableError } from '../unavailable.js';
import type { BodyCache, BodyShelf } from './body-cache.js';
import { BodyReads } from './body-reads.js';
import { findBodyTexts, indexedBody } from './body-text.js';
import type { ChangeFeed } from './change-feed.js';
import { foldersRecord } from '../journal/durable-store.js';
import { captureRecords, STORE_EVENTS } from './log-capture.js';
import type { LogRecord, LogRow } from './log-record.js';
import { applyRecords, type Announce } from './log-replay.js';
import { compactLog, readLog, readPage, writeLog, type LogBatch } from './log-table.js';
import { announceChanges } from './index-changes.js';
import { snapshotOf, snapshotRecords, snapshotRows } from './log-snapshot.js';

/** What a node behind another's compaction finds in the log: it rebuilds from the snapshot. */
class LogCompactedError extends Error {
  constructor() {
    super('the log was compacted past what this node holds');
  }
}

const SETTLED = Promise.resolve();

/** Reads of the whole log a rebuild makes at most while other nodes keep compacting it. */
const REBUILD_ATTEMPTS = 5;
/** Local writes committed together at most: bounds one transaction's size. */
const MOST_PER_BATCH = 256;
/**
 * Records of churn the log may hold besides twice a snapshot's before it is compacted:
 * enough that a small sandbox is not compacted every few minutes, few enough that a
 * node's start reads little more than the sandbox itself.
 */
const COMPACT_FLOOR = 50_000;

export interface PgStoreOptions {
  pool: pg.Pool;
  /** '' without --inboxes. */
  inbox: string;
  /** The node's body cache, which this store has a shelf of. */
  cache: BodyCache;
  limits: StoreLimits;
  logger: Logger;
  clock: () => Date;
  /** The node's listener for other nodes' writes (shared-store.ts: one for all its inboxes). */
  feed: ChangeFeed;
  /** Whether open() starts the feed and close() ends it (a store opened on its own, open-pg-store.ts). */
  ownsFeed: boolean;
  /** Records the log may hold beyond twice what a snapshot of the sandbox would, before it is compacted (default COMPACT_FLOOR). */
  compactFloor?: number;
  /** Whether close() ends the pool. */
  ownsPool: boolean;
}

interface QueuedWrite {
  apply: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The PostgreSQL backend (DESIGN.md "Backends"): one sandbox shared by every node on
 * one database. The database's log is the one source of truth; each node keeps an
 * index-only MemoryStore in step with it and serves every synchronous read from there.
 *
 * A write is queued, then applied under the inbox's cluster lock after catching up
 * (log-table.ts writeLog): the index computes the change exactly as a memory store
 * does, its announcements become log records, and the records, new bodies and body
 * search texts commit in one transaction with every other write queued meanwhile. The
 * index keeps no search text: body searches ask the database (bodiesContaining).
 * Announcements of local writes wait for the commit, and so do readers (settled()), so
 * nothing uncommitted is ever heard of or read. When a commit fails, the index is
 * rebuilt from the log and the writes reject with StoreUnavailableError.
 *
 * Other nodes' writes arrive by the change feed (change-feed.ts) and are applied by
 * log-replay.ts, which announces them like local ones (a delivery with `remote`).
 * Once the log is much longer than the sandbox, the node that notices compacts it into
 * a snapshot (log-snapshot.ts, #compactIfLong).
 */
export class PgStore implements MailStore {
  readonly #events = new TypedEmitter<StoreEvents>();
  readonly #options: PgStoreOptions;
  readonly #cache: BodyShelf;
  #unlisten: () => void = () => undefined;
  readonly #reads: BodyReads;
  #limits: StoreLimits;
  #index: MemoryStore;
  #detach: () => void = () => undefined;
  /** The last log position the index holds. */
  #applied = 0;
  /** Logins whose folders the log holds (see #folders). */
  #logged = new Set<string>();
  /** The log may hold changes the index lacks (a failed commit, a failed rebuild). */
  #stale = false;
  /**
   * The index holds changes the log lacks: a batch applied whose commit failed, and the
   * rebuild that would take it back failed too. Readers are refused until the index is
   * read again from the log (settled()); that rebuild announces what it takes back
   * (#rebuildOnce), for a listener that heard of it otherwise.
   */
  #dirty = false;
  /** Settles when the batch applied to the index but not yet committed does (see settled()). */
  #uncommitted: Promise<void> | undefined;
  /** Records the log holds, as far as this node knows (another node may have compacted it since). */
  #logRecords = 0;
  /** A compaction of the log under way (#compactIfLong). */
  #compaction: Promise<void> | undefined;
  #closed = false;

  readonly #queue: QueuedWrite[] = [];
  #writing: Promise<void> | undefined;
  /** Serialises what changes the index: a batch of local writes, or catching up. */
  #turn: Promise<void> = Promise.resolve();
  #syncing: Promise<void> | undefined;
  #syncAgain = false;
  /** Another node committed while this one was writing (see changed()). */
  #heardWhileWriting = false;

  // While a batch of local writes is applied: its records, held announcements, new bodies and body search texts.
  #records: LogRecord[] | undefined;
  #held: Array<() => void> | undefined;
  #bodies: Map<string, Buffer> | undefined;
  #texts: Map<string, string> | undefined;

  constructor(options: PgStoreOptions) {
    this.#options = options;
    this.#limits = { ...options.limits };
    this.#reads = new BodyReads(options.pool, options.inbox);
    this.#cache = options.cache.shelf(options.inbox, (id) => this.#fetchBody(id));
    this.#index = this.#newIndex();
    this.#events.on('removed', ({ messages }) => messages.forEach((m) => this.#cache.forget(m.id)));
    this.#events.on('cleared', () => this.#cache.clear());
  }

  /** Listens for other nodes and loads the index from the log; call once, before use. */
  async open(): Promise<void> {
    // Listening first: a write committed while the log is being read is heard of.
    const { feed, inbox } = this.#options;
    if (this.#options.ownsFeed) await feed.start();
    this.#unlisten = feed.subscribe(inbox, (tail) => this.changed(tail === undefined ? undefined : Number(tail)), true);
    await this.#exclusive(() => this.#rebuild());
  }

  /** The change feed calls this when the log may have grown past `pos`. */
  changed(pos?: number): void {
    if (this.#closed || (pos !== undefined && pos <= this.#applied && !this.#stale)) return;
    // Writes under way catch up under the cluster lock anyway; reading the log beside them
    // would take their turn for a round trip each time another node commits.
    if (this.#writing) {
      this.#heardWhileWriting = true;
      return;
    }
    if (this.#syncing) {
      this.#syncAgain = true;
      return;
    }
    this.#syncing = this.#sync().finally(() => (this.#syncing = undefined));
  }

  async #sync(): Promise<void> {
    do {
      this.#syncAgain = false;
      try {
        if (this.#stale) await this.#exclusive(() => this.#rebuild());
        for (let more = true; more; ) {
          // Read outside the turn: a write queued meanwhile need not wait for this round trip
          // (it catches up under the lock itself). What it applied by then is skipped; rows end
          // where transactions end, as #applied does, so the rest follows it without a gap.
          const page = await readPage(this.#options.pool, this.#options.inbox, this.#applied);
          await this.#exclusive(async () => this.#replay(page.rows.filter((row) => row.pos > this.#applied)));
          more = page.more;
        }
      } catch (error) {
        // Behind a compaction: the next round rebuilds from the snapshot.
        if (error instanceof LogCompactedError) {
          this.#syncAgain = true;
          continue;
        }
        this.#options.logger.warn('could not read what other nodes wrote; will try again', { error: String(error) });
        return;
      }
    } while (this.#syncAgain && !this.#closed);
  }

  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  get limits(): StoreLimits {
    return { ...this.#limits };
  }

  // ---- Writing (through the log) ------------------------------------------------------

  deliver(input: DeliverInput): Promise<StoredMessage> {
    return this.#write(async () => {
      const message = await this.#index.deliver(input);
      this.#bodies?.set(message.id, input.raw);
      return message;
    });
  }

  setFlags(ids: Iterable<MessageId>, operation: FlagOperation, flags: Iterable<string>): Promise<StoredMessage[]> {
    const [named, wanted] = [[...ids], [...flags]];
    return this.#write(() => this.#index.setFlags(named, operation, wanted));
  }

  setTags(ids: Iterable<MessageId>, tags: Iterable<string>): Promise<StoredMessage[]> {
    const [named, wanted] = [[...ids], [...tags]];
    return this.#write(() => this.#index.setTags(named, wanted));
  }

  /** The index keeps the summary without its search text, which goes to the database with the batch (body-text.ts). */
  setBody(id: MessageId, body: BodySummary): Promise<void> {
    const text = body.searchText;
    const kept = indexedBody(body);
    return this.#write(async () => {
      await this.#index.setBody(id, kept);
      if (text !== undefined && this.#index.get(id)) this.#texts?.set(id, text);
    });
  }

  remove(ids: Iterable<MessageId>, reason?: RemoveReason): Promise<number> {
    const named = [...ids];
    return this.#write(() => this.#index.remove(named, reason));
  }

  clear(): Promise<number> {
    return this.#write(() => this.#index.clear());
  }

  /** Node configuration; a prune it makes goes through the log, once for the whole cluster. */
  setLimits(limits: Partial<StoreLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
    const wanted = this.limits;
    this.#write(() => this.#index.setLimits(wanted)).catch((error: unknown) => this.#options.logger.warn('could not prune to new limits', { error: String(error) }));
  }

  /**
   * A batch is applied to the index before its commit: a reader waits for the commit,
   * and is refused while a batch that failed to commit is still in the index (#dirty).
   */
  settled(): Promise<void> {
    // Asked before every IMAP command and API request: nothing is made when nothing is pending.
    if (!this.#uncommitted && !this.#dirty) return SETTLED;
    return this.#settling();
  }

  async #settling(): Promise<void> {
    // Between one batch's commit and the next one's apply there is a round trip at least.
    while (this.#uncommitted) await this.#uncommitted;
    if (this.#dirty) throw new StoreUnavailableError(new Error('a write the database did not take is still in the index; it is read again when the database answers'));
  }

  /** Resolves once every write queued so far has settled, and a compaction of the log they started. */
  async flushed(): Promise<void> {
    await this.#write(() => undefined).catch(() => undefined);
    await this.#compaction;
  }

  createFolder(login: string, name: string, specialUse?: string): Promise<FolderInfo | FolderError> {
    return this.#write(() => this.#index.createFolder(login, name, specialUse));
  }

  deleteFolder(login: string, name: string): Promise<FolderError | undefined> {
    return this.#write(() => this.#index.deleteFolder(login, name));
  }

  renameFolder(login: string, from: string, to: string): Promise<FolderInfo | FolderError> {
    return this.#write(() => this.#index.renameFolder(login, from, to));
  }

  subscribeFolder(login: string, name: string, subscribed: boolean): Promise<true | FolderError> {
    return this.#write(() => this.#index.subscribeFolder(login, name, subscribed));
  }

  copyToFolder(login: string, name: string, messages: readonly StoredMessage[]): Promise<FolderEntry[] | FolderError> {
    // By id: the index may have been rebuilt (new records) by the time the write runs.
    const ids = messages.map((m) => m.id);
    return this.#write(() => this.#index.copyToFolder(login, name, ids.map((id) => this.#index.get(id)).filter((m): m is StoredMessage => m !== undefined)));
  }

  moveToFolder(login: string, from: string, uids: readonly number[], to: string): Promise<FolderMove | FolderError> {
    return this.#write(() => this.#index.moveToFolder(login, from, uids, to));
  }

  expunge(login: string, folder: string, uids: Iterable<number>): Promise<void> {
    const named = [...uids];
    return this.#write(async () => void (await this.#index.expunge(login, folder, named)));
  }

  nextModseq(step?: number): Promise<number> {
    return this.#write(async () => {
      const modseq = await this.#index.nextModseq(step);
      this.#records?.push({ t: 'modseq', modseq });
      return modseq;
    });
  }

  /**
   * A write, so a login's first folders come from the one node that holds the cluster
   * lock first: any other finds them in the log as it catches up, and makes none. A
   * login the log holds as opened needs no write; one only mail made is marked opened,
   * so that no node forgets it (store/folders.ts).
   */
  openFolders(login: string): Promise<void> {
    const key = mailboxKey(login);
    if (this.#logged.has(key) && this.#index.folders.opened(key)) return Promise.resolve();
    return this.#write(() => this.#index.openFolders(key));
  }

  /** Opened logins with nothing of a client's own in them (Folders.closable). */
  closableLogins(): string[] {
    return this.#index.folders.closable();
  }

  closeFolders(login: string): Promise<void> {
    const key = mailboxKey(login);
    if (!this.#index.folders.opened(key) || key === CATCH_ALL) return Promise.resolve();
    return this.#write(() => this.#index.closeFolders(key));
  }

  // ---- Reading (the index; bytes through the cache) ------------------------------------

  get(id: MessageId): StoredMessage | undefined {
    return this.#index.get(id);
  }

  messages(): readonly StoredMessage[] {
    return this.#index.messages();
  }

  latest(filter?: (message: StoredMessage) => boolean): StoredMessage | undefined {
    return this.#index.latest(filter);
  }

  list(query?: ListQuery): Page<StoredMessage> {
    return this.#index.list(query);
  }

  stats(): StoreStats {
    return this.#index.stats();
  }

  tags(): string[] {
    return this.#index.tags();
  }

  get modseq(): number {
    return this.#index.modseq;
  }

  async readRaw(id: MessageId): Promise<Buffer | undefined> {
    if (!this.#index.get(id)) return undefined;
    return this.#cache.read(id);
  }

  /** Searched in the database, where the body search texts are (MailStore.bodiesContaining). */
  bodiesContaining(text: string, among?: readonly MessageId[]): Promise<ReadonlySet<MessageId>> {
    return findBodyTexts(this.#options.pool, this.#options.inbox, text, among);
  }

  listFolders(login: string): FolderInfo[] {
    return this.#index.listFolders(login);
  }

  hasFolders(login: string): boolean {
    return this.#index.hasFolders(login);
  }

  folder(login: string, name: string): FolderInfo | undefined {
    return this.#index.folder(login, name);
  }

  folderEntry(login: string, name: string, uid: number): FolderEntry | undefined {
    return this.#index.folderEntry(login, name, uid);
  }

  subscriptions(login: string): ReadonlySet<string> {
    return this.#index.subscriptions(login);
  }

  placementsOf(message: StoredMessage): FolderPlacement[] {
    return this.#index.placementsOf(message);
  }

  /** The last position of the shared log this node's index holds. */
  get position(): number {
    return this.#applied;
  }

  /** Finishes the writes queued, stops listening, and ends the pool if it is the store's. */
  async close(): Promise<void> {
    while (this.#writing) await this.#writing;
    this.#closed = true;
    await this.#compaction;
    this.#unlisten();
    if (this.#options.ownsFeed) await this.#options.feed.close();
    await this.#syncing;
    this.#detach();
    if (this.#options.ownsPool) await this.#options.pool.end();
  }

  // ---- The write path ---------------------------------------------------------------

  #write<T>(apply: () => T | Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreUnavailableError(new Error('the store is closed')));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#writing) return;
    this.#writing = this.#drain().finally(() => {
      this.#writing = undefined;
      // Queued after the drain found the queue empty, but before it was over.
      if (this.#queue.length > 0) this.#kick();
      // What was heard during the last batch's commit may be past what its catch-up read.
      else if (this.#heardWhileWriting) {
        this.#heardWhileWriting = false;
        this.changed();
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      let batch: QueuedWrite[] = [];
      const take = () => (batch = this.#queue.splice(0, MOST_PER_BATCH));
      // #commit settles every write itself; this only keeps a bug there from leaving them pending.
      await this.#exclusive(() => this.#commit(take)).catch((error: unknown) => batch.forEach((write) => write.reject(error)));
    }
  }

  /**
   * Commits the writes queued by the time the cluster lock is held (`take`): those that
   * arrived while this node waited for it, or for its turn, go in the same transaction.
   */
  async #commit(take: () => QueuedWrite[]): Promise<void> {
    let batch: QueuedWrite[] | undefined;
    let settle: () => void = () => undefined;
    const outcomes: Outcome[] = [];
    const held: Array<() => void> = [];
    const bodies = new Map<string, Buffer>();
    const texts = new Map<string, string>();
    const write = () =>
      writeLog(this.#options.pool, this.#options.inbox, {
        position: () => this.#applied,
        catchUp: (rows) => this.#replay(rows),
        apply: async () => {
          batch = take();
          this.#uncommitted = new Promise<void>((resolve) => (settle = resolve));
          const records: LogRecord[] = [];
          [this.#records, this.#held, this.#bodies, this.#texts] = [records, held, bodies, texts];
          try {
            for (const write of batch) {
              try {
                outcomes.push({ ok: true, value: await write.apply() });
              } catch (error) {
                outcomes.push({ ok: false, error });
              }
            }
          } finally {
            [this.#records, this.#held, this.#bodies, this.#texts] = [undefined, undefined, undefined, undefined];
          }
          return this.#batchOf(this.#foldersFirst(records), bodies, texts);
        },
      });
    try {
      try {
        if (this.#stale) await this.#rebuild();
        // Behind a compaction, found while catching up (before any write was taken): rebuilt, then again.
        const last = await write().catch(async (error: unknown) => {
          if (!(error instanceof LogCompactedError) || batch) throw error;
          await this.#rebuild();
          return write();
        });
        if (last !== undefined) {
          this.#logRecords += last - this.#applied;
          this.#applied = last;
        }
      } catch (cause) {
        const error = new StoreUnavailableError(cause);
        this.#options.logger.warn('a write could not be committed', { error: error.message });
        // The index has changes the log lacks: it is thrown away and read again from the log.
        if (batch) {
          this.#dirty = true;
          await this.#rebuild().catch(() => (this.#stale = true));
        }
        for (const write of batch ?? take()) write.reject(error);
        return;
      }
      for (const announce of held) announce();
      for (const [id, raw] of bodies) if (this.#index.get(id)) this.#cache.put(id, raw);
    } finally {
      // Committed and announced, or taken back (or still in the index, then #dirty refuses readers).
      this.#uncommitted = undefined;
      settle();
    }
    this.#compactIfLong();
    (batch ?? []).forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  /**
   * A login's folders must be in the log before anything filed in them, or a node
   * replaying the filing would make them with UIDVALIDITYs of its own. A read may have
   * made them here, outside any write, just before this batch filed a message there:
   * their record goes first then.
   */
  #foldersFirst(records: LogRecord[]): LogRecord[] {
    const ordered: LogRecord[] = [];
    for (const r of records) {
      if (r.t === 'folders') noteLogged(this.#logged, r);
      const logins = r.t === 'msg' ? r.places.map((p) => p.login) : r.t === 'file' ? [r.place.login] : [];
      for (const login of logins) {
        if (this.#logged.has(login)) continue;
        this.#logged.add(login);
        ordered.push(foldersRecord(this.#index, login));
      }
      ordered.push(r);
    }
    return ordered;
  }

  /** What a batch's records mean for the bodies and body text tables. */
  #batchOf(records: LogRecord[], delivered: Map<string, Buffer>, indexed: Map<string, string>): LogBatch {
    const bodies = new Map([...delivered].filter(([id]) => this.#index.get(id) !== undefined));
    const texts = new Map([...indexed].filter(([id]) => this.#index.get(id) !== undefined));
    const deleted = records.flatMap((r) => (r.t === 'remove' ? r.ids.filter((id) => !delivered.has(id)) : []));
    return { records, bodies, deleted, cleared: records.some((r) => r.t === 'clear'), texts };
  }

  /**
   * Compacts the log once it holds well over twice the records a snapshot of the
   * sandbox would (log-table.ts compactLog). The snapshot is taken in this node's turn,
   * so the index stands still at a position a row of the log ends at; it is written
   * outside it, beside this node's writes and every other node's. Whichever node sees
   * the log long first does it; another that sees it meanwhile waits for its lock, finds
   * the log short, and takes no snapshot. While one is under way, commits start none.
   */
  #compactIfLong(): void {
    if (this.#compaction || this.#stale || !this.#tooLong(this.#logRecords)) return;
    this.#compaction = this.#compact()
      .catch((error: unknown) => this.#options.logger.warn('could not compact the log; will try again later', { error: String(error) }))
      .finally(() => (this.#compaction = undefined));
  }

  async #compact(): Promise<void> {
    this.#logRecords = await compactLog(this.#options.pool, this.#options.inbox, {
      position: () => this.#applied,
      worth: (records) => this.#tooLong(records),
      snapshot: () =>
        this.#exclusive(async () => {
          const rows = this.#stale ? undefined : snapshotRows(await snapshotRecords(this.#index), this.#applied);
          return rows && { at: this.#applied, rows };
        }),
    });
  }

  /**
   * Whether a log of `records` is worth compacting: over twice the records a snapshot
   * of the index would hold (a message and its body summary each, a login's folders)
   * and COMPACT_FLOOR more.
   */
  #tooLong(records: number): boolean {
    // Asked after every commit: counts, not lists (every recipient address is a login).
    const snapshot = 2 * this.#index.stats().messages + this.#index.folders.loginCount + 1;
    return records > 2 * snapshot + (this.#options.compactFloor ?? COMPACT_FLOOR);
  }

  /** Runs `task` when nothing else is changing the index. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(task);
    this.#turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  // ---- The index ------------------------------------------------------------------------

  #newIndex(): MemoryStore {
    return new MemoryStore({ limits: this.#limits, clock: this.#options.clock, keepBytes: false });
  }

  /** Forwards the index's announcements, and turns those of local writes into records. */
  #attach(index: MemoryStore): () => void {
    const forward = <K extends keyof StoreEvents>(event: K) => index.on(event, (payload) => this.#announce(event, payload));
    const offs = [...STORE_EVENTS.map((event) => forward(event)), captureRecords(index, () => this.#records)];
    return () => offs.forEach((off) => off());
  }

  #announce: Announce = (event, payload) => {
    if (this.#held) {
      this.#held.push(() => this.#events.emit(event, payload));
      return;
    }
    this.#events.emit(event, payload);
    // The index announces folders outside a local write only when a read made them.
    if (event === 'folders') this.#folders((payload as StoreEvents['folders']).login);
  };

  /**
   * A read made a login's standard folders (a login's first LIST or SELECT): their
   * UIDVALIDITYs must reach the log so every node agrees. Unless another node logged
   * that login's folders first (replaying them replaced this node's), they are logged.
   */
  #folders(login: string): void {
    // Announced as forgotten (store/folders.ts): their record came with the change that did it.
    if (!this.#index.hasFolders(login)) return;
    this.#write(() => {
      // Marked logged by #foldersFirst, in the batch's order: a message filed there earlier
      // in the same batch must still find its folders record before it.
      if (!this.#logged.has(login) && this.#index.hasFolders(login)) this.#records?.push(foldersRecord(this.#index, login));
    }).catch((error: unknown) => this.#options.logger.warn('could not log a login\'s folders', { login, error: String(error) }));
  }

  /** Applies rows other nodes wrote, announcing them. */
  #replay(rows: LogRow[]): void {
    if (rows.length === 0) return;
    if (rows.some((row) => snapshotOf(row))) {
      // Another node compacted the log past what this index holds: only a rebuild reads a snapshot.
      this.#stale = true;
      throw new LogCompactedError();
    }
    for (const row of rows) this.#logRecords += row.records.length;
    // Moved first, so a listener that compares positions sees where the index will be.
    this.#applied = (rows[rows.length - 1] as LogRow).pos;
    try {
      const records = rows.flatMap((r) => r.records);
      for (const r of records) if (r.t === 'folders') noteLogged(this.#logged, r);
      applyRecords(this.#index, records, (event, payload) => this.#events.emit(event, payload));
    } catch (error) {
      // A record the index could not take: read the whole log again before anything else.
      this.#stale = true;
      throw error;
    }
  }

  /**
   * Builds a new index from the log, silently up to what the old one held (or to the
   * end of a compacted log's snapshot, when that is further), then swaps it in and
   * catches up the rest as announced changes. The log is read page by page outside any
   * lock, so another node may compact it meanwhile: the read then starts again.
   */
  async #rebuild(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#rebuildOnce();
      } catch (error) {
        if (!(error instanceof LogCompactedError) || attempt === REBUILD_ATTEMPTS) throw error;
      }
    }
  }

  async #rebuildOnce(): Promise<void> {
    const index = this.#newIndex();
    const logged = new Set<string>();
    const before = this.#applied;
    // A compacted log's snapshot is read silently whole: what it folded together past what
    // the old index held is announced by comparing the two (index-changes.ts).
    let known = before;
    let applied = 0;
    let counted = 0;
    // The snapshot the log began with when the first page was read, if any.
    let first = true;
    let began: number | undefined;
    await readLog(this.#options.pool, this.#options.inbox, 0, (rows) => {
      for (const row of rows) {
        const at = snapshotOf(row)?.at;
        if (first) [first, began] = [false, at];
        // A snapshot that was not where the log began: compacted since the first page was read.
        else if (at !== undefined && at !== began) throw new LogCompactedError();
        known = Math.max(known, at ?? 0);
      }
      // Rows end where a transaction ended, as `known` does.
      const silent = rows.filter((r) => r.pos <= known);
      const records = silent.flatMap((r) => r.records);
      for (const r of records) if (r.t === 'folders') noteLogged(logged, r);
      applyRecords(index, records, () => undefined);
      counted += records.length;
      applied = silent.at(-1)?.pos ?? applied;
      // Past what is read silently, the second read below takes over: no need to read on.
      return silent.length === rows.length;
    });
    this.#detach();
    const old = this.#index;
    const dirty = this.#dirty;
    [this.#index, this.#applied, this.#logged, this.#stale, this.#logRecords, this.#dirty] = [index, applied, logged, false, counted, false];
    this.#detach = this.#attach(index);
    this.#cache.clear();
    if (before > 0 && (known > before || dirty)) announceChanges(old, index, (event, payload) => this.#events.emit(event, payload));
    await readLog(this.#options.pool, this.#options.inbox, this.#applied, (rows) => this.#replay(rows));
  }

  /** Bytes the cache lacks: read together with those asked for in the same turn (body-reads.ts). */
  #fetchBody(id: string): Promise<Buffer | undefined> {
    return this.#reads.read(id, this.#index.get(id)?.size ?? 0);
  }
}

/** Keeps `logged` (the logins whose folders the log holds) as a folders record leaves it. */
function noteLogged(logged: Set<string>, record: Extract<LogRecord, { t: 'folders' }>): void {
  if (record.folders.length > 0) logged.add(record.login);
  else logged.delete(record.login);
}
