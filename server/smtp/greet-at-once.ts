import type { SMTPServer } from 'smtp-server';

/**
 * smtp-server waits a fixed 100 ms before every greeting to catch clients that talk
 * first, which caps a client that opens a connection per message at 10 messages/s
 * (PHP mail(), unpooled nodemailer transports). There is no option for it, so this
 * replaces each new connection's `init` with one that greets as soon as the socket
 * is set up, keeping the connection-count check that `init` does.
 *
 * It reaches into smtp-server 3.21.x internals (pinned exactly in package.json);
 * test/smtp/greeting.test.ts fails if an upgrade breaks it.
 */
interface ConnectionInternals {
  init(): void;
  connectionReady(next?: () => void): void;
  send(code: number, text: string, close?: boolean): void;
  _setListeners(callback: () => void): void;
  name: string;
}

interface ServerInternals {
  connections: Set<ConnectionInternals>;
  options: { maxClients?: number };
}

export function greetAtOnce(smtp: SMTPServer): void {
  const server = smtp as unknown as ServerInternals;
  const connections = server.connections;
  const add = connections.add.bind(connections);
  connections.add = (connection: ConnectionInternals) => {
    connection.init = () => {
      connection._setListeners(() => {
        const max = server.options.maxClients;
        if (max && connections.size > max) {
          connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
          return;
        }
        connection.connectionReady();
      });
    };
    return add(connection);
  };
}
