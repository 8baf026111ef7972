/**
 * Who a POP3 or IMAP login is, and which store its session reads: the one check both
 * fronts make, whichever mechanism carried the password.
 *
 * Without team inboxes: the one store, the login as given (DESIGN.md "Mailboxes"),
 * checked against --smtp-auth-file when there is one, any password otherwise.
 *
 * With a directory (--inboxes): the login is `USER`, `USER/INBOX` or
 * `USER/INBOX/ADDRESS`, the password is USER's own (`users` section), and the session
 * reads that inbox's store: as its catch-all, or as ADDRESS's mailbox within it. A
 * wrong password, an unknown user, an inbox she may not read and one that does not
 * exist get the one same refusal, so a login attempt learns nothing of other inboxes.
 */
import type { FrontContext } from '../front.js';
import type { Inbox, InboxDirectory, Reader } from '../inboxes/types.js';
import type { Delivery } from '../store/delivery.js';
import { CATCH_ALL, mailboxKey } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';
import { hasUnsafeCharacter } from './mailbox.js';

/** What a signed-in session reads and writes. */
export interface MailboxAccess {
  readonly store: MailStore;
  /** How the session puts a message in that store (IMAP APPEND). */
  readonly delivery: Delivery;
  /** The login the store files folders under (store/login.ts): an address, or the catch-all. */
  readonly login: string;
  /** The inbox signed into; undefined without a directory. */
  readonly inbox: Inbox | undefined;
  /**
   * Whether the session may still read it: a reload of the file may take the inbox from
   * the user (or the user away), and the fronts ask at every command and update as the
   * HTTP front asks at every request.
   */
  stillAllowed(): boolean;
}

export type SignInResult =
  | { ok: true; access: MailboxAccess }
  /** Wrong password, unknown user, an inbox not hers or none of that name: nothing tells them apart. */
  | { ok: false; refusal: 'failed' }
  /** The password was right, but `USER` alone names no one inbox: she may read each of these. */
  | { ok: false; refusal: 'choose'; user: string; inboxes: readonly string[] };

export type ChallengeSignIn = (name: string, proves: (secret: string) => boolean) => SignInResult;

export interface MailboxSignIn {
  /** Neither an auth file nor a directory: any password is taken (the greeting says so). */
  readonly anyPassword: boolean;
  /** A login name and its password, from LOGIN, USER/PASS or SASL PLAIN and LOGIN. */
  withPassword(name: string, password: string): Promise<SignInResult>;
  /**
   * For challenge mechanisms (CRAM-MD5, APOP): `proves` tells whether the client's
   * answer was made from a plain secret, which only --smtp-auth-file can give (without
   * one, any answer is taken). Undefined with a directory, whose passwords may be
   * hashed: those mechanisms are not offered then.
   */
  readonly withChallenge: ChallengeSignIn | undefined;
  /** Whether two login names reach the same mailbox (an absolute IMAP URL must name the session's own). */
  sameMailbox(a: string, b: string): boolean;
}

const FAILED: SignInResult = { ok: false, refusal: 'failed' };

/**
 * A user of `USER/INBOX/ADDRESS`, an inbox and an address of RFC 5321's 254 octets
 * (§4.5.3.1.3) fit well within; a longer name names no mailbox, and the folders of an
 * address login are kept under it.
 */
const MAX_LOGIN = 512;

/**
 * Whether a login name can name a mailbox, for either sign-in: no control character
 * (a NUL or CR would open a mailbox of that name, which logs, POP3 and the database
 * cannot carry as it is) and not longer than MAX_LOGIN.
 */
function isLoginName(name: string): boolean {
  return name !== '' && name.length <= MAX_LOGIN && !hasUnsafeCharacter(name);
}

export function mailboxSignIn(context: Pick<FrontContext, 'store' | 'delivery' | 'credentials' | 'inboxes'>): MailboxSignIn {
  return context.inboxes ? inboxSignIn(context.inboxes) : storeSignIn(context);
}

