import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { closeServer, dropConnections } from '../lib/listen.js';
import { inTransaction, serverInternals, type ConnectionInternals } from './smtp-internals.js';

const SHUTTING_DOWN = 'Server shutting down, try again later';

/**
 * Graceful stop for one smtp-server, driven by events rather than polling:
 *
 * - the listener stops accepting at once;
 * - sessions outside a mail transaction get 421 (RFC 5321 §3.8) and are closed;
 * - a session inside one may finish it: its DATA reply is sent, then 421 and close;
 *   a new MAIL or a new connection in the meantime gets 421;
 * - when `graceMs` runs out, every socket still open is destroyed.
 *
 * It resolves when the last socket has closed (net.Server's own close event).
 */
export class GracefulStop {
  readonly #smtp: SMTPServer;
  #draining = false;
  #stopped: Promise<void> | undefined;

  constructor(smtp: SMTPServer) {
    this.#smtp = smtp;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** For onConnect and onMailFrom: the error to refuse with while draining, else null. */
  refusal(): (Error & { responseCode: number }) | null {
    return this.#draining ? Object.assign(new Error(SHUTTING_DOWN), { responseCode: 421 }) : null;
  }

  /** Called once a transaction's reply is sent: a draining session closes now. */
  transactionEnded(session: SMTPServerSession): void {
    if (!this.#draining) return;
    const connection = this.#connectionOf(session);
    if (connection) connection.send(421, SHUTTING_DOWN);
  }

  stop(graceMs: number): Promise<void> {
    this.#stopped ??= this.#stop(graceMs);
    return this.#stopped;
  }

  async #stop(graceMs: number): Promise<void> {
    this.#draining = true;
    const closed = closeServer(this.#smtp.server);
    const server = serverInternals(this.#smtp);
    // A socket still before or in its TLS handshake has no session to finish. It is ended
    // from the top, once smtp-server has wrapped it (it does so in a setImmediate queued
    // when the socket came): a raw socket destroyed before or under its TLS wrap crashes
    // Node 20 (SIGSEGV in the wrap's getProtocol()).
    setImmediate(() => {
      for (const top of server._pendingSockets.values()) top.destroy();
    });
    for (const connection of [...server.connections]) {
      if (graceMs <= 0 || !inTransaction(connection)) connection.send(421, SHUTTING_DOWN);
    }
    const deadline = setTimeout(() => {
      for (const connection of server.connections) connection._socket.destroy();
      for (const top of server._pendingSockets.values()) top.destroy();
      // Then every accepted socket still open (server/lib/listen.ts tracks them).
      dropConnections(this.#smtp.server);
    }, Math.max(0, graceMs));
    // A client that does not close its side after 421 is cut off at the deadline too.
    try {
      await closed;
    } finally {
      clearTimeout(deadline);
    }
  }

  #connectionOf(session: SMTPServerSession): ConnectionInternals | undefined {
    for (const connection of serverInternals(this.#smtp).connections) {
      if (connection.session === session) return connection;
    }
    return undefined;
  }
}
