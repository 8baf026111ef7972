/**
 * Checking a login (USER/PASS, APOP, AUTH) and entering TRANSACTION. With an auth
 * file (the one SMTP uses) the secret must match; without one any password is
 * accepted (DESIGN.md "Mailboxes").
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual, type Credentials } from '../security/auth-file.js';
import type { Pop3SessionView } from './commands/command.js';
import type { Pop3Outcome } from './outcome.js';
import { ok } from './outcome.js';

export async function passwordMatches(credentials: Credentials | null, user: string, password: string): Promise<boolean> {
  return credentials === null || credentials.verify(user, password);
}

/**
 * APOP (RFC 1939 §7): the digest is MD5(timestamp + secret) in hex. Only a plain
 * secret can be checked; a user whose secret is hashed cannot use APOP.
 */
export function apopMatches(credentials: Credentials | null, user: string, timestamp: string, digest: string): boolean {
  if (credentials === null) return true;
  const secret = credentials.plainSecret(user);
  if (secret === undefined) return false;
  const expected = createHash('md5').update(timestamp + secret, 'utf8').digest('hex');
  return constantTimeEqual(expected, digest.toLowerCase());
}

/** After a successful check: lock and snapshot the maildrop, and say what is in it. */
export function signIn(session: Pop3SessionView, login: string): Pop3Outcome {
  const refused = session.enterTransaction(login);
  if (refused) return refused;
  const { count, octets } = session.maildrop.stat();
  return ok(`Maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
}
