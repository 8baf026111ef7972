import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { BoundListener, Front, FrontContext } from '../front.js';
import { resolveListenHost, type HostPort } from '../lib/host-port.js';
import { ConnectionLimiter, connectionCaps, refusalText } from '../lib/connection-limiter.js';
import { listenAll } from '../lib/listen.js';
import { SessionLog } from '../lib/session-log.js';
import { rawTlsGate } from '../lib/tls-cap.js';
import { withChaos } from '../chaos/smtp-chaos.js';
import { GracefulStop } from './graceful-stop.js';
import { greetAfter } from './greet-at-once.js';
import { deadlinePerLine } from './line-deadline.js';
import { frameDataNatively } from './data-framing.js';
import { makeOnData, smtpError } from './receive-message.js';
import { gateBeforeHandshake, onEachConnection } from './smtp-internals.js';
import { resumeInOrder } from './resume-in-order.js';
import { inboxCredentials, makeOnAuth } from './smtp-auth.js';
import type { SmtpConfig } from './options.js';
import { strictCommands } from './strict-commands.js';

/** A reply text that starts with its own enhanced status code (RFC 3463 §2: class.subject.detail). */
const ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/** The text smtp-server 3.21.x answers with when a session has been idle too long. */
const IDLE_TIMEOUT_REPLY = 'Timeout - closing connection';

/**
 * The SMTP catch-all: any sender (the null reverse-path `<>` too), any recipient,
 * every message stored with its exact DATA bytes and envelope. One smtp-server per
 * listener: `smtp` (STARTTLS when TLS is configured) and `smtps` (implicit TLS,
 * RFC 8314).
 */
