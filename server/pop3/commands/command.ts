import type { MailboxAccess, MailboxSignIn } from '../../security/mailbox-sign-in.js';
import type { MailStore } from '../../store/mail-store.js';
import type { Pop3Failure } from '../failures.js';
import type { Maildrop } from '../maildrop.js';
import type { Pop3Outcome, Pop3State } from '../outcome.js';

/** Per-front settings a command may consult. */
export interface Pop3Settings {
  /** RETR sets `\Seen` (--pop3-mark-read). */
  markRead: boolean;
  /** USER/PASS/APOP/AUTH refused until the connection is secure (--pop3-require-tls). */
  requireTls: boolean;
  /** STLS can be offered (TLS material is configured). */
  tlsAvailable: boolean;
}

/** What a command sees of its session. */
export interface Pop3SessionView {
  readonly state: Pop3State;
  readonly secure: boolean;
  readonly settings: Pop3Settings;
  /** How a login is checked and which store it reads. */
  readonly signIn: MailboxSignIn;
  /** The store the login reads; only in TRANSACTION. */
  readonly store: MailStore;
  /** The `<…>` timestamp of the greeting, the APOP challenge (RFC 1939 §7). */
  readonly timestamp: string;
  /** The name given with USER, waiting for PASS. */
  pendingUser: string | undefined;
  /** The maildrop; only in TRANSACTION. */
  readonly maildrop: Maildrop;
  /**
   * Locks and snapshots the login's maildrop and enters TRANSACTION; fails with
   * `[IN-USE]` when another session holds it.
   */
  enterTransaction(account: string, access: MailboxAccess): Promise<Pop3Failure | undefined>;
  /** QUIT from TRANSACTION: enters UPDATE and applies the DELE marks; returns how many. */
  enterUpdate(): number;
}

/** One entry of the command table (DESIGN.md habit 3): the states it runs in, and what it does. */
export interface Pop3Command {
  readonly states: readonly Pop3State[];
  run(session: Pop3SessionView, args: string): Pop3Outcome | Promise<Pop3Outcome>;
}

/** Arguments separated by single spaces (RFC 1939 §3), tolerating runs of them. */
export function words(args: string): string[] {
  const trimmed = args.trim();
  return trimmed === '' ? [] : trimmed.split(/ +/);
}
