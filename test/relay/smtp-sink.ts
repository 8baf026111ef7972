/**
 * A real SMTP server (smtp-server) on 127.0.0.1 port 0 that plays a destination
 * for release tests: it accepts, or refuses with a given reply, per step, and
 * records what it was sent. Drops and stalls are done on the real socket.
 */
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { closeServer, listen } from '../../server/lib/listen.js';

export interface SinkMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  secure: boolean;
  user: string;
}

type Refusal = { code: number; message: string } | null | 'stall' | 'drop';

export interface SinkBehaviour {
  /** Before the greeting: 'stall' never greets. */
  connect?: (count: number) => Refusal;
  /** MAIL FROM; `transaction` counts transactions on this connection, from 1. */
  mail?: (transaction: number) => Refusal;
  rcpt?: (address: string, session: SMTPServerSession) => Refusal;
  /** After the data arrived (count = transactions so far, from 1); 'drop' closes mid-DATA. */
  data?: (count: number) => Refusal;
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** With `tls`: TLS from the first byte (RFC 8314) instead of STARTTLS. */
  implicitTls?: boolean;
  auth?: { user: string; password: string };
  /** The AUTH mechanisms offered (default PLAIN and LOGIN). */
  authMethods?: string[];
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  /** Every byte clients sent, in arrival order (plain-text sessions), as latin1; cleared by clearWire. */
  wire(): string;
  clearWire(): void;
  /** Resolves when `count` messages have arrived. */
  received(count: number): Promise<SinkMessage[]>;
  /** Closes every open connection from the server side (as an idle timeout would). */
  dropConnections(): void;
  close(): Promise<void>;
}

const refuse = (r: { code: number; message: string }) => Object.assign(new Error(r.message), { responseCode: r.code });

export async function startSink(behaviour: SinkBehaviour = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  const waiters: Array<{ count: number; resolve: (m: SinkMessage[]) => void }> = [];
  let connections = 0;
  let transactions = 0;
  const stalled: Array<() => void> = [];

  const options: SMTPServerOptions = {
    name: 'sink.test',
    logger: false,
    disableReverseLookup: true,
    authOptional: !behaviour.auth,
    allowInsecureAuth: true,
    authMethods: behaviour.authMethods ?? ['PLAIN', 'LOGIN'],
    secure: Boolean(behaviour.tls && behaviour.implicitTls),
    hideSTARTTLS: !behaviour.tls || Boolean(behaviour.implicitTls),
    disabledCommands: behaviour.auth ? [] : ['AUTH'],
    ...(behaviour.tls ? { key: behaviour.tls.key, cert: behaviour.tls.cert } : {}),
    onConnect(session, callback) {
      const r = behaviour.connect?.(++connections) ?? null;
      if (r === 'stall') return stalled.push(() => callback());
      if (r === 'drop') return callback(refuse({ code: 421, message: 'bye' }));
      callback(r ? refuse(r) : null);
    },
    onAuth(auth, _session, callback) {
      if (behaviour.auth && auth.username === behaviour.auth.user && auth.password === behaviour.auth.password) return callback(null, { user: auth.username });
      callback(refuse({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onMailFrom(_address, session, callback) {
      const r = behaviour.mail?.((session as SMTPServerSession & { transaction: number }).transaction) ?? null;
      if (r === 'stall' || r === 'drop') return;
      callback(r ? refuse(r) : null);
    },
    onRcptTo(address, session, callback) {
      const r = behaviour.rcpt?.(address.address, session) ?? null;
      if (r === 'stall' || r === 'drop') return;
      callback(r ? refuse(r) : null);
    },
    onData(stream: Readable, session, callback) {
      const count = ++transactions;
      const r = behaviour.data?.(count) ?? null;
      if (r === 'drop') {
        stream.once('data', () => {
          for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) connection._socket.destroy();
        });
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (r === 'stall') return stalled.push(() => callback());
        if (r) return callback(refuse(r));
        messages.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks),
          secure: session.secure,
          user: typeof session.user === 'string' ? session.user : '',
        });
        for (const waiter of [...waiters]) {
          if (messages.length >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(messages);
          }
        }
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  let wire: Buffer[] = [];
  server.server.on('connection', (socket: Socket) => socket.on('data', (chunk: Buffer) => wire.push(chunk)));
  const bound = await listen(server.server, { host: '127.0.0.1', port: 0 }, 'smtp sink');
  return {
    port: bound.port,
    messages,
    wire: () => Buffer.concat(wire).toString('latin1'),
    clearWire: () => {
      wire = [];
    },
    dropConnections() {
      for (const connection of (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections) connection._socket.destroy();
    },
    received: (count) => (messages.length >= count ? Promise.resolve(messages) : new Promise((resolve) => waiters.push({ count, resolve }))),
    async close() {
      for (const release of stalled.splice(0)) release();
      const closed = closeServer(server.server);
      for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
      await closed;
    },
  };
}
