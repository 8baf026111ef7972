import { TypedEmitter, type Listener } from '../lib/typed-emitter.js';
import type { FolderError, FolderInfo } from '../store/folders.js';
import type { FolderMove, FolderPlacement, MailStore } from '../store/mail-store.js';
import { newestMatch, pageNewestFirst } from '../store/page.js';
import type {
  BodySummary,
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
} from '../store/types.js';
import type { Inbox, InboxDirectory } from './types.js';

/**
 * One inbox's message as the union shows it. Its `seq` is the union's own: inboxes
 * number their messages each from 1, and the union promises what every store does
 * (seq strictly increasing across it, never reused), which wait-for's `after` relies
 * on. Everything else is read through to the inbox's record, so a flag set there is
 * seen here at once.
 */
class UnionMessage implements StoredMessage {
  /** Taken out of the union, but not yet swept out of its order. */
  gone = false;

  constructor(
    readonly seq: number,
    public record: StoredMessage,
    readonly inbox: Inbox,
  ) {}

  get id(): MessageId {
    return this.record.id;
  }
  get size(): number {
    return this.record.size;
  }
  get envelope(): StoredMessage['envelope'] {
    return this.record.envelope;
  }
  get receivedAt(): Date {
    return this.record.receivedAt;
  }
  get client(): StoredMessage['client'] {
    return this.record.client;
  }
  get summary(): StoredMessage['summary'] {
    return this.record.summary;
  }
  get body(): BodySummary | undefined {
    return this.record.body;
  }
  get flags(): StoredMessage['flags'] {
    return this.record.flags;
  }
  get tags(): readonly string[] {
    return this.record.tags;
  }
  get modseq(): number {
    return this.record.modseq;
  }
}

/** The union store, plus which inbox holds a message (the "all inboxes" view names it). */
export interface UnionStore extends MailStore {
  /** The name of the inbox holding this message, or undefined when no inbox does. */
  inboxOf(id: MessageId): string | undefined;
  /** Stops following the directory and its inboxes. */
  close(): void;
}

const NO_LIMITS: StoreLimits = { maxMessages: 0, maxBytes: 0 };

/**
 * Every inbox of a directory as one read-mostly store: the admin "all inboxes" view
 * (`/all/`) and the embedding handle's `store` (DESIGN.md "Team inboxes").
 *
 * The merged index is kept from the inboxes' events in the order the union saw
 * messages arrive, so a page costs the page and a lookup by id one map probe, however
 * many inboxes there are. Writes go to the inbox that holds each message; new mail
 * never enters here (routing decides its inbox), and the union has no folders: IMAP
 * and POP3 sign in to one inbox.
 */
export function createUnionStore(directory: InboxDirectory): UnionStore {
  return new InboxUnion(directory);
}

class InboxUnion implements UnionStore {
  readonly #events = new TypedEmitter<StoreEvents>();
  /**
   * Oldest first, by the union's seq. A message removed from an inbox is only marked
   * here (`gone`) and swept out before the order is next read, or once half of it is
   * gone: taking one entry out of an array this large moves every entry after it (V8
   * cannot trim an array in its large-object space from the front), which at 100,000
   * messages cost more per pruned message than the rest of a delivery.
   */
  readonly #ordered: UnionMessage[] = [];
  #gone = 0;
  readonly #byId = new Map<MessageId, UnionMessage>();
  /** The inboxes followed, each with its unsubscribes. */
  readonly #followed = new Map<Inbox, Array<() => void>>();
  readonly #offDirectory: Array<() => void>;
  #seq = 0;
  /** Above every mod-sequence `nextModseq` handed out (the inboxes' own go on from theirs). */
  #modseqFloor = 0;
  /** Set while clear() empties every inbox: their `cleared` become one of the union's. */
  #clearing = false;

