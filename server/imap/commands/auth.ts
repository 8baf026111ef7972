import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../../security/auth-file.js';
import { chooseInboxText, type ChallengeSignIn, type SignInResult } from '../../security/mailbox-sign-in.js';
import { mailboxKey } from '../../store/login.js';
import { bad, command, NOT_AUTHENTICATED, no, none, ok, SENT, type CommandEntry, type Status } from '../command.js';
import type { Session } from '../session.js';

async function logIn(session: Session, user: string, password: string): Promise<Status> {
  if (session.loginDisabled) return no('Log in after STARTTLS', 'PRIVACYREQUIRED');
  return enter(session, user, await session.ctx.signIn.withPassword(user, password));
}

/** Enters the authenticated state when the check passed. */
async function enter(session: Session, user: string, result: SignInResult): Promise<Status> {
  if (!result.ok) {
    session.log.info('imap login failed', { user });
    // RFC 5530 §3: the password was right, but the name does not say which inbox to open.
    if (result.refusal === 'choose') return no(chooseInboxText(result.user, result.inboxes), 'AUTHORIZATIONFAILED');
    return no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  // Before the client can see a folder: a store several nodes share makes a login's first
  // folders once for all of them, so a client sees one UIDVALIDITY whichever node it reads.
  const letGo = await session.holdLogin(result.access);
  session.signedIn(user, result.access, letGo);
  session.log.debug('imap login', { user, ...(result.access.inbox ? { inbox: result.access.inbox.name } : {}), mailbox: mailboxKey(result.access.login) });
  // RFC 3501 §6.2.3 / RFC 9051: capabilities change after login; send them with the OK.
  return ok('Logged in', `CAPABILITY ${session.capabilities().join(' ')}`);
}

/** RFC 3501 §6.2.1 */
const starttls = command({
  name: 'STARTTLS',
  states: NOT_AUTHENTICATED,
  parse: none,
  async run(session, _args, call) {
    const material = session.ctx.tls;
    if (!material || session.conn.secure) return bad('TLS is not available here');
    // The tagged OK must go out in clear before the handshake, so it is written here.
    session.write(`${call.tag} OK Begin TLS negotiation now\r\n`);
    session.conn.writer.flush();
    await session.conn.startTls(material);
    return SENT;
  },
});

/** RFC 3501 §6.2.3 */
const login = command({
  name: 'LOGIN',
  states: NOT_AUTHENTICATED,
  parse(r) {
    r.sp();
    const user = r.astring();
    r.sp();
    return { user, password: r.astring() };
  },
  run: (session, { user, password }) => logIn(session, user, password),
});

function decodeBase64(line: string): string | null {
  const text = line.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64').toString('utf8');
}

/** Reads one SASL response line; `*` cancels (RFC 3501 §6.2.2). */
async function saslResponse(session: Session, challenge: string): Promise<string | 'cancel' | 'bad'> {
  session.write(`+ ${challenge}\r\n`);
  const line = await session.readLine();
  if (line === null || line === '*') return 'cancel';
  return decodeBase64(line) ?? 'bad';
}

/**
 * RFC 2195 CRAM-MD5: the client answers a unique challenge with `user HMAC-MD5(password,
 * challenge)` in hex. Only a plain secret in the auth file can be checked (as for SMTP
 * and POP3's APOP); without an auth file any well-formed answer logs in.
 */
async function cramMd5(session: Session, withChallenge: ChallengeSignIn): Promise<Status> {
  const challenge = `<${randomBytes(12).toString('hex')}.${Date.now()}@letterbox>`;
  const response = await saslResponse(session, Buffer.from(challenge).toString('base64'));
  if (response === 'cancel') return bad('Authentication cancelled');
  if (response === 'bad') return bad('Invalid base64');
  const space = response.lastIndexOf(' ');
  const user = space > 0 ? response.slice(0, space) : '';
  const digest = response.slice(space + 1).toLowerCase();
  if (!user || !/^[0-9a-f]{32}$/.test(digest)) return bad('A CRAM-MD5 answer is "user digest"');
  return enter(session, user, withChallenge(user, (secret) => constantTimeEqual(createHmac('md5', secret).update(challenge).digest('hex'), digest)));
}

/** RFC 3501 §6.2.2 with SASL-IR (RFC 4959): PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC 2195). */
const authenticate = command({
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  parse(r) {
    r.sp();
    const mechanism = r.atom().toUpperCase();
    // RFC 4959 §3: "=" is an empty initial response. Nothing after the space is none at all,
    // as Dovecot reads it: mutt sends "AUTHENTICATE CRAM-MD5 " when the server speaks first.
    const initial = r.maybeSp() ? (r.take('=') ? '' : r.atEnd() ? undefined : r.atom()) : undefined;
    return { mechanism, initial };
  },
  async run(session, { mechanism, initial }) {
    if (session.loginDisabled) return no('Log in after STARTTLS', 'PRIVACYREQUIRED');
    if (mechanism === 'PLAIN') {
      const response = initial !== undefined ? decodeBase64(initial) ?? 'bad' : await saslResponse(session, '');
      if (response === 'cancel') return bad('Authentication cancelled');
      if (response === 'bad') return bad('Invalid base64');
      const [authzid = '', user = '', password = ''] = response.split('\0');
      // RFC 4616 §2: acting for another user (authzid) is not supported, as in POP3; logging
      // in as the authcid instead would open a mailbox the client did not ask for.
      if (authzid && authzid !== user) return no('Cannot act as another user', 'AUTHORIZATIONFAILED');
      return logIn(session, user, password);
    }
    if (mechanism === 'LOGIN') {
      const user = initial !== undefined ? decodeBase64(initial) ?? 'bad' : await saslResponse(session, 'VXNlcm5hbWU6');
      if (user === 'cancel') return bad('Authentication cancelled');
      if (user === 'bad') return bad('Invalid base64');
      const password = await saslResponse(session, 'UGFzc3dvcmQ6');
      if (password === 'cancel') return bad('Authentication cancelled');
      if (password === 'bad') return bad('Invalid base64');
      return logIn(session, user, password);
    }
    // Offered only where a plain secret can be checked (not with team inboxes).
    const { withChallenge } = session.ctx.signIn;
    if (mechanism === 'CRAM-MD5' && withChallenge) {
      // RFC 4959 §3: the server speaks first in CRAM-MD5, so an initial response is BAD.
      if (initial !== undefined) return bad('CRAM-MD5 takes no initial response');
      return cramMd5(session, withChallenge);
    }
    return no(`Unsupported mechanism ${mechanism.slice(0, 20)}`);
  },
});

export const authCommands: CommandEntry[] = [starttls, login, authenticate];
