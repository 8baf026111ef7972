/**
 * AUTHORIZATION-state commands: USER, PASS, APOP (RFC 1939 §7), AUTH (RFC 5034)
 * and STLS (RFC 2595 §4).
 */
import type { Pop3Failure } from '../failures.js';
import { ok, type Pop3Outcome } from '../outcome.js';
import { CANCEL, LOGIN_PASSWORD_PROMPT, LOGIN_USER_PROMPT, MECHANISMS, decodeBase64, parsePlain } from '../sasl.js';
import { signInWithApop, signInWithPassword } from '../sign-in.js';
import { words, type Pop3Command, type Pop3SessionView } from './command.js';

const AUTHORIZATION = ['authorization'] as const;

/** --pop3-require-tls: no login of any kind before the connection is secure (RFC 2595 §2.2). */
function refusedInPlaintext(session: Pop3SessionView): Pop3Failure | undefined {
  return session.settings.requireTls && !session.secure ? { kind: 'plaintext-refused' } : undefined;
}

const USER: Pop3Command = {
  states: AUTHORIZATION,
  run(session, args) {
    const refused = refusedInPlaintext(session);
    if (refused) return refused;
    const name = args.trim();
    if (!name) return { kind: 'bad-syntax', detail: 'USER needs a name' };
    session.pendingUser = name;
    return ok('Send PASS');
  },
};

const PASS: Pop3Command = {
  states: AUTHORIZATION,
  async run(session, args) {
    const refused = refusedInPlaintext(session);
    if (refused) return refused;
    const user = session.pendingUser;
    if (user === undefined) return { kind: 'user-first' };
    // RFC 1939 §7: after a failed PASS the client starts again with USER.
    session.pendingUser = undefined;
    // The password is the rest of the line, spaces included (RFC 1939 §7 notes servers may allow them).
    return signInWithPassword(session, user, args);
  },
};

const APOP: Pop3Command = {
  states: AUTHORIZATION,
  run(session, args) {
    const refused = refusedInPlaintext(session);
    if (refused) return refused;
    const parts = words(args);
    const [name, digest] = parts;
    if (parts.length !== 2 || name === undefined || digest === undefined || !/^[0-9a-f]{32}$/i.test(digest)) {
      return { kind: 'bad-syntax', detail: 'APOP needs a name and a 32-digit hex MD5 digest' };
    }
    return signInWithApop(session, name, digest);
  },
};

const AUTH: Pop3Command = {
  states: AUTHORIZATION,
  async run(session, args) {
    const parts = words(args);
    // No mechanism: list them, as many servers do for older clients.
    if (parts.length === 0) return ok('Supported SASL mechanisms follow', { body: [Buffer.from(MECHANISMS.map((m) => m + '\r\n').join(''))] });
    const refused = refusedInPlaintext(session);
    if (refused) return refused;
    const [mechanism = '', initial, ...extra] = parts;
    if (extra.length > 0) return { kind: 'bad-syntax', detail: 'AUTH takes a mechanism and an optional initial response' };
    switch (mechanism.toUpperCase()) {
      case 'PLAIN':
        return initial === undefined ? { kind: 'continue', challenge: '', answer: (line) => plain(session, line) } : plain(session, initial);
      case 'LOGIN':
        return initial === undefined
          ? { kind: 'continue', challenge: LOGIN_USER_PROMPT, answer: (line) => loginUser(session, line) }
          : loginUser(session, initial);
      default:
        return { kind: 'mechanism', name: mechanism };
    }
  },
};

async function plain(session: Pop3SessionView, response: string): Promise<Pop3Outcome> {
  if (response === CANCEL) return { kind: 'auth-cancelled' };
  const decoded = decodeBase64(response);
  const credentials = decoded && parsePlain(decoded);
  if (!credentials) return { kind: 'bad-syntax', detail: 'Malformed PLAIN response' };
  // Acting for another user (authzid) is not supported (RFC 4616 §2 lets the server refuse).
  if (credentials.authzid && credentials.authzid !== credentials.user) return { kind: 'auth-failed' };
  return signInWithPassword(session, credentials.user, credentials.password);
}

function loginUser(session: Pop3SessionView, response: string): Pop3Outcome {
  if (response === CANCEL) return { kind: 'auth-cancelled' };
  const user = decodeBase64(response)?.toString('utf8');
  if (!user) return { kind: 'bad-syntax', detail: 'Malformed LOGIN user name' };
  return { kind: 'continue', challenge: LOGIN_PASSWORD_PROMPT, answer: (line) => loginPassword(session, user, line) };
}

async function loginPassword(session: Pop3SessionView, user: string, response: string): Promise<Pop3Outcome> {
  if (response === CANCEL) return { kind: 'auth-cancelled' };
  const password = decodeBase64(response)?.toString('utf8');
  if (password === undefined) return { kind: 'bad-syntax', detail: 'Malformed LOGIN password' };
  return signInWithPassword(session, user, password);
}

const STLS: Pop3Command = {
  states: AUTHORIZATION,
  run(session, args) {
    if (args.trim()) return { kind: 'bad-syntax', detail: 'STLS takes no arguments' };
    if (!session.settings.tlsAvailable) return { kind: 'tls-unavailable', reason: 'not-configured' };
    if (session.secure) return { kind: 'tls-unavailable', reason: 'already-secure' };
    return ok('Begin TLS negotiation', { then: 'start-tls' });
  },
};

export const authorizationCommands: Record<string, Pop3Command> = { USER, PASS, APOP, AUTH, STLS };
