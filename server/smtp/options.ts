import type { SharedConfig } from '../front.js';
import { duration, file, flag, integer, listener, noLimitAtZero, oneOf, size, type OptionValues } from '../lib/options.js';

/** SMTP listener options, and the TLS settings every protocol shares. */
export const smtpOptions = {
  smtp: listener('SMTP listener', 1025),
  smtps: listener('SMTP listener with implicit TLS (RFC 8314)', null),
  smtpMaxSize: noLimitAtZero(size('Largest message accepted (SMTP SIZE); larger ones get 552. 0 = no limit', 50 * 1024 * 1024)),
  smtpMaxRecipients: integer('Most recipients per message (more get 452), and per release', 100, 1),
  smtpAuthFile: file('htpasswd-style file of SMTP credentials (bcrypt or plain); when set, AUTH is required'),
  smtpAuthAcceptAny: flag('Offer AUTH and accept any credentials'),
  smtpRequireTls: flag('Refuse MAIL and AUTH until the client has started TLS'),
  smtpTimeout: duration('Idle time after which an SMTP session is closed (RFC 5321 §4.5.3.2 asks 5 minutes)', 300_000),
  smtpEarlyTalkerDelay: duration('Wait this long before the greeting and refuse clients that talk first; 0 = greet at once', 0),
  smtpTls: oneOf('TLS for SMTP, POP3 and IMAP: from --smtp-tls-cert/--smtp-tls-key, or a certificate made at start', 'off', ['off', 'files', 'self-signed'] as const),
  smtpTlsCert: file('PEM certificate file (implies --smtp-tls files)'),
  smtpTlsKey: file('PEM private key file'),
};

/** What the SMTP front reads: its options (smtpMaxSize settled, Infinity = none) and the shared ones. */
export type SmtpConfig = OptionValues<typeof smtpOptions> & SharedConfig;
