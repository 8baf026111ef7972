import type { Logger } from '../lib/log.js';
import { SessionLog } from '../lib/session-log.js';
import type { TlsMaterial } from '../lib/tls.js';
import type { MailboxAccess, MailboxSignIn } from '../security/mailbox-sign-in.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';
import { bad, no, type CommandEntry, type State, type Status } from './command.js';
import { fetchTargets, renderable, renderFetch, type FetchTarget } from './commands/fetch.js';
import type { Connection } from './connection.js';
import type { ImapConfig } from './options.js';
import { astring, type ImapOutput } from './encode.js';
import type { Frame } from './framer.js';
import { encodeMailboxName, NotAMailboxName } from './mailbox-name.js';
import type { MailboxSpace, MailboxSpaces } from './mailbox-spaces.js';
import type { MailboxView, ViewUpdate } from './mailbox-view.js';
import type { FetchItem } from './fetch-items.js';
import type { Notifier } from './notifier.js';
import { ParseError, Reader } from './parser.js';
import { SearchContexts } from './search-context.js';
import { formatUidSet, LAST_RESULT, lowerBound, resolveSequenceNumbers, resolveUids, type SequenceSet } from './sequence-set.js';
import { isStoreUnavailable } from '../store/store-unavailable.js';
import { StoreUnavailableError } from '../store/unavailable.js';
import { loginHoldName } from '../store/login.js';
import type { NamedLocks } from '../locks/named-locks.js';

/** What every session of the IMAP front shares. */
export interface ImapContext {
  config: ImapConfig;
  logger: Logger;
  tls: TlsMaterial | null;
  /** How a login is checked and which store it reads. */
  signIn: MailboxSignIn;
  /** Expunge history and \Recent claims, per store. */
  spaces: MailboxSpaces;
  commands: ReadonlyMap<string, CommandEntry>;
  /** Which logins sessions hold, on this node or another (see Session.holdLogin). */
  locks: NamedLocks;
}

/** Bytes a client may leave unread before NOTIFY stops pushing to it. */
const NOTIFY_BACKLOG = 1024 * 1024;