export function createSmtpFront(context: FrontContext, config: SmtpConfig): Front | null {
  const { logger, tls, credentials } = context;
  const log = logger.child({ front: 'smtp' });
  const listeners: Array<{ name: string; at: HostPort; secure: boolean }> = [];
  if (config.smtp) listeners.push({ name: 'smtp', at: resolveListenHost(config.smtp, config), secure: false });
  if (config.smtps && tls) listeners.push({ name: 'smtps', at: resolveListenHost(config.smtps, config), secure: true });
  if (listeners.length === 0) return null;

  // With inboxes, AUTH checks the inboxes' SMTP credentials; a client that does not
  // authenticate is still heard, and routing refuses at the end of DATA what no rule takes.
  const smtpCredentials = context.inboxes ? inboxCredentials(context.inboxes) : credentials;
  const authRequired = credentials !== null && !context.inboxes;
  const authOffered = authRequired || config.smtpAuthAcceptAny || context.inboxes !== undefined;
  const refused = () => context.activity.rejected('smtp');
  // One cap for both listeners; smtp-server calls onClose for every session it opened.
  const limiter = new ConnectionLimiter(connectionCaps(config));
  const admitted = new Map<string, () => void>();
  const sessionLogs = new Map<string, SessionLog>();
  const onAuth = makeOnAuth(smtpCredentials, log, refused);
  const handshakes = rawTlsGate(connectionCaps(config), refused);

  const makeServer = (secure: boolean) => {
    // Assigned below: the handlers need the server's drain state, the drain needs the server.
    let drain: GracefulStop | undefined;
    const options: SMTPServerOptions = {
      name: config.hostname,
      banner: 'Letterbox ESMTP ready',
      secure,
      // RFC 1870: SIZE is advertised and a larger declared SIZE= is refused at MAIL;
      // what actually arrives is counted while it streams (receive-message.ts).
      size: Number.isFinite(config.smtpMaxSize) ? config.smtpMaxSize : undefined,
      rejectOversized: true,
      // smtp-server keeps one entry per distinct recipient and answers 452 past this (RFC 5321 §4.5.3.1.10).
      maxRecipients: config.smtpMaxRecipients,
      authOptional: !authRequired,
      authMethods: smtpCredentials && !smtpCredentials.answersChallenges ? ['PLAIN', 'LOGIN'] : ['PLAIN', 'LOGIN', 'CRAM-MD5'],
      allowInsecureAuth: !config.smtpRequireTls,
      // smtp-server answers a STARTTLS it does not advertise, with a certificate of its own
      // (long expired, its key published): without TLS the command is not recognised.
      disabledCommands: [...(authOffered ? [] : ['AUTH']), ...(tls ? [] : ['STARTTLS'])],
      hideSTARTTLS: !tls || secure,
      hideENHANCEDSTATUSCODES: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      // A reverse lookup per connection stalls every session on a slow resolver (mailpit#230).
      disableReverseLookup: true,
      // RFC 5321 §4.5.3.1.4 allows 512 octets, RFC 4954 §4 raises it to 12,288 for AUTH
      // lines; a longer line gets 421 and the session ends (smtp-server's parser error).
      maxCommandLength: 12_288,
      socketTimeout: config.smtpTimeout,
      logger: false,
      onAuth,
      onData: makeOnData({
        delivery: context.delivery,
        log,
        onRefused: refused,
        onAccepted: (session, message) => {
          const line = sessionLogs.get(session.id);
          line?.count('messages');
          line?.count('bytes', message.size);
        },
        afterTransaction: (session) => drain?.transactionEnded(session),
      }),
      onConnect: (session, callback) => {
        const refusal = drain?.refusal();
        if (refusal) return callback(refusal);
        const admission = limiter.admit(session.remoteAddress);
        if (!admission.ok) {
          refused();
          return callback(smtpError(421, refusalText(admission.reason)));
        }
        admitted.set(session.id, admission.release);
        sessionLogs.set(session.id, new SessionLog(log, 'smtp', { client: session.remoteAddress }));
        callback();
      },
      onMailFrom: (_address, session, callback) => {
        const refusal = drain?.refusal();
        if (refusal) return callback(refusal);
        if (config.smtpRequireTls && !session.secure) {
          refused();
          return callback(smtpError(530, 'Must issue a STARTTLS command first'));
        }
        callback();
      },
      // Any recipient is taken. Answered at once: smtp-server's default handler waits a
      // setImmediate, which splits a pipelined group's replies into two writes.
      onRcptTo: (_address, _session, callback) => callback(),
      onClose: (session) => {
        admitted.get(session.id)?.();
        admitted.delete(session.id);
        const line = sessionLogs.get(session.id);
        sessionLogs.delete(session.id);
        line?.set({ tls: session.secure, ...(typeof session.user === 'string' ? { user: session.user } : {}), transactions: (session.transaction ?? 1) - 1 });
        line?.end('closed');
      },
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    };
    const server = new SMTPServer(withChaos(options, context.chaos));
    drain = new GracefulStop(server);
    greetAfter(server, config.smtpEarlyTalkerDelay);
    resumeInOrder(server);
    if (secure) gateBeforeHandshake(server, handshakes);
    frameDataNatively(server);
    strictCommands(server);
    deadlinePerLine(server, config.smtpTimeout, (id) => sessionLogs.get(id)?.set({ ended: 'line too slow' }));
    // How a session ended, from the replies smtp-server sends itself: 221 to QUIT, and
    // its idle-timeout 421 (RFC 5321 §4.5.3.2).
    onEachConnection(server, (connection) => {
      const send = connection.send.bind(connection);
      connection.send = (code, text, context) => {
        // A reply that carries its own RFC 3463 code (550 5.7.1 …) gets no second one.
        if (ENHANCED_CODE.test(text)) return send(code, text, false);
        // AUTH before STARTTLS where TLS is required: RFC 4954 §6's code (smtp-server says 5.7.0).
        if (code === 538) return send(538, '5.7.11 Encryption required for requested authentication mechanism', false);
        if (code === 221) sessionLogs.get(connection.id)?.set({ ended: 'quit' });
        else if (code === 421 && text === IDLE_TIMEOUT_REPLY) sessionLogs.get(connection.id)?.set({ ended: 'idle' });
        else if (code === 421 && drain?.draining) sessionLogs.get(connection.id)?.set({ ended: 'shutdown' });
        send(code, text, context);
      };
    });
    // Socket-level errors of one session (a reset mid-DATA, a failed TLS handshake) end
    // that session only; they are logged, never thrown.
    server.on('error', (error) => log.debug('smtp session error', { error }));
    server.server.on('connection', (socket: Socket) => {
      context.activity.opened('smtp');
      socket.once('close', () => context.activity.closed('smtp'));
    });
    return { server, drain };
  };

  const servers = listeners.map((l) => ({ ...l, ...makeServer(l.secure) }));
  let started: Promise<BoundListener[]> | undefined;

  return {
    name: 'smtp',
    start() {
      started ??= listenAll(servers.map(({ name, at, server }) => ({ name, at, server: server.server })));
      return started;
    },
    async stop(graceMs) {
      await Promise.all(servers.map(({ drain }) => drain.stop(graceMs)));
    },
  };
}