  constructor(directory: InboxDirectory) {
    this.#offDirectory = [
      directory.on('added', ({ inbox }) => this.#follow(inbox, inbox.store.messages())),
      directory.on('removed', ({ inbox }) => this.#unfollow(inbox)),
    ];
    const inboxes = directory.list();
    for (const message of mergeByArrival(inboxes)) this.#add(message.record, message.inbox);
    for (const inbox of inboxes) this.#follow(inbox, []);
  }

  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void {
    return this.#events.on(event, listener);
  }

  close(): void {
    for (const off of this.#offDirectory) off();
    for (const inbox of [...this.#followed.keys()]) this.#stopFollowing(inbox);
  }

  inboxOf(id: MessageId): string | undefined {
    return this.#byId.get(id)?.inbox.name;
  }

  // ---- Following inboxes -----------------------------------------------------------------

  /**
   * Re-announces an inbox's changes as the union's. Messages it already holds
   * (`held`) join after those the union has: inboxes made at run time start empty,
   * and those read at start are merged by arrival time in the constructor.
   */
  #follow(inbox: Inbox, held: readonly StoredMessage[]): void {
    if (this.#followed.has(inbox)) return;
    for (const record of held) this.#add(record, inbox);
    const { store } = inbox;
    this.#followed.set(inbox, [
      store.on('delivered', ({ message }) => {
        const added = this.#add(message, inbox);
        if (added) this.#events.emit('delivered', { message: added });
      }),
      store.on('indexed', ({ message }) => {
        const [known] = this.#known([message]);
        if (known) this.#events.emit('indexed', { message: known });
      }),
      store.on('flags', ({ messages }) => {
        const known = this.#known(messages);
        if (known.length > 0) this.#events.emit('flags', { messages: known });
      }),
      store.on('tags', ({ messages }) => {
        const known = this.#known(messages);
        if (known.length > 0) this.#events.emit('tags', { messages: known });
      }),
      store.on('removed', ({ messages, reason }) => this.#forget(this.#known(messages), reason)),
      // One inbox emptied is, seen from the union, that inbox's messages removed; during
      // the union's own clear() they become one `cleared` instead.
      store.on('cleared', () => this.#forgetInbox(inbox, this.#clearing)),
    ]);
  }

  /** An inbox gone takes its messages out of the union, announced as deleted. */
  #unfollow(inbox: Inbox): void {
    if (!this.#followed.has(inbox)) return;
    this.#stopFollowing(inbox);
    this.#forgetInbox(inbox, false);
  }

  #stopFollowing(inbox: Inbox): void {
    for (const off of this.#followed.get(inbox) ?? []) off();
    this.#followed.delete(inbox);
  }

  #add(record: StoredMessage, inbox: Inbox): UnionMessage | undefined {
    if (this.#byId.has(record.id)) return undefined;
    const message = new UnionMessage(++this.#seq, record, inbox);
    this.#ordered.push(message);
    this.#byId.set(record.id, message);
    return message;
  }

  /** The union's messages for an inbox's records, each pointed at the record it was given (a backend may hand out a new one on change). */
  #known(records: readonly StoredMessage[]): UnionMessage[] {
    const known: UnionMessage[] = [];
    for (const record of records) {
      const message = this.#byId.get(record.id);
      if (!message) continue;
      message.record = record;
      known.push(message);
    }
    return known;
  }

  #forget(messages: UnionMessage[], reason: RemoveReason): void {
    if (messages.length === 0) return;
    for (const message of messages) {
      message.gone = true;
      this.#byId.delete(message.id);
    }
    this.#gone += messages.length;
    if (this.#gone * 2 > this.#ordered.length) this.#sweep();
    this.#events.emit('removed', { messages, reason });
  }

  /** Takes every message of one inbox out of the union in one pass; announced unless `silently`. */
  #forgetInbox(inbox: Inbox, silently: boolean): void {
    const removed: UnionMessage[] = [];
    for (const message of this.#ordered) {
      if (message.inbox !== inbox || message.gone) continue;
      message.gone = true;
      this.#byId.delete(message.id);
      removed.push(message);
    }
    this.#gone += removed.length;
    this.#sweep();
    if (!silently && removed.length > 0) this.#events.emit('removed', { messages: removed, reason: 'deleted' });
  }

  /** Drops the entries marked gone, in one pass. */
  #sweep(): void {
    if (this.#gone === 0) return;
    let write = 0;
    for (const message of this.#ordered) if (!message.gone) this.#ordered[write++] = message;
    this.#ordered.length = write;
    this.#gone = 0;
  }

  /** The order, swept. */
  #live(): readonly UnionMessage[] {
    this.#sweep();
    return this.#ordered;
  }

  /** The messages of `ids` that the union holds, grouped by the inbox holding each. */
  #byInbox(ids: Iterable<MessageId>): Map<Inbox, MessageId[]> {
    const groups = new Map<Inbox, MessageId[]>();
    for (const id of new Set(ids)) {
      const message = this.#byId.get(id);
      if (!message) continue;
      const group = groups.get(message.inbox);
      if (group) group.push(id);
      else groups.set(message.inbox, [id]);
    }
    return groups;
  }

  // ---- Writing: each change goes to the inbox holding the message ----------------------

  deliver(): Promise<StoredMessage> {
    return Promise.reject(new Error('the union of all inboxes takes no new mail: it enters through routing, into an inbox'));
  }

  setFlags(ids: Iterable<MessageId>, operation: FlagOperation, flags: Iterable<string>): Promise<StoredMessage[]> {
    const wanted = [...flags];
    return this.#delegate(ids, (store, group) => store.setFlags(group, operation, wanted));
  }

  setTags(ids: Iterable<MessageId>, tags: Iterable<string>): Promise<StoredMessage[]> {
    const wanted = [...tags];
    return this.#delegate(ids, (store, group) => store.setTags(group, wanted));
  }

  /**
   * Runs a change in each inbox holding some of `ids` and answers with the union's
   * messages it changed. The inboxes are independent, so their writes run together.
   */
  async #delegate(ids: Iterable<MessageId>, change: (store: MailStore, ids: MessageId[]) => Promise<StoredMessage[]>): Promise<StoredMessage[]> {
    const changed = await Promise.all([...this.#byInbox(ids)].map(([inbox, group]) => change(inbox.store, group)));
    return changed.flatMap((records) => this.#known(records));
  }

  async setBody(id: MessageId, body: BodySummary): Promise<void> {
    await this.#byId.get(id)?.inbox.store.setBody(id, body);
  }

  async remove(ids: Iterable<MessageId>, reason: RemoveReason = 'deleted'): Promise<number> {
    const removed = await Promise.all([...this.#byInbox(ids)].map(([inbox, group]) => inbox.store.remove(group, reason)));
    return sum(removed);
  }

  /** Empties every inbox, announced as one `cleared`. */
  async clear(): Promise<number> {
    let count = 0;
    // Until every inbox has answered: a backend may announce its `cleared` late.
    this.#clearing = true;
    try {
      count = sum(await Promise.all([...this.#followed.keys()].map((inbox) => inbox.store.clear())));
    } finally {
      this.#clearing = false;
    }
    this.#events.emit('cleared', { count });
    return count;
  }

  /** Each inbox keeps its own limits; the union sets none. */
  setLimits(): void {}

  get limits(): StoreLimits {
    return { ...NO_LIMITS };
  }

  async flushed(): Promise<void> {
    await Promise.all([...this.#followed.keys()].map((inbox) => inbox.store.flushed()));
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#followed.keys()].map((inbox) => inbox.store.settled()));
  }

  // ---- The merged index ------------------------------------------------------------------

  get(id: MessageId): StoredMessage | undefined {
    return this.#byId.get(id);
  }

  messages(): readonly StoredMessage[] {
    return this.#live();
  }

  latest(filter?: (message: StoredMessage) => boolean): StoredMessage | undefined {
    return newestMatch(this.#live(), filter);
  }

  list(query: ListQuery = {}): Page<StoredMessage> {
    return pageNewestFirst(this.#live(), query, this.stats().unread);
  }

  /** The inboxes' own counts, summed: one O(1) call per inbox. */
  stats(): StoreStats {
    const total: StoreStats = { messages: 0, unread: 0, bytes: 0 };
    for (const inbox of this.#followed.keys()) {
      const stats = inbox.store.stats();
      total.messages += stats.messages;
      total.unread += stats.unread;
      total.bytes += stats.bytes;
    }
    return total;
  }

  tags(): string[] {
    const all = new Set<string>();
    for (const inbox of this.#followed.keys()) for (const tag of inbox.store.tags()) all.add(tag);
    return [...all].sort((a, b) => a.localeCompare(b));
  }

  readRaw(id: MessageId): Promise<Buffer | undefined> {
    const message = this.#byId.get(id);
    return message ? message.inbox.store.readRaw(id) : Promise.resolve(undefined);
  }

  /**
   * What the inboxes that keep body text outside their index find (MailStore.bodiesContaining);
   * the bodies of the others keep their search text and are matched in memory.
   */
  async bodiesContaining(text: string, among?: readonly MessageId[]): Promise<ReadonlySet<MessageId>> {
    const stores = [...this.#followed.keys()].map((inbox) => inbox.store);
    const found = await Promise.all(stores.map((store) => store.bodiesContaining?.(text, among)));
    return new Set(found.flatMap((ids) => (ids ? [...ids] : [])));
  }

  // ---- Folders: none. IMAP and POP3 sign in to one inbox (USER/INBOX) -------------------

  async openFolders(): Promise<void> {}
  async closeFolders(): Promise<void> {}
  listFolders(): FolderInfo[] {
    return [];
  }
  hasFolders(): boolean {
    return false;
  }
  folder(): FolderInfo | undefined {
    return undefined;
  }
  folderEntry(): FolderEntry | undefined {
    return undefined;
  }
  async createFolder(): Promise<FolderInfo | FolderError> {
    return 'missing';
  }
  async deleteFolder(): Promise<FolderError | undefined> {
    return 'missing';
  }
  async renameFolder(): Promise<FolderInfo | FolderError> {
    return 'missing';
  }
  async subscribeFolder(): Promise<true | FolderError> {
    return 'missing';
  }
  subscriptions(): ReadonlySet<string> {
    return new Set();
  }
  placementsOf(): FolderPlacement[] {
    return [];
  }
  async copyToFolder(): Promise<FolderEntry[] | FolderError> {
    return 'missing';
  }
  async moveToFolder(): Promise<FolderMove | FolderError> {
    return 'missing';
  }
  async expunge(): Promise<void> {}

  // ---- Mod-sequences -------------------------------------------------------------------

  /** The highest any inbox gave out (or this union, through nextModseq). */
  get modseq(): number {
    let highest = this.#modseqFloor;
    for (const inbox of this.#followed.keys()) highest = Math.max(highest, inbox.store.modseq);
    return highest;
  }

  async nextModseq(step = 1): Promise<number> {
    this.#modseqFloor = this.modseq + step;
    return this.#modseqFloor;
  }
}

function sum(counts: readonly number[]): number {
  return counts.reduce((total, count) => total + count, 0);
}

interface Arrival {
  readonly record: StoredMessage;
  readonly inbox: Inbox;
  readonly time: number;
}

/**
 * The messages of inboxes read at start, oldest first by arrival time, each inbox's own
 * order kept (its times need not be in order: an import may carry old dates). Merged two
 * runs at a time, so 100 inboxes cost seven passes, not a hundred comparisons a message.
 */
function mergeByArrival(inboxes: readonly Inbox[]): Arrival[] {
  let runs = inboxes.map((inbox) => inbox.store.messages().map((record): Arrival => ({ record, inbox, time: record.receivedAt.getTime() })));
  while (runs.length > 1) {
    const next: Arrival[][] = [];
    for (let i = 0; i < runs.length; i += 2) next.push(mergeTwo(runs[i] as Arrival[], runs[i + 1] ?? []));
    runs = next;
  }
  return runs[0] ?? [];
}

/** Two runs as one; on equal times the first run's message comes first. */
function mergeTwo(a: readonly Arrival[], b: readonly Arrival[]): Arrival[] {
  const merged: Arrival[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push((b[j] as Arrival).time < (a[i] as Arrival).time ? (b[j++] as Arrival) : (a[i++] as Arrival));
  while (i < a.length) merged.push(a[i++] as Arrival);
  while (j < b.length) merged.push(b[j++] as Arrival);
  return merged;
}
