import type { Reader } from './parser.js';
import type { Session } from './session.js';

/** RFC 3501 §3: the states of a connection. */
export type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

export const ANY: readonly State[] = ['not-authenticated', 'authenticated', 'selected'];
export const AUTHENTICATED: readonly State[] = ['authenticated', 'selected'];
export const SELECTED: readonly State[] = ['selected'];
export const NOT_AUTHENTICATED: readonly State[] = ['not-authenticated'];

/** The tagged completion of a command (RFC 3501 §7.1), written once by the dispatcher. */
export interface Status {
  type: 'OK' | 'NO' | 'BAD';
  /** A response code without brackets, e.g. `READ-WRITE` or `APPENDUID 38505 3955`. */
  code?: string;
  text: string;
  /** The command wrote its own tagged line already (STARTTLS must, before the handshake). */
  sent?: true;
}

export const ok = (text: string, code?: string): Status => ({ type: 'OK', text, ...(code ? { code } : {}) });
export const no = (text: string, code?: string): Status => ({ type: 'NO', text, ...(code ? { code } : {}) });
export const SENT: Status = { type: 'OK', text: '', sent: true };
export const bad = (text: string, code?: string): Status => ({ type: 'BAD', text, ...(code ? { code } : {}) });

/** What the dispatcher knows of a command while running it. */
export interface Invocation {
  tag: string;
  /** `FETCH`, or `UID FETCH`. */
  name: string;
  uid: boolean;
}

export interface CommandSpec<Args> {
  /** Upper-case name; UID variants are named `UID FETCH` etc. */
  name: string;
  states: readonly State[];
  /**
   * RFC 3501 §7.4.1: no EXPUNGE may be sent while FETCH, STORE or SEARCH (by
   * sequence number) runs, since the client could not tell which message it meant.
   */
  holdsExpunges?: boolean;
  /**
   * The command reads nothing of the store (CAPABILITY, ID, LOGOUT), so it runs without
   * waiting for the store to settle, and while it cannot (MailStore.settled).
   */
  readsNothing?: boolean;
  /** Reads the arguments after the command name; throws ParseError → BAD. */
  parse(r: Reader, session: Session): Args;
  run(session: Session, args: Args, call: Invocation): Promise<Status> | Status;
}

/** A command with its argument type erased, for the command table. */
export interface CommandEntry {
  name: string;
  states: readonly State[];
  holdsExpunges: boolean;
  readsStore: boolean;
  /** Parses (may throw ParseError) and returns the runner. */
  prepare(r: Reader, session: Session): (call: Invocation) => Promise<Status> | Status;
}

export function command<Args>(spec: CommandSpec<Args>): CommandEntry {
  return {
    name: spec.name,
    states: spec.states,
    holdsExpunges: spec.holdsExpunges ?? false,
    readsStore: !spec.readsNothing,
    prepare(r, session) {
      const args = spec.parse(r, session);
      r.end();
      return (call) => spec.run(session, args, call);
    },
  };
}

/** Arguments of a command that takes none. */
export function none(): null {
  return null;
}
