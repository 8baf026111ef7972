/**
 * One POP3 session's state machine (RFC 1939 §3: AUTHORIZATION → TRANSACTION →
 * UPDATE): the dispatcher over the command table, where each command declares the
 * states it runs in (commands/table.ts), SASL continuations, the maildrop lock, and the
 * one place outcomes become `+OK`, `+ ` and `-ERR` lines. The socket is the
 * connection's (connection.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../lib/log.js';
import type { LineEvent } from '../lib/line-reader.js';
import type { MailboxAccess, MailboxSignIn } from '../security/mailbox-sign-in.js';
import { mailboxKey } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';
import type { Pop3SessionView, Pop3Settings } from './commands/command.js';
import { COMMANDS } from './commands/table.js';
import { Pop3Connection } from './connection.js';
import { failureLine, isBadCommand, type Pop3Failure } from './failures.js';
import type { NamedLocks } from '../locks/named-locks.js';
import { Maildrop } from './maildrop.js';
import type { Pop3Continuation, Pop3Outcome, Pop3State } from './outcome.js';

export interface Pop3SessionOptions {
  socket: Socket;
  /** Implicit TLS (POP3S): secure from the first byte. */
  secure: boolean;
  /** How a login is checked and which store it reads. */
  signIn: MailboxSignIn;
  settings: Pop3Settings;
  /** For STLS; null when TLS is not configured. */
  secureContext: SecureContext | null;
  /**
   * RFC 1939 §4: one session per maildrop. Keyed by mailbox, so `Bob@blue.com` and
   * `bob@blue.com` share a lock, as do every catch-all login.
   */
  locks: NamedLocks;
  hostname: string;
  maxLine: number;
  maxBadCommands: number;
  idleMs: number;
  logger: Logger;
}

export class Pop3Session implements Pop3SessionView {
  state: Pop3State = 'authorization';
  pendingUser: string | undefined;
  readonly timestamp: string;
  readonly settings: Pop3Settings;
  readonly signIn: MailboxSignIn;
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>;

  readonly #options: Pop3SessionOptions;
  readonly #connection: Pop3Connection;
  #maildrop: Maildrop | undefined;
  #access: MailboxAccess | undefined;
  #unlock: (() => void) | undefined;
  #closed = false;
  #continuation: Pop3Continuation | undefined;
  #badCommands = 0;