function storeSignIn({ store, delivery, credentials }: Pick<FrontContext, 'store' | 'delivery' | 'credentials'>): MailboxSignIn {
  const access = (login: string): MailboxAccess => ({ store, delivery, login, inbox: undefined, stillAllowed: () => true });
  return {
    anyPassword: credentials === null,
    async withPassword(name, password) {
      if (!isLoginName(name) || (credentials && !(await credentials.verify(name, password)))) return FAILED;
      return { ok: true, access: access(name) };
    },
    // Offered only where it can sign in every user (Credentials.answersChallenges).
    withChallenge:
      credentials && !credentials.answersChallenges
        ? undefined
        : (name, proves) => {
            if (!isLoginName(name)) return FAILED;
            const secret = credentials?.plainSecret(name);
            // The digest is worked out for unknown users too, so timing tells nothing.
            const proven = proves(secret ?? '') && secret !== undefined;
            return !credentials || proven ? { ok: true, access: access(name) } : FAILED;
          },
    sameMailbox: (a, b) => mailboxKey(a) === mailboxKey(b),
  };
}

/** A login name with a directory: `USER`, `USER/INBOX` or `USER/INBOX/ADDRESS`. */
export interface InboxLogin {
  user: string;
  inbox: string | undefined;
  /** An address's mailbox within the inbox; undefined for the inbox's catch-all. */
  address: string | undefined;
}

/** The parts of a login name, or undefined when it has none of the three forms. */
export function parseInboxLogin(name: string): InboxLogin | undefined {
  // A user or inbox name never holds a control character (inboxes-file.ts); nor does an
  // address (security/mailbox.ts): a NUL or CR in the ADDRESS part would otherwise open
  // an empty mailbox of that name, and APPEND could file folders under it.
  if (!isLoginName(name)) return undefined;
  const [user = '', inbox, ...rest] = name.split('/');
  // An address may hold a `/` in its local part (RFC 5321 §4.1.2 atext): the rest is the address.
  const address = rest.length > 0 ? rest.join('/') : undefined;
  if (!user || inbox === '' || (address !== undefined && !address.includes('@'))) return undefined;
  return { user, inbox, address };
}

function inboxSignIn(directory: InboxDirectory): MailboxSignIn {
  const key = (name: string) => {
    const login = parseInboxLogin(name);
    return login ? `${login.user}/${login.inbox ?? ''}/${mailboxKey(login.address ?? CATCH_ALL)}` : undefined;
  };
  return {
    anyPassword: false,
    async withPassword(name, password) {
      const login = parseInboxLogin(name);
      // The password is checked whatever the name's form, so the time taken tells nothing either.
      const reader = await directory.signIn(login?.user ?? name, password);
      if (!login || !reader) return FAILED;
      if (login.inbox === undefined) {
        const readable = directory.readable(reader);
        if (readable.length > 1) return { ok: false, refusal: 'choose', user: login.user, inboxes: readable.map((inbox) => inbox.name) };
        const only = readable[0];
        return only ? { ok: true, access: inboxAccess(directory, reader, only, CATCH_ALL) } : FAILED;
      }
      const inbox = directory.get(login.inbox);
      if (!inbox || !directory.mayRead(reader, inbox.name)) return FAILED;
      return { ok: true, access: inboxAccess(directory, reader, inbox, login.address ?? CATCH_ALL) };
    },
    withChallenge: undefined,
    sameMailbox: (a, b) => key(a) !== undefined && key(a) === key(b),
  };
}

function inboxAccess(directory: InboxDirectory, reader: Reader, inbox: Inbox, login: string): MailboxAccess {
  const stillAllowed = () => directory.get(inbox.name) === inbox && directory.mayRead(reader, inbox.name);
  return { store: inbox.store, delivery: inbox.delivery, login, inbox, stillAllowed };
}

/** Most characters of inbox names a refusal lists (a POP3 reply line is at most 512 octets, RFC 1939 §3). */
const LISTED = 200;

/**
 * The refusal of `USER` alone when she may read several inboxes: it names the
 * `USER/INBOX` form and lists hers (only hers: her password was right).
 */
export function chooseInboxText(user: string, inboxes: readonly string[]): string {
  let listed = '';
  for (const name of inboxes) {
    const next = listed ? `${listed}, ${name}` : name;
    if (next.length > LISTED) {
      listed += ', ...';
      break;
    }
    listed = next;
  }
  const shown = printable(user);
  return `${shown} may read several inboxes; log in as ${shown}/INBOX, INBOX one of: ${listed}`;
}

/** A name echoed in a reply line: printable ASCII only, bounded. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}
