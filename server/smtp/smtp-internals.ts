import type { SMTPServer, SMTPServerSession } from 'smtp-server';

/**
 * The parts of smtp-server 3.21.x's connection and server objects that Letterbox
 * reaches into, declared in one place. smtp-server is pinned exactly in package.json;
 * test/smtp/greeting.test.ts and test/smtp/graceful-stop.test.ts fail if an upgrade
 * moves any of them.
 */
export interface ConnectionInternals {
  /** Sets up the socket and, after smtp-server's fixed 100 ms early-talker wait, greets. */
  init(): void;
  /** Greets (220) and starts reading commands. */
  connectionReady(next?: () => void): void;
  /** Writes a reply; a 421 also closes the connection. */
  send(code: number, text: string, context?: string | false): void;
  /** Ends the socket after the replies written so far; destroys it after 5 s at most. */
  close(): void;
  _setListeners(callback: () => void): void;
  readonly name: string;
  /** The current socket: the TLS socket once STARTTLS has completed. */
  readonly _socket: import('node:net').Socket;
  readonly session: Partial<SMTPServerSession>;
  /** The DATA stream while a message is being received, else false or null. */
  readonly _dataStream: unknown;
}

interface ServerInternals {
  connections: Set<ConnectionInternals>;
  options: { maxClients?: number };
}

export function serverInternals(smtp: SMTPServer): ServerInternals {
  return smtp as unknown as ServerInternals;
}

/** True while the session is inside a mail transaction (after MAIL, through the DATA reply). */
export function inTransaction(connection: ConnectionInternals): boolean {
  return Boolean(connection._dataStream) || Boolean(connection.session.envelope?.mailFrom);
}