  constructor(options: Pop3SessionOptions) {
    this.#options = options;
    this.settings = options.settings;
    this.signIn = options.signIn;
    this.#connection = new Pop3Connection(options, {
      state: () => this.state,
      handle: (event) => this.#handle(event),
      ended: () => this.#ended(),
    });
    // RFC 1939 §7: the APOP timestamp is unique per greeting; msg-id syntax.
    this.timestamp = `<${process.pid}.${randomBytes(8).toString('hex')}@${options.hostname}>`;
    this.closed = this.#connection.closed;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get maildrop(): Maildrop {
    if (!this.#maildrop) throw new Error('no maildrop outside TRANSACTION');
    return this.#maildrop;
  }

  get store(): MailStore {
    if (!this.#access) throw new Error('no store before login');
    return this.#access.store;
  }

  /** Whether this session reads that store (its inbox was removed: the session ends). */
  reads(store: MailStore): boolean {
    return this.#access?.store === store;
  }

  /** Greets and starts reading commands. */
  start(): void {
    // RFC 1939 §7: the timestamp in the greeting is what says APOP is offered.
    this.#connection.start(this.signIn.withChallenge ? `+OK Letterbox POP3 ready ${this.timestamp}` : '+OK Letterbox POP3 ready');
  }

  /** Stops taking commands (the one in progress gets up to `graceMs`); nothing marked is deleted. */
  shutdown(graceMs: number): Promise<void> {
    return this.#connection.shutdown(graceMs);
  }

  /** Ends the session from outside (its inbox was removed): the client is told, nothing marked is deleted. */
  end(line: string, why: string): Promise<void> {
    this.#connection.sessionLog.set({ ended: why });
    return this.#connection.shutdown(END_GRACE_MS, line);
  }

  async enterTransaction(account: string, access: MailboxAccess): Promise<Pop3Failure | undefined> {
    // RFC 1939 §4 and RFC 2449 §8.1.1: one session per maildrop, else [IN-USE]; a maildrop is a mailbox of one inbox.
    const key = access.inbox ? `${access.inbox.name}/${mailboxKey(access.login)}` : mailboxKey(access.login);
    let unlock: (() => void) | undefined;
    try {
      unlock = await this.#options.locks.tryAcquire(key);
    } catch (error) {
      // The locks live in the database and it cannot be reached: RFC 2449 §8.1.2, a passing problem.
      this.#connection.log.warn('pop3 maildrop lock unavailable', { error });
      return { kind: 'sys-temp', detail: 'The maildrop cannot be locked now, try again later' };
    }
    if (!unlock) return { kind: 'in-use' };
    try {
      // The maildrop is read once, and only what is durable (MailStore.settled).
      await access.store.settled();
    } catch {
      unlock();
      return { kind: 'sys-temp', detail: 'The maildrop cannot be read now, try again later' };
    }
    // The connection closed meanwhile: nothing will release the lock but this.
    if (this.#closed) {
      unlock();
      return { kind: 'sys-temp', detail: 'Connection closed' };
    }
    this.#unlock = unlock;
    this.#access = access;
    const maildrop = await Maildrop.open(access.store, access.login);
    // The connection closed while the maildrop was read: its lock is released already.
    if (this.#closed) return { kind: 'sys-temp', detail: 'The connection closed' };
    this.#maildrop = maildrop;
    this.state = 'transaction';
    this.#connection.sessionLog.set({ user: account, ...(access.inbox ? { inbox: access.inbox.name } : {}) });
    return undefined;
  }

  async enterUpdate(): Promise<number> {
    this.state = 'update';
    const deleted = await this.maildrop.commit();
    this.#connection.sessionLog.count('deleted', deleted);
    return deleted;
  }

  async #handle(event: LineEvent): Promise<void> {
    this.#connection.sessionLog.count('commands');
    const access = this.#access;
    if (access && !access.stillAllowed()) {
      // A reload of the inbox file took the inbox from this user: nothing more is read, nothing marked is deleted.
      this.#connection.sessionLog.set({ ended: 'access withdrawn' });
      await this.#connection.line(`-ERR [SYS/PERM] Access to inbox ${access.inbox?.name ?? ''} was withdrawn`);
      this.#connection.closeAfterFlush();
      return;
    }
    let outcome: Pop3Outcome;
    if (event.kind === 'too-long') {
      this.#continuation = undefined;
      outcome = { kind: 'line-too-long', max: this.#options.maxLine };
    } else if (this.#continuation) {
      const continuation = this.#continuation;
      this.#continuation = undefined;
      outcome = await continuation.answer(event.line.toString('latin1'));
    } else {
      outcome = await this.#dispatch(event.line);
    }
    await this.#respond(outcome);
  }

  #ended(): void {
    this.#continuation = undefined;
    // A dropped connection never reaches UPDATE (RFC 1939 §6): the marks are forgotten.
    this.#closed = true;
    this.#unlock?.();
    this.#unlock = undefined;
    this.#maildrop = undefined;
  }

  #dispatch(line: Buffer): Pop3Outcome | Promise<Pop3Outcome> {
    // Commands are printable text (RFC 1939 §3); NUL and other controls are refused outright.
    if (hasControlBytes(line)) return { kind: 'invalid-bytes' };
    const text = line.toString('utf8');
    const space = text.indexOf(' ');
    const keyword = (space < 0 ? text : text.slice(0, space)).toUpperCase();
    const args = space < 0 ? '' : text.slice(space + 1);
    const command = COMMANDS.get(keyword);
    if (!command) return { kind: 'unknown-command', command: keyword };
    if (!command.states.includes(this.state)) return { kind: 'wrong-state', command: keyword };
    return command.run(this, args);
  }

  async #respond(outcome: Pop3Outcome): Promise<void> {
    const connection = this.#connection;
    switch (outcome.kind) {
      case 'continue':
        this.#continuation = outcome;
        await connection.line(`+ ${outcome.challenge}`);
        return;
      case 'ok': {
        const status = outcome.text ? `+OK ${outcome.text}` : '+OK';
        if (outcome.body) await connection.multiline(status, outcome.body);
        else await connection.line(status);
        if (outcome.then === 'close') {
          connection.sessionLog.set({ ended: 'quit' });
          connection.closeAfterFlush();
        }
        // RFC 2595 §4: the client forgets what it knew before TLS, and so does the server.
        if (outcome.then === 'start-tls' && (await connection.startTls())) this.pendingUser = undefined;
        return;
      }
      default:
        if (isBadCommand(outcome) && ++this.#badCommands >= this.#options.maxBadCommands) {
          connection.sessionLog.set({ ended: 'too many bad commands', last: outcome.kind });
          await connection.line(`${failureLine(outcome)} (too many bad commands, closing connection)`);
          connection.closeAfterFlush();
          return;
        }
        if (outcome.kind === 'auth-failed') connection.log.info('pop3 authentication failed');
        await connection.line(failureLine(outcome));
    }
  }
}

/** How long a command under way may go on once the session's inbox is removed. */
const END_GRACE_MS = 2000;

function hasControlBytes(line: Buffer): boolean {
  for (const byte of line) if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) return true;
  return false;
}