/** Tags are at most this long in replies to lines that could not be read whole. */
const TAG_IN_HEAD = /^([^\s(){%*"\\+]{1,64}) /;

/**
 * One IMAP session: the RFC 3501 §3 state machine and the dispatcher. It reads one
 * command at a time, runs it from the command table if the state allows, sends the
 * mailbox updates the command may carry, then the tagged status.
 */
export class Session {
  state: State = 'not-authenticated';
  /** The login name as the client gave it. */
  account = '';
  /** The login the store keeps folders under (an address, or anything else for the catch-all). */
  user = '';
  #access: MailboxAccess | undefined;
  #space: MailboxSpace | undefined;
  /** Lets go of the login this session holds (holdLogin). */
  #letGo: (() => void) | undefined;
  view: MailboxView | null = null;
  /** ENABLEd extensions (RFC 5161), upper case. */
  readonly enabled = new Set<string>();
  /** RFC 7162 §3.1: CONDSTORE is on once the client used it. */
  condstore = false;
  /** RFC 5465 NOTIFY: the events the client asked to hear of, or null (NOTIFY NONE). */
  notifier: Notifier | null = null;
  /** A command is running: unsolicited responses wait for its end (IDLE excepted). */
  busy = false;
  /** IDLE is waiting for DONE: updates go out at once (RFC 2177, RFC 5465 §4). */
  idling = false;
  /** RFC 5182 search result variable (`$`): UIDs in the selected folder, ascending. */
  searchResult: readonly number[] = [];
  /** RFC 5267 §4 results kept live (SEARCH/SORT RETURN (UPDATE)). */
  readonly contexts = new SearchContexts();
  readonly log: Logger;
  /** The session's one line in the log, written when it ends. */
  readonly summary: SessionLog;

  constructor(
    readonly conn: Connection,
    readonly ctx: ImapContext,
  ) {
    this.log = ctx.logger.child({ front: 'imap', client: conn.remoteAddress });
    this.summary = new SessionLog(ctx.logger.child({ front: 'imap' }), 'imap', { client: conn.remoteAddress });
  }

  /**
   * Turns CONDSTORE on for a command that uses it (RFC 7162 §3.1). The first such
   * command on a selected mailbox first sends OK [HIGHESTMODSEQ], so a client that did
   * not SELECT (CONDSTORE) still learns where the mailbox stands.
   */
  enableCondstore(): void {
    if (this.condstore) return;
    this.condstore = true;
    if (this.view && this.state === 'selected') this.untagged(`OK [HIGHESTMODSEQ ${this.space.history.highestModseq(this.view.login, this.view.folder)}] Highest`);
  }

  /** RFC 7162 §3.2.3: QRESYNC is on once ENABLEd (it turns CONDSTORE on too). */
  get qresync(): boolean {
    return this.enabled.has('QRESYNC');
  }

  get rev2(): boolean {
    return this.enabled.has('IMAP4REV2');
  }

  /** Quoted strings and mailbox names may carry UTF-8 (RFC 9051, RFC 6855). */
  get utf8(): boolean {
    return this.rev2 || this.enabled.has('UTF8=ACCEPT');
  }

  /**
   * Holds the login a session is about to enter, shared with every other session of it
   * on any node, and opens its folders: while held, no node forgets them (store/folders.ts).
   * Resolves with the hold's release.
   */
  async holdLogin(access: MailboxAccess): Promise<() => void> {
    let letGo: () => void;
    try {
      letGo = await this.ctx.locks.share(heldName(access));
    } catch (error) {
      throw new StoreUnavailableError(error);
    }
    try {
      await access.store.openFolders(access.login);
    } catch (error) {
      letGo();
      throw error;
    }
    return letGo;
  }

  /** Enters the authenticated state, reading the store the login was given and holding it (holdLogin). */
  signedIn(account: string, access: MailboxAccess, letGo: () => void): void {
    this.account = account;
    this.user = access.login;
    this.#access = access;
    this.#letGo = letGo;
    this.#space = this.ctx.spaces.of(access.store);
    this.state = 'authenticated';
  }

  /** What the login reads; commands that touch mail run only once it is set. */
  get access(): MailboxAccess {
    if (!this.#access) throw new Error('no mailbox before login');
    return this.#access;
  }

  get space(): MailboxSpace {
    if (!this.#space) throw new Error('no mailbox before login');
    return this.#space;
  }

  get store(): MailStore {
    return this.access.store;
  }

  /** Whether this session reads that store (its inbox was removed: the session ends). */
  reads(store: MailStore): boolean {
    return this.#access?.store === store;
  }

  /**
   * Whether the login may no longer read its inbox (a reload of the inbox file took it
   * from the user); the session is then ended, and nothing more of the inbox is sent.
   */
  withdrawn(): boolean {
    const access = this.#access;
    if (!access || access.stillAllowed()) return false;
    if (this.state !== 'logout') this.end(`Access to inbox ${access.inbox?.name ?? ''} was withdrawn`, 'access withdrawn');
    return true;
  }

  /**
   * Ends the session from outside, between or during commands: BYE (RFC 3501 §7.1.5),
   * then no further command is read and the socket closes.
   */
  end(text: string, why: string): void {
    this.summary.set({ ended: why });
    this.untagged(`BYE ${text}`);
    this.state = 'logout';
    this.conn.close();
  }

  /** Lets the login go; the last session of it on any node closes it (MailStore.closeFolders). */
  async #leave(): Promise<void> {
    const [access, letGo] = [this.#access, this.#letGo];
    this.#letGo = undefined;
    if (!access || !letGo) return;
    letGo();
    try {
      const alone = await this.ctx.locks.tryAcquire(heldName(access));
      if (!alone) return;
      try {
        await access.store.closeFolders(access.login);
      } finally {
        alone();
      }
    } catch (error) {
      this.log.warn('could not close the folders of a login', { error: String(error) });
    }
  }

  get loginDisabled(): boolean {
    return this.ctx.config.imapRequireTls && !this.conn.secure;
  }

  capabilities(): string[] {
    const caps = ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'SASL-IR', 'ID', 'ENABLE', 'IDLE', 'NAMESPACE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'CHILDREN', 'SPECIAL-USE', 'CONDSTORE', 'QRESYNC', 'NOTIFY', 'ESEARCH', 'SEARCHRES', 'BINARY', 'UTF8=ACCEPT', 'LIST-STATUS', 'LIST-EXTENDED', 'MULTIAPPEND', 'CATENATE', 'CREATE-SPECIAL-USE', 'SORT', 'SORT=DISPLAY', 'ESORT', 'CONTEXT=SEARCH', 'CONTEXT=SORT', 'PARTIAL', 'THREAD=REFERENCES', 'THREAD=ORDEREDSUBJECT', 'WITHIN', `APPENDLIMIT=${this.ctx.config.imapMaxLiteral}`];
    if (this.ctx.tls && !this.conn.secure) caps.push('STARTTLS');
    if (this.state === 'not-authenticated') {
      if (this.loginDisabled) caps.push('LOGINDISABLED');
      else caps.push('AUTH=PLAIN', 'AUTH=LOGIN', ...(this.ctx.signIn.withChallenge ? ['AUTH=CRAM-MD5'] : []));
    }
    return caps;
  }

  write(data: ImapOutput): void {
    this.conn.writer.write(data);
  }

  untagged(text: string): void {
    this.conn.writer.write(`* ${text}\r\n`);
  }

  /** A mailbox name for a response. */
  wireName(name: string): ImapOutput {
    return astring(this.utf8 ? name : encodeMailboxName(name), { utf8: this.utf8 });
  }

  /** The next line the client sends mid-command (AUTHENTICATE, IDLE's DONE), or null when gone. */
  async readLine(): Promise<string | null> {
    this.conn.writer.flush();
    const frame = await this.conn.next();
    if (!frame) return null;
    if (frame.kind !== 'line') return '';
    return frame.bytes.toString('utf8').replace(/\r?\n$/, '');
  }

  /** Runs commands until the client leaves or logs out. */
  async run(): Promise<void> {
    // RFC 3501 §5.4: autologout after at least 30 minutes of silence; the same time
    // is the most one line may take to arrive.
    this.conn.onTimeout((why) =>
      why === 'idle' ? this.end('Autologout; idle for too long', 'idle') : this.end('Autologout; a command line took too long to arrive', 'line too slow'),
    );
    const greeting = this.loginDisabled || !this.ctx.signIn.anyPassword ? 'Letterbox IMAP ready' : 'Letterbox IMAP ready (any password)';
    this.untagged(`OK [CAPABILITY ${this.capabilities().join(' ')}] ${greeting}`);
    this.conn.writer.flush();
    try {
      for (;;) {
        const frame = await this.conn.next();
        if (!frame) break;
        await this.#handle(frame);
        if (!this.conn.hasQueued) this.conn.writer.flush();
        if (this.state === 'logout') break;
      }
    } finally {
      this.notifier?.close();
      this.notifier = null;
      this.view?.close();
      this.view = null;
      void this.#leave();
      if (this.state === 'logout') this.conn.close();
      this.summary.set({ tls: this.conn.secure, ...(this.account ? { user: this.account } : {}) });
      this.summary.end(this.state === 'logout' ? 'logout' : 'dropped');
    }
  }

  async #handle(frame: Frame): Promise<void> {
    this.summary.count('commands');
    if (frame.kind === 'too-long') {
      this.#status(tagOf(frame.head), bad('Command line too long'));
      return;
    }
    if (frame.kind === 'literal-too-big') {
      const tag = tagOf(frame.head);
      if (frame.sync) {
        // RFC 7889: the client waits for `+`, so it can go on after a NO.
        this.#status(tag, no('Literal too large', `TOOBIG`));
        return;
      }
      // RFC 7888 §4: the bytes of a non-synchronising literal are already coming.
      this.#status(tag, bad('Literal too large', 'TOOBIG'));
      this.untagged('BYE Literal too large');
      this.summary.set({ ended: 'literal too large' });
      this.state = 'logout';
      return;
    }
    const r = new Reader(frame.bytes);
    let tag: string;
    let name: string;
    try {
      tag = r.tag();
      r.sp();
      name = r.atom().toUpperCase();
    } catch {
      this.untagged('BAD Could not read a tag and a command');
      return;
    }
    const uid = name === 'UID';
    if (uid) {
      try {
        r.sp();
        name = 'UID ' + r.atom().toUpperCase();
      } catch {
        this.#status(tag, bad('UID needs a command'));
        return;
      }
    }
    const entry = this.ctx.commands.get(name);
    if (!entry) {
      this.#status(tag, bad(`Unknown command ${name.slice(0, 40)}`));
      return;
    }
    if (!entry.states.includes(this.state)) {
      this.#status(tag, bad(`${name} is not valid in the ${this.state} state`));
      return;
    }
    if (this.withdrawn()) return;
    let status: Status;
    this.busy = true;
    try {
      const runner = entry.prepare(r, this);
      // What the command reads of the index is durable (MailStore.settled).
      if (this.#access && entry.readsStore) await this.#access.store.settled();
      status = await runner({ tag, name, uid });
    } catch (error) {
      if (error instanceof ParseError) status = bad(`${name}: ${error.message}`);
      else if (error instanceof NotAMailboxName) status = no(`${name}: ${error.message}`, 'CANNOT');
      // RFC 5530 §3: the store's database is gone for now; the client may retry, the connection goes on.
      else if (isStoreUnavailable(error)) status = no('The mail store is unavailable, try again later', 'UNAVAILABLE');
      else {
        this.log.error('imap command failed', { command: name, error });
        status = no('Internal error', 'SERVERBUG');
      }
    } finally {
      this.busy = false;
    }
    if (this.view && this.state === 'selected') {
      this.sendUpdates(!entry.holdsExpunges);
      // RFC 5465 §5.2: a MessageNew FETCH this command brought comes before its tagged status.
      await this.#announcing;
      await this.refreshContexts();
    }
    this.#flushNotifications();
    this.#status(tag, status);
  }

  #status(tag: string, status: Status): void {
    if (status.sent) return;
    const code = status.code ? `[${status.code}] ` : '';
    this.write(`${tag} ${status.type} ${code}${status.text}\r\n`);
  }

  /**
   * A NOTIFY event is waiting (RFC 5465 §3.1): between commands and during IDLE it is
   * sent at once; while a command runs, after it. SELECTED-DELAYED keeps expunges for
   * a command that may renumber (§6.1.2).
   */
  notifyChanged(): void {
    if ((this.busy && !this.idling) || this.withdrawn()) return;
    if (this.conn.socket.writableLength > NOTIFY_BACKLOG && this.notifier) {
      // RFC 5465 §9: a client that does not read must not make the server hold
      // notifications without bound; §5.8 says how to stop.
      this.notifier.overflowed = true;
      this.#flushNotifications();
      this.conn.writer.flush();
      return;
    }
    const selected = this.notifier?.spec.selected;
    if (selected && this.view && this.state === 'selected') this.sendUpdates(this.idling || !selected.delayed);
    this.#flushNotifications();
    this.conn.writer.flush();
  }

  #flushNotifications(): void {
    const notifier = this.notifier;
    if (!notifier) return;
    if (!notifier.overflowed) notifier.flush();
    if (notifier.overflowed) {
      // RFC 5465 §5.8: too much to keep; the client is told and NOTIFY is off.
      this.untagged('OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY is off');
      notifier.close();
      this.notifier = null;
    }
  }

  /** MessageNew announcements still reading bytes (RFC 5465 §5.2); updates wait behind them, in order. */
  #announcing: Promise<void> = Promise.resolve();
  #announcements = 0;

  /** Sends what changed in the selected folder since the client was last told. */
  sendUpdates(expunges: boolean): void {
    // After a FETCH still to come, so the client numbers each message as it was numbered there.
    if (this.#announcements > 0) this.#afterAnnouncements(() => this.#sendUpdates(expunges));
    else this.#sendUpdates(expunges);
  }

  #sendUpdates(expunges: boolean): void {
    const view = this.view;
    if (!view || this.withdrawn()) return;
    // RFC 5267 §4.3: REMOVEFROM names expunged messages by the numbers they still have.
    if (expunges && this.contexts.size > 0) this.contexts.expunging(view, (line) => this.untagged(line));
    const lastUid = view.uids[view.uids.length - 1] ?? 0;
    const updates = view.drain(expunges);
    if (this.qresync) {
      // RFC 7162 §3.2.10: with QRESYNC on, expunges are told as one VANISHED by UID (the
      // view drains them first, so it still comes before the EXISTS that counts without them).
      const vanished = updates.flatMap((u) => (u.kind === 'expunge' ? [u.uid] : []));
      if (vanished.length > 0) this.untagged(`VANISHED ${formatUidSet(vanished)}`);
    }
    for (const update of updates) if (!(update.kind === 'expunge' && this.qresync)) this.#sendUpdate(view, update);
    // RFC 5465 §5.2: NOTIFY's MessageNew fetch-att follow the EXISTS, one FETCH per new message.
    const selected = this.notifier?.spec.selected;
    const first = lowerBound(view.uids, lastUid + 1);
    if (selected?.events.has('MessageNew') && selected.fetch.length > 0 && first < view.count) {
      this.#announceNew(view, selected.fetch, Array.from({ length: view.count - first }, (_, n) => first + n));
    }
  }

  /** The FETCH of new messages, written once the bytes its items read are read. */
  #announceNew(view: MailboxView, items: readonly FetchItem[], indexes: readonly number[]): void {
    this.#announcements++;
    const reading = fetchTargets(this, view, items, indexes).catch((error: unknown): FetchTarget[] => {
      this.log.error('imap update failed', { error });
      return [];
    });
    this.#afterAnnouncements(async () => {
      const targets = await reading;
      this.#announcements--;
      // A new message already removed again from the store has nothing left to announce.
      if (this.view === view) for (const target of targets) if (renderable(target, items, this.utf8)) this.write(renderFetch(this, view, items, target));
    });
  }

  #afterAnnouncements(send: () => void | Promise<void>): void {
    this.#announcing = this.#announcing
      .then(send)
      .catch((error: unknown) => this.log.error('imap update failed', { error }))
      .then(() => this.conn.writer.flush());
  }

  #refreshing: Promise<void> = Promise.resolve();

  /** Tells what changed in each live search result (RFC 5267 §4.3); one refresh at a time (IDLE may ask again meanwhile). */
  refreshContexts(): Promise<void> {
    this.#refreshing = this.#refreshing.then(async () => {
      const view = this.view;
      if (view && this.contexts.size > 0) await this.contexts.refresh(this.store, view, (line) => this.untagged(line));
    });
    return this.#refreshing;
  }

  #sendUpdate(view: MailboxView, update: ViewUpdate): void {
    switch (update.kind) {
      case 'expunge':
        return this.untagged(`${update.seq} EXPUNGE`);
      case 'exists':
        return this.untagged(`${update.count} EXISTS`);
      case 'recent':
        if (!this.rev2) this.untagged(`${update.count} RECENT`);
        return;
      case 'flags': {
        const modseq = this.condstore ? ` MODSEQ (${update.message.modseq})` : '';
        return this.untagged(`${update.seq} FETCH (UID ${update.uid} FLAGS ${this.flagList(view, update.uid, update.message)}${modseq})`);
      }
    }
  }

  /**
   * RFC 3501 §7.2.6: a keyword new to the mailbox is announced in FLAGS and
   * PERMANENTFLAGS before any response shows it.
   */
  announceKeywords(view: MailboxView, message: StoredMessage): void {
    if (!view.learnKeywords(message.flags)) return;
    this.untagged(`FLAGS (${view.flagNames()})`);
    this.untagged(`OK [PERMANENTFLAGS (${view.permanentFlags()})] Flags permitted`);
  }

  /**
   * A message's flags as a parenthesised list, with \Recent for this session (IMAP4rev1
   * only), its new keywords announced first.
   */
  flagList(view: MailboxView, uid: number, message: StoredMessage): string {
    this.announceKeywords(view, message);
    const flags = [...message.flags];
    if (!this.rev2 && view.recent.has(uid)) flags.push('\\Recent');
    return `(${flags.join(' ')})`;
  }

  /**
   * The view indexes `$` names now: the saved UIDs still in the folder. RFC 5182 §2.1:
   * an expunged message leaves the search result variable.
   */
  savedIndexes(): number[] {
    const view = this.view;
    if (!view) return [];
    const out: number[] = [];
    for (const uid of this.searchResult) {
      const seq = view.seqOf(uid);
      if (seq > 0 && !view.isExpunged(uid)) out.push(seq - 1);
    }
    return out;
  }

  /**
   * The view indexes a sequence set (by UID when `byUid`) names; `$` is looked up only
   * when the set holds it.
   */
  resolve(set: SequenceSet, byUid: boolean): number[] | 'invalid' {
    const view = this.view;
    if (!view) return [];
    const saved = set.includes(LAST_RESULT) ? this.savedIndexes() : [];
    return byUid ? resolveUids(set, view.uids, saved) : resolveSequenceNumbers(set, view.count, saved);
  }

  /**
   * Leaves the selected folder, if any (RFC 3501 §6.3.1: a failed SELECT also deselects).
   * RFC 5182 §2.1 / RFC 9051 §6.4.4.1: SELECT, EXAMINE, CLOSE and UNSELECT empty `$`.
   */
  deselect(): void {
    this.searchResult = [];
    this.contexts.clear();
    this.view?.close();
    this.view = null;
    if (this.state === 'selected') this.state = 'authenticated';
  }
}

function tagOf(head: Buffer): string {
  return TAG_IN_HEAD.exec(head.toString('latin1'))?.[1] ?? '*';
}

/** The name a login is held by (Session.holdLogin): its inbox's and its own. */
function heldName(access: MailboxAccess): string {
  return loginHoldName(access.inbox?.name ?? '', access.login);
}
