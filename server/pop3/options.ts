import type { SharedConfig } from '../front.js';
import { duration, flag, integer, listener, type OptionValues } from '../lib/options.js';

/** POP3 options. TLS material and the auth file are shared with SMTP (--smtp-tls*, --smtp-auth-file). */
export const pop3Options = {
  pop3: listener('POP3 listener (STLS offered when TLS is configured)', 1110),
  pop3s: listener('POP3 listener with implicit TLS (POP3S, RFC 8314); needs --smtp-tls', null),
  pop3RequireTls: flag('Refuse USER, PASS, APOP and AUTH until the client has started TLS'),
  pop3MarkRead: flag('RETR marks a message read (\\Seen); by default POP3 leaves it unread'),
  pop3Timeout: duration('Idle time after which a POP3 session is closed without deleting anything (RFC 1939 §3 asks at least 10 minutes)', 600_000),
  pop3MaxLine: integer('Longest POP3 command line in octets; longer ones get -ERR and are skipped', 1024, 64, 65_536),
  pop3MaxBadCommands: integer('Unknown, malformed or failed commands (including failed logins) after which a POP3 session is closed', 20, 1),
};

/** What the POP3 front reads: its options and the shared ones. */
export type Pop3Config = OptionValues<typeof pop3Options> & SharedConfig;
