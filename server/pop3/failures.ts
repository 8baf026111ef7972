/**
 * Every expected POP3 failure as a typed value, and the one place that turns it
 * into an `-ERR` line, with RFC 2449 §8 / RFC 3206 response codes where one applies.
 */

export type Pop3Failure =
  | { kind: 'unknown-command'; command: string }
  | { kind: 'wrong-state'; command: string }
  | { kind: 'bad-syntax'; detail: string }
  | { kind: 'invalid-bytes' }
  | { kind: 'line-too-long'; max: number }
  | { kind: 'no-such-message'; number: string }
  | { kind: 'deleted'; number: number }
  /** The message left the store (or this login's INBOX) after the session began. */
  | { kind: 'removed'; number: number }
  | { kind: 'user-first' }
  | { kind: 'auth-failed' }
  /** Team inboxes: the password was right, but the user name alone names no one inbox. */
  | { kind: 'choose-inbox'; text: string }
  /** Team inboxes: APOP needs a plain secret, which the directory does not give. */
  | { kind: 'apop-unavailable' }
  | { kind: 'auth-cancelled' }
  | { kind: 'mechanism'; name: string }
  | { kind: 'plaintext-refused' }
  | { kind: 'in-use' }
  | { kind: 'tls-unavailable'; reason: 'not-configured' | 'already-secure' }
  | { kind: 'sys-temp'; detail: string };

/** Failures that say the client is confused or hostile; too many close the session. */
export function isBadCommand(f: Pop3Failure): boolean {
  switch (f.kind) {
    case 'unknown-command':
    case 'wrong-state':
    case 'bad-syntax':
    case 'invalid-bytes':
    case 'line-too-long':
    case 'auth-failed':
    case 'choose-inbox':
      return true;
    default:
      return false;
  }
}

/** The `-ERR` line for a failure (without CRLF). */
export function failureLine(f: Pop3Failure): string {
  switch (f.kind) {
    case 'unknown-command':
      return `-ERR Unknown command${f.command ? ': ' + printable(f.command) : ''}`;
    case 'wrong-state':
      return `-ERR ${f.command} is not valid in this state`;
    case 'bad-syntax':
      return `-ERR ${f.detail}`;
    case 'invalid-bytes':
      return '-ERR Command contains invalid characters';
    case 'line-too-long':
      return `-ERR Line too long (at most ${f.max} octets)`;
    case 'no-such-message':
      return `-ERR No such message: ${printable(f.number)}`;
    case 'deleted':
      return `-ERR Message ${f.number} is deleted`;
    case 'removed':
      return `-ERR Message ${f.number} was removed from the server`;
    case 'user-first':
      return '-ERR Send USER first';
    case 'auth-failed':
      // RFC 3206 §4: [AUTH] means the credentials are wrong; retrying them will not help.
      return '-ERR [AUTH] Authentication failed';
    case 'choose-inbox':
      return `-ERR [AUTH] ${f.text}`;
    case 'apop-unavailable':
      return '-ERR APOP is not offered here; use USER and PASS, or AUTH PLAIN';
    case 'auth-cancelled':
      return '-ERR Authentication cancelled';
    case 'mechanism':
      return `-ERR Unsupported SASL mechanism: ${printable(f.name)}`;
    case 'plaintext-refused':
      return '-ERR [AUTH] Plaintext authentication is refused before STLS';
    case 'in-use':
      // RFC 2449 §8.1.1: the maildrop is locked by another session.
      return '-ERR [IN-USE] Maildrop is in use by another session';
    case 'tls-unavailable':
      return f.reason === 'already-secure' ? '-ERR TLS is already active' : '-ERR TLS is not configured';
    case 'sys-temp':
      return `-ERR [SYS/TEMP] ${f.detail}`;
  }
}

/** Echoes client text safely: printable ASCII only, bounded. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
