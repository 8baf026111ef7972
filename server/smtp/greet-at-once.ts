import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';
import { onEachConnection, serverInternals, type ConnectionInternals } from './smtp-internals.js';

/**
 * smtp-server waits a fixed 100 ms before every greeting to catch clients that talk
 * first, which caps a client that opens a connection per message at 10 messages/s
 * (PHP mail(), unpooled nodemailer transports). There is no option for it, so this
 * replaces each new connection's `init` with one that greets as soon as the socket
 * is set up, keeping the connection-count check that `init` does.
 *
 * Early-talker detection (RFC 5321 §4.3.1 has the client wait for the 220) stays
 * available as an option: `greetAfter(smtp, ms)` waits `ms` first, and a client that
 * sends a command in that time gets smtp-server's "421 You talk too soon".
 *
 * It reaches into smtp-server 3.21.x internals (pinned exactly in package.json);
 * test/smtp/greeting.test.ts fails if an upgrade breaks it.
 */
export function greetAtOnce(smtp: SMTPServer): void {
  greetAfter(smtp, 0);
}

export function greetAfter(smtp: SMTPServer, delayMs: number): void {
  const server = serverInternals(smtp);
  onEachConnection(smtp, (connection) => {
    batchReplies(connection);
    connection.init = () => {
      connection._setListeners(() => {
        const max = server.options.maxClients;
        if (max && server.connections.size > max) {
          connection.send(421, `${connection.name} Too many connected clients, try again in a moment`, false);
          return;
        }
        if (delayMs <= 0) return connection.connectionReady();
        // connectionReady does nothing once the connection has closed in the meantime.
        setTimeout(() => connection.connectionReady(), delayMs).unref();
      });
    };
  });
}

/**
 * smtp-server writes each reply with its own socket.write, one syscall each. A client
 * that pipelines (RFC 2920) gets the replies to a whole group (the end of DATA, MAIL,
 * RCPT, DATA) in one segment instead: the socket is corked at the first reply and
 * uncorked once the code that is running now (a pipelined group is handled in one go)
 * has finished.
 */
function batchReplies(connection: ConnectionInternals): void {
  const send = connection.send.bind(connection);
  let corked: Socket | undefined;
  const uncork = () => {
    const socket = corked;
    corked = undefined;
    socket?.uncork();
  };
  connection.send = (code, text, context) => {
    const socket = connection._socket;
    if (!corked && !socket.destroyed) {
      corked = socket;
      socket.cork();
      process.nextTick(uncork);
    }
    send(code, text, context);
  };
}
