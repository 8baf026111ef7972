import { mailboxKey } from '../../store/login.js';
import { bad, command, NOT_AUTHENTICATED, no, none, ok, SENT, type CommandEntry, type Status } from '../command.js';
import type { Session } from '../session.js';

async function logIn(session: Session, user: string, password: string): Promise<Status> {
  if (session.loginDisabled) return no('Log in after STARTTLS', 'PRIVACYREQUIRED');
  const { credentials } = session.ctx;
  if (!user || (credentials && !(await credentials.verify(user, password)))) {
    session.log.info('imap login failed', { user });
    return no('Invalid credentials', 'AUTHENTICATIONFAILED');
  }
  session.user = user;
  session.state = 'authenticated';
  session.log.debug('imap login', { user, mailbox: mailboxKey(user) });
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

/** RFC 3501 §6.2.2 with SASL-IR (RFC 4959): PLAIN (RFC 4616) and LOGIN. */
const authenticate = command({
  name: 'AUTHENTICATE',
  states: NOT_AUTHENTICATED,
  parse(r) {
    r.sp();
    const mechanism = r.atom().toUpperCase();
    const initial = r.maybeSp() ? (r.take('=') ? '' : r.atom()) : undefined;
    return { mechanism, initial };
  },
  async run(session, { mechanism, initial }) {
    if (session.loginDisabled) return no('Log in after STARTTLS', 'PRIVACYREQUIRED');
    if (mechanism === 'PLAIN') {
      const response = initial !== undefined ? decodeBase64(initial) ?? 'bad' : await saslResponse(session, '');
      if (response === 'cancel') return bad('Authentication cancelled');
      if (response === 'bad') return bad('Invalid base64');
      const [, user = '', password = ''] = response.split('\0');
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
    return no(`Unsupported mechanism ${mechanism.slice(0, 20)}`);
  },
});

export const authCommands: CommandEntry[] = [starttls, login, authenticate];
