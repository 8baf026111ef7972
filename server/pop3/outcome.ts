/**
 * What a POP3 command hands back to the dispatcher (DESIGN.md habit 3): a positive
 * reply, a continuation request (SASL), or a typed failure. The dispatcher alone
 * writes `+OK`, `+ ` and `-ERR` lines.
 */
import type { Pop3Failure } from './failures.js';

/** RFC 1939 §3: a session moves AUTHORIZATION → TRANSACTION → UPDATE. */
export type Pop3State = 'authorization' | 'transaction' | 'update';

export interface Pop3Reply {
  kind: 'ok';
  /** Text after `+OK `. */
  text: string;
  /** A multi-line body (already byte-stuffed), ended by the dispatcher with `.` (RFC 1939 §3). */
  body?: Iterable<Buffer>;
  /** What happens once the reply is written: close the connection, or start TLS (RFC 2595 §4). */
  then?: 'close' | 'start-tls';
}

/** RFC 5034 §4: `+ challenge`; the client's next line goes to `answer`, not to the command table. */
export interface Pop3Continuation {
  kind: 'continue';
  /** Base64 challenge (may be empty). */
  challenge: string;
  answer(line: string): Pop3Outcome | Promise<Pop3Outcome>;
}

export type Pop3Outcome = Pop3Reply | Pop3Continuation | Pop3Failure;

export function ok(text: string, more: Omit<Pop3Reply, 'kind' | 'text'> = {}): Pop3Reply {
  return { kind: 'ok', text, ...more };
}
