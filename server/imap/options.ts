import type { SharedConfig } from '../front.js';
import { duration, flag, listener, size, type OptionValues } from '../lib/options.js';

export const imapOptions = {
  imap: listener('IMAP listener', 1143),
  imaps: listener('IMAPS (implicit TLS) listener; needs --smtp-tls', null),
  imapRequireTls: flag('Refuse LOGIN and AUTHENTICATE until STARTTLS (advertises LOGINDISABLED)'),
  // RFC 3501 §5.4: an autologout timer must be at least 30 minutes.
  imapIdleTimeout: duration('Inactivity after which an IMAP session is logged out (IDLE refreshes it)', 30 * 60_000),
  imapMaxLiteral: size('Largest IMAP literal, and so the largest APPEND (advertised as APPENDLIMIT)', 50 * 1024 ** 2),
  imapMaxLine: size('Longest IMAP command line outside literals', 64 * 1024),
};

/** What the IMAP front and its sessions read: its options and the shared ones. */
export type ImapConfig = OptionValues<typeof imapOptions> & SharedConfig;
