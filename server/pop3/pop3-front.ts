/**
 * The POP3 front: a plain listener offering STLS (RFC 2595) and an optional implicit
 * TLS listener (POP3S, RFC 8314), both serving each login its INBOX from the store it
 * reads (the one store, or with team inboxes the inbox it signed in to).
 */
import { createServer, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { connectionGate, refuseWithLine } from '../lib/connection-gate.js';
import type { BoundListener, Front, FrontContext } from '../front.js';
import { resolveListenHost } from '../lib/host-port.js';
import { closeServer, dropConnections, listenAll, type NamedListener } from '../lib/listen.js';
import { connectionCaps } from '../lib/connection-limiter.js';
import type { Pop3Settings } from './commands/command.js';
import { mailboxSignIn } from '../security/mailbox-sign-in.js';
import { InProcessLocks } from '../locks/named-locks.js';
import type { Pop3Config } from './options.js';
import { Pop3Session } from './session.js';

/**
 * Bytes a socket may hold before the writer waits for 'drain': enough for a burst of
 * pipelined small replies to leave in one write, and the most a client that stops
 * reading can make the server keep (plus one chunk of a message being sent).
 */
const SOCKET_BUFFER = 64 * 1024;

export function createPop3Front(context: FrontContext, config: Pop3Config): Front | null {
  const { logger, tls } = context;
  if (!config.pop3 && !config.pop3s) return null;
  const log = logger.child({ front: 'pop3' });
  const secureContext = tls ? createSecureContext({ key: tls.key, cert: tls.cert }) : null;
  const settings: Pop3Settings = { markRead: config.pop3MarkRead, requireTls: config.pop3RequireTls, tlsAvailable: tls !== null };
  const locks = context.locks ?? new InProcessLocks();
  const signIn = mailboxSignIn(context);
  const sessions = new Set<Pop3Session>();
  let stopping = false;

  const gate = connectionGate({
    protocol: 'pop3',
    activity: context.activity,
    caps: connectionCaps(config),
    // RFC 2449 §8.1.2: [SYS/TEMP] says the problem is passing.
    refuse: refuseWithLine((text) => `-ERR [SYS/TEMP] ${text}\r\n`),
  });

  const serve = (socket: Socket, secure: boolean) => {
    if (stopping) return void socket.destroy();
    if (!gate.admit(socket)) return;
    const session = new Pop3Session({
      socket,
      secure,
      signIn,
      settings,
      secureContext,
      locks,
      hostname: config.hostname,
      maxLine: config.pop3MaxLine,
      maxBadCommands: config.pop3MaxBadCommands,
      idleMs: config.pop3Timeout,
      logger: log,
    });
    sessions.add(session);
    void session.closed.then(() => sessions.delete(session));
    session.start();
  };

  // A removed inbox takes its sessions with it (its store closes after the event); nothing they marked is deleted.
  const offRemoved = context.inboxes?.on('removed', ({ inbox }) => {
    for (const session of sessions) if (session.reads(inbox.store)) void session.end(`-ERR [SYS/PERM] Inbox ${inbox.name} was removed`, 'inbox removed');
  });

  const servers: NamedListener[] = [];
  if (config.pop3) {
    servers.push({ name: 'pop3', at: resolveListenHost(config.pop3, config), server: createServer({ highWaterMark: SOCKET_BUFFER }, (socket) => serve(socket, false)) });
  }
  if (config.pop3s && tls) {
    const server = createTlsServer({ key: tls.key, cert: tls.cert, highWaterMark: SOCKET_BUFFER }, (socket) => serve(socket, true));
    gate.capHandshakes(server);
    server.on('tlsClientError', (error) => log.debug('pop3s handshake failed', { error }));
    servers.push({ name: 'pop3s', at: resolveListenHost(config.pop3s, config), server });
  }
  // A failure to bind is the rejection of listen(), reported once by whoever started us.
  for (const { server } of servers) server.on('error', (error) => server.listening && log.warn('pop3 listener error', { error }));

  let started: Promise<BoundListener[]> | undefined;
  let stopped: Promise<void> | undefined;

  return {
    name: 'pop3',
    start() {
      started ??= listenAll(servers);
      return started;
    },
    stop(graceMs) {
      stopping = true;
      offRemoved?.();
      stopped ??= (async () => {
        const closing = Promise.all(servers.map(({ server }) => closeServer(server)));
        await Promise.all([...sessions].map((session) => session.shutdown(graceMs)));
        // What is left never became a session (a TLS handshake under way).
        for (const { server } of servers) dropConnections(server);
        await closing;
      })();
      return stopped;
    },
  };
}
