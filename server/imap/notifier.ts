import type { FolderInfo } from '../store/folders.js';
import { SEPARATOR } from '../store/folders.js';
import { mailboxKey } from '../store/login.js';
import { toText } from './commands/mailbox-args.js';
import { statusLine } from './commands/status.js';
import { covers, eventsFor, type NotifyEvent, type NotifySpec } from './notify-spec.js';
import type { Session } from './session.js';

/** What changed in a watched mailbox that is not the selected one. */
type Change = 'new' | 'expunge' | 'flags';

/** LIST lines (MailboxName, SubscriptionChange) a session may have waiting; past it, NOTIFICATIONOVERFLOW. */
export const MAX_PENDING_LISTS = 1000;

/** STATUS items in the order they are written. */
const ITEM_ORDER = ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ'];

interface FolderState {
  name: string;
  subscribed: boolean;
}

/**
 * One session's NOTIFY (RFC 5465): watches the store for the events the client asked
 * for and keeps what it owes, one STATUS per changed mailbox however often it changed,
 * until the session may send it (between commands, during IDLE, or after a command).
 * Message events of the selected mailbox travel through its MailboxView; this only
 * wakes the session for them.
 */
export class Notifier {
  readonly #pending = new Map<FolderInfo, Set<Change>>();
  readonly #lists: string[] = [];
  readonly #login: string;
  readonly #off: Array<() => void>;
  /** The login's folders by UIDVALIDITY, which survives a rename (for MailboxName). */
  #folders: Map<number, FolderState>;
  #signalled = false;
  overflowed = false;

  constructor(
    private readonly session: Session,
    readonly spec: NotifySpec,
  ) {
    const store = session.store;
    this.#login = mailboxKey(session.user);
    this.#folders = this.#snapshot();
    const folderOf = (login: string, name: string) => (login === this.#login ? store.folder(login, name) : undefined);
    this.#off = [
      store.on('filed', (e) => this.#message(folderOf(e.login, e.folder), 'MessageNew', 'new')),
      store.on('unfiled', (e) => this.#message(folderOf(e.login, e.folder), 'MessageExpunge', 'expunge')),
      store.on('flags', (e) => {
        if (!this.#hears('FlagChange')) return;
        for (const message of e.messages) {
          for (const place of store.placementsOf(message)) this.#message(folderOf(place.login, place.folder), 'FlagChange', 'flags');
        }
      }),
      store.on('folders', (e) => {
        if (e.login === this.#login) this.#foldersChanged();
      }),
    ];
  }

  /** Whether any group asks for an event (a bulk flag change costs nothing otherwise). */
  #hears(event: NotifyEvent): boolean {
    return Boolean(this.spec.selected?.events.has(event)) || this.spec.others.some((g) => g.events.has(event));
  }

  #message(folder: FolderInfo | undefined, event: NotifyEvent, change: Change): void {
    if (!folder) return;
    if (this.session.view?.folder === folder) {
      // §3.1: the selected mailbox's message events come from SELECTED alone.
      if (this.spec.selected?.events.has(event)) this.#signal();
      return;
    }
    if (!eventsFor(this.spec, folder).has(event)) return;
    let changes = this.#pending.get(folder);
    if (!changes) this.#pending.set(folder, (changes = new Set()));
    changes.add(change);
    this.#signal();
  }

  #snapshot(): Map<number, FolderState> {
    return new Map(this.session.store.listFolders(this.#login).map((f) => [f.uidValidity, { name: f.name, subscribed: f.subscribed }]));
  }

  /** §5.4 MailboxName and §5.5 SubscriptionChange: LIST responses for what a change did to the folder list. */
  #foldersChanged(): void {
    const before = this.#folders;
    const after = this.#snapshot();
    this.#folders = after;
    // §5: the client's own CREATE, DELETE, RENAME or SUBSCRIBE is not echoed back to it.
    if (this.session.busy && !this.session.idling) return;
    const wants = (state: FolderState, event: NotifyEvent) => this.spec.others.some((g) => g.events.has(event) && covers(g.filter, state));
    const name = (n: string) => wireText(this.session, n);
    for (const [validity, old] of before) {
      const now = after.get(validity);
      if (!now) {
        if (wants(old, 'MailboxName')) this.#list(`* LIST (\\NonExistent) "${SEPARATOR}" ${name(old.name)}`);
      } else if (now.name !== old.name) {
        if (wants(now, 'MailboxName') || wants(old, 'MailboxName')) this.#list(`* LIST (${subscribed(now)}) "${SEPARATOR}" ${name(now.name)} ("OLDNAME" (${name(old.name)}))`);
      } else if (now.subscribed !== old.subscribed && wants({ ...now, subscribed: true }, 'SubscriptionChange')) {
        this.#list(`* LIST (${subscribed(now)}) "${SEPARATOR}" ${name(now.name)}`);
      }
    }
    for (const [validity, now] of after) {
      if (!before.has(validity) && wants(now, 'MailboxName')) this.#list(`* LIST (${subscribed(now)}) "${SEPARATOR}" ${name(now.name)}`);
    }
  }

  #list(line: string): void {
    if (this.#lists.length >= MAX_PENDING_LISTS) {
      this.overflowed = true;
      return;
    }
    this.#lists.push(line);
    this.#signal();
  }

  #signal(): void {
    if (this.#signalled) return;
    this.#signalled = true;
    queueMicrotask(() => {
      this.#signalled = false;
      this.session.notifyChanged();
    });
  }

  /** §3.1 STATUS indicator: each watched mailbox's state now, as its events need it. */
  sendInitialStatus(): void {
    for (const folder of this.session.store.listFolders(this.#login)) {
      if (this.session.view?.folder === folder) continue;
      const events = eventsFor(this.spec, folder);
      const items = new Set<string>();
      if (events.has('MessageNew')) for (const item of ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY']) items.add(item);
      if (events.has('MessageExpunge')) items.add('MESSAGES');
      if (events.has('FlagChange')) for (const item of ['UIDVALIDITY', 'HIGHESTMODSEQ']) items.add(item);
      if (items.size > 0) this.#status(folder, items);
    }
  }

  /** Writes what is owed: a STATUS per changed mailbox (§5.1–5.3), then the LIST responses. */
  flush(): void {
    const condstore = this.session.condstore;
    for (const [folder, changes] of this.#pending) {
      // A folder deleted since (or deleted and made anew under its name) has nothing to tell.
      if (this.session.store.folder(this.#login, folder.name) !== folder) continue;
      const items = new Set<string>();
      if (changes.has('new') || changes.has('expunge')) items.add('MESSAGES').add('UIDNEXT');
      if (changes.has('flags')) items.add('UIDVALIDITY').add('UNSEEN');
      if (condstore) items.add('HIGHESTMODSEQ');
      this.#status(folder, items);
    }
    this.#pending.clear();
    for (const line of this.#lists.splice(0)) this.session.write(`${line}\r\n`);
  }

  #status(folder: FolderInfo, items: ReadonlySet<string>): void {
    this.session.write(statusLine(this.session, folder, ITEM_ORDER.filter((item) => items.has(item))));
  }

  close(): void {
    for (const off of this.#off) off();
  }
}

function wireText(session: Session, name: string): string {
  return toText(session.wireName(name));
}

function subscribed(state: FolderState): string {
  return state.subscribed ? '\\Subscribed' : '';
}
