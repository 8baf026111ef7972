/** Commands valid before and after login: CAPA (RFC 2449 §5) and QUIT (RFC 1939 §4, §6). */
import { ok } from '../outcome.js';
import { MECHANISMS } from '../sasl.js';
import type { Pop3Command, Pop3SessionView } from './command.js';

/**
 * RFC 2449 §5: what this server does, the same list in both states. USER and SASL
 * are left out while --pop3-require-tls refuses them (RFC 2595 §4 lets a server hide
 * mechanisms it would refuse); STLS is listed until TLS is on.
 */
export function capabilities(session: Pick<Pop3SessionView, 'secure' | 'settings'>): string[] {
  const loginAllowed = !session.settings.requireTls || session.secure;
  return [
    'TOP',
    ...(loginAllowed ? ['USER'] : []),
    'UIDL',
    'RESP-CODES',
    'AUTH-RESP-CODE',
    'PIPELINING',
    ...(loginAllowed ? [`SASL ${MECHANISMS.join(' ')}`] : []),
    ...(session.settings.tlsAvailable && !session.secure ? ['STLS'] : []),
    // Letterbox never deletes mail on its own schedule (store limits aside).
    'EXPIRE NEVER',
    'IMPLEMENTATION Letterbox',
  ];
}

const CAPA: Pop3Command = {
  states: ['authorization', 'transaction'],
  run(session, args) {
    if (args.trim()) return { kind: 'bad-syntax', detail: 'CAPA takes no arguments' };
    return ok('Capability list follows', { body: [Buffer.from(capabilities(session).map((c) => c + '\r\n').join(''))] });
  },
};

const QUIT: Pop3Command = {
  states: ['authorization', 'transaction'],
  async run(session) {
    if (session.state === 'authorization') return ok('Letterbox POP3 server signing off', { then: 'close' });
    const deleted = await session.enterUpdate();
    return ok(`Letterbox POP3 server signing off (${deleted} message${deleted === 1 ? '' : 's'} deleted)`, { then: 'close' });
  },
};

export const anyStateCommands: Record<string, Pop3Command> = { CAPA, QUIT };
