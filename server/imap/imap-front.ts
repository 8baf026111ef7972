import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { connectionGate, refuseWithLine } from '../lib/connection-gate.js';
import { InProcessLocks } from '../locks/named-locks.js';
import type { BoundListener, Front, FrontContext } from '../front.js';
import { resolveListenHost, type HostPort } from '../lib/host-port.js';
import { closeServer, dropConnections, listenAll, type NamedListener } from '../lib/listen.js';
import { connectionCaps } from '../lib/connection-limiter.js';
import { COMMANDS } from './commands/index.js';
import { Connection } from './connection.js';
import { mailboxSignIn } from '../security/mailbox-sign-in.js';
import { MailboxSpaces } from './mailbox-spaces.js';
import type { ImapConfig } from './options.js';
import { Session, type ImapContext } from './session.js';

/**
 * The IMAP front (RFC 3501, RFC 9051 on ENABLE): a plain listener with STARTTLS and
 * an optional implicit-TLS one, each socket a Session over the store its login reads
 * (the one store, or with team inboxes the inbox it signed in to).
 */
export function createImapFront(context: FrontContext, config: ImapConfig): Front | null {
  const { logger, tls } = context;
  const log = logger.child({ front: 'imap' });
  const listeners: Array<{ name: string; at: HostPort; secure: boolean }> = [];
  if (config.imap) listeners.push({ name: 'imap', at: resolveListenHost(config.imap, config), secure: false });
  if (config.imaps && tls) listeners.push({ name: 'imaps', at: resolveListenHost(config.imaps, config), secure: true });
  if (listeners.length === 0) return null;

  const spaces = new MailboxSpaces();
  const directory = context.inboxes;
  // Without inboxes the one store's expunges are known from the start, as they always were.
  if (!directory) spaces.of(context.store);
  const shared: ImapContext = { logger, tls, config, signIn: mailboxSignIn(context), spaces, commands: COMMANDS, locks: context.locks ?? new InProcessLocks() };
  const limits = { maxLine: config.imapMaxLine, maxLiteral: config.imapMaxLiteral };
  /** Each open session, and when it has ended. */
  const sessions = new Map<Session, Promise<void>>();

  const gate = connectionGate({
    protocol: 'imap',
    activity: context.activity,
    caps: connectionCaps(config),
    // RFC 3501 §7.1.5: BYE in place of the greeting refuses the connection.
    refuse: refuseWithLine((text) => `* BYE ${text}\r\n`),
  });

  const accept = (socket: Socket, secure: boolean) => {
    if (!gate.admit(socket)) return;
    socket.setNoDelay(true);
    const session = new Session(new Connection(socket, limits, secure, config.imapIdleTimeout), shared);
    const ended = session
      .run()
      .catch((error: unknown) => log.error('imap session failed', { error }))
      .finally(() => {
        sessions.delete(session);
        session.conn.socket.destroy();
      });
    sessions.set(session, ended);
  };

  // A removed inbox takes its sessions with it (its store closes after the event).
  const offRemoved = directory?.on('removed', ({ inbox }) => {
    for (const session of sessions.keys()) if (session.reads(inbox.store)) session.end(`Inbox ${inbox.name} was removed`, 'inbox removed');
    spaces.drop(inbox.store);
  });

  const servers: NamedListener[] = listeners.map(({ name, at, secure }) => {
    const server = secure && tls ? createTlsServer({ key: tls.key, cert: tls.cert }, (s) => accept(s, true)) : createServer((s) => accept(s, false));
    if (secure) gate.capHandshakes(server);
    // A failure to bind is the rejection of listen(), reported once by whoever started us.
    server.on('error', (error) => server.listening && log.warn('imap listener error', { error }));
    return { name, at, server };
  });
  let started: Promise<BoundListener[]> | undefined;

  return {
    name: 'imap',
    start() {
      started ??= listenAll(servers);
      return started;
    },
    async stop(graceMs) {
      const closing = Promise.all(servers.map(({ server }) => closeServer(server)));
      for (const session of sessions.keys()) {
        session.untagged('BYE Server shutting down');
        session.conn.close();
      }
      // Sessions get the grace time to see their BYE out; what is left then (a TLS
      // handshake under way, a client that does not read) is cut off.
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, graceMs))));
      await Promise.race([Promise.all(sessions.values()), grace]);
      clearTimeout(timer);
      for (const { server } of servers) dropConnections(server);
      await closing;
      offRemoved?.();
      spaces.close();
    },
  };
}
