/**
 * Checking a login (USER/PASS, APOP, AUTH) and entering TRANSACTION. Who may log in
 * and which store the login reads is security/mailbox-sign-in.ts's answer: the auth
 * file (the one SMTP uses) or any password, or with team inboxes the directory.
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../security/auth-file.js';
import { chooseInboxText, type SignInResult } from '../security/mailbox-sign-in.js';
import type { Pop3SessionView } from './commands/command.js';
import type { Pop3Outcome } from './outcome.js';
import { ok } from './outcome.js';

export async function signInWithPassword(session: Pop3SessionView, name: string, password: string): Promise<Pop3Outcome> {
  return enter(session, name, await session.signIn.withPassword(name, password));
}

/**
 * APOP (RFC 1939 §7): the digest is MD5(timestamp + secret) in hex. Only a plain
 * secret can be checked; a user whose secret is hashed cannot use APOP, and with team
 * inboxes it is not offered (the greeting carries no timestamp).
 */
export async function signInWithApop(session: Pop3SessionView, name: string, digest: string): Promise<Pop3Outcome> {
  const { withChallenge } = session.signIn;
  if (!withChallenge) return { kind: 'apop-unavailable' };
  const proves = (secret: string) => constantTimeEqual(createHash('md5').update(session.timestamp + secret, 'utf8').digest('hex'), digest.toLowerCase());
  return enter(session, name, withChallenge(name, proves));
}

/** After the check: lock and snapshot the maildrop, and say what is in it. */
async function enter(session: Pop3SessionView, name: string, result: SignInResult): Promise<Pop3Outcome> {
  if (!result.ok) return result.refusal === 'choose' ? { kind: 'choose-inbox', text: chooseInboxText(result.user, result.inboxes) } : { kind: 'auth-failed' };
  const refused = await session.enterTransaction(name, result.access);
  if (refused) return refused;
  const { count, octets } = session.maildrop.stat();
  return ok(`Maildrop has ${count} message${count === 1 ? '' : 's'} (${octets} octets)`);
}
