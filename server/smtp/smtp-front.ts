import type { SMTPServerAuthentication, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { SMTPServer } from 'smtp-server';
import type { Readable } from 'node:stream';
import { resolveListenHost } from '../config.js';
import type { BoundListener, Front, FrontContext } from '../front.js';
import type { HostPort } from '../lib/host-port.js';
import { closeServer, listen } from '../lib/listen.js';
import { greetAtOnce } from './greet-at-once.js';

/** An error carrying the SMTP reply code smtp-server should send. */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * The SMTP catch-all: any sender, any recipient, every message stored with its
 * exact DATA bytes and envelope.
 */
export function createSmtpFront(context: FrontContext): Front | null {
  const { config, store, logger, tls, credentials } = context;
  const log = logger.child({ front: 'smtp' });
  const listeners: Array<{ name: string; at: HostPort; secure: boolean }> = [];
  if (config.smtp) listeners.push({ name: 'smtp', at: resolveListenHost(config.smtp, config), secure: false });
  if (config.smtps && tls) listeners.push({ name: 'smtps', at: resolveListenHost(config.smtps, config), secure: true });
  if (listeners.length === 0) return null;

  const authRequired = credentials !== null;
  const authOffered = authRequired || config.smtpAuthAcceptAny;
  const maxSize = config.smtpMaxSize;

  const onAuth: SMTPServerOptions['onAuth'] = (auth, session, callback) => {
    authenticate(auth)
      .then((ok) => {
        if (ok) return callback(null, { user: auth.username ?? '' });
        log.info('authentication failed', { client: session.remoteAddress, user: auth.username });
        callback(null, { message: 'Authentication credentials invalid', responseCode: 535 });
      })
      .catch((error: unknown) => callback(error as Error));
  };

  async function authenticate(auth: SMTPServerAuthentication): Promise<boolean> {
    if (!credentials) return true;
    const user = auth.username ?? '';
    if (auth.method === 'CRAM-MD5') {
      const secret = credentials.plainSecret(user);
      return secret !== undefined && auth.validatePassword(secret);
    }
    return credentials.verify(user, auth.password ?? '');
  }

  const onData = (stream: Readable, session: SMTPServerSession, callback: (error?: Error | null, message?: string) => void) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      // Stop keeping bytes past the limit; smtp-server still drains and answers 552.
      bytes += chunk.length;
      if (maxSize === 0 || bytes <= maxSize) chunks.push(chunk);
    });
    stream.on('end', () => {
      if ((stream as Readable & { sizeExceeded?: boolean }).sizeExceeded || (maxSize > 0 && bytes > maxSize)) {
        return callback(smtpError(552, `5.3.4 Message exceeds the maximum size of ${maxSize} bytes`));
      }
      try {
        const message = store.deliver({
          raw: Buffer.concat(chunks, bytes),
          envelope: {
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((r) => r.address),
          },
          client: {
            address: session.remoteAddress,
            helo: session.hostNameAppearsAs ?? '',
            username: typeof session.user === 'string' ? session.user : '',
            secure: session.secure,
            via: 'smtp',
          },
        });
        callback(null, `Ok: queued as ${message.id}`);
      } catch (error) {
        log.error('storing a message failed', { error });
        callback(smtpError(451, '4.3.0 Could not store the message, try again'));
      }
    });
  };

  const makeServer = (secure: boolean) => {
    const options: SMTPServerOptions = {
      name: config.hostname,
      banner: 'Letterbox ESMTP ready',
      secure,
      size: maxSize || undefined,
      authOptional: !authRequired,
      authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'],
      allowInsecureAuth: !config.smtpRequireTls,
      disabledCommands: authOffered ? [] : ['AUTH'],
      hideSTARTTLS: !tls || secure,
      hideENHANCEDSTATUSCODES: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      // A reverse lookup per connection stalls every session on a slow resolver.
      disableReverseLookup: true,
      socketTimeout: config.smtpTimeout,
      closeTimeout: 5_000,
      logger: false,
      onAuth,
      onData,
      onMailFrom: (_address, session, callback) => {
        if (config.smtpRequireTls && !session.secure) return callback(smtpError(530, '5.7.0 Must issue a STARTTLS command first'));
        callback();
      },
      onRcptTo: (_address, session, callback) => {
        if (session.envelope.rcptTo.length >= config.smtpMaxRecipients) {
          return callback(smtpError(452, `4.5.3 Too many recipients (at most ${config.smtpMaxRecipients})`));
        }
        callback();
      },
      ...(tls ? { key: tls.key, cert: tls.cert } : {}),
    };
    const server = new SMTPServer(options);
    if (config.smtpEarlyTalkerDelay === 0) greetAtOnce(server);
    server.on('error', (error) => log.warn('smtp error', { error }));
    return server;
  };

  const servers = listeners.map((l) => ({ ...l, server: makeServer(l.secure) }));
  let started: Promise<BoundListener[]> | undefined;

  return {
    name: 'smtp',
    start() {
      started ??= Promise.all(
        servers.map(async ({ name, at, server }) => {
          const bound = await listen(server.server, at);
          return { name, host: bound.host, port: bound.port };
        }),
      );
      return started;
    },
    async stop(graceMs) {
      await Promise.all(servers.map(({ server }) => stopGracefully(server, graceMs)));
    },
  };
}

/**
 * Stops accepting at once; sessions in a transaction get up to `graceMs` to finish,
 * then every connection is closed.
 */
async function stopGracefully(server: SMTPServer, graceMs: number): Promise<void> {
  const closed = closeServer(server.server);
  const connections = (server as unknown as { connections: Set<{ close(): void; session?: SMTPServerSession; _dataStream?: unknown }> }).connections;
  const deadline = Date.now() + graceMs;
  const busy = () => [...connections].some((c) => c._dataStream || (c.session?.envelope.mailFrom ?? false));
  while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const connection of connections) connection.close();
  await closed;
}
