import type { SMTPServer } from 'smtp-server';
import { LineDeadline } from '../lib/line-deadline.js';
import { onEachConnection, watchInput } from './smtp-internals.js';

/**
 * Gives every line a session reads, commands and message data alike, `ms` to arrive
 * from its first byte (server/lib/line-deadline.ts). smtp-server's socketTimeout only
 * catches silence; a client that trickles a line that never ends gets 421 and is
 * closed. A message line is at most 1,000 octets (RFC 5321 §4.5.3.1.6), so a line
 * that takes the whole idle timeout is no real client.
 */
export function deadlinePerLine(smtp: SMTPServer, ms: number, onExpired: (sessionId: string) => void): void {
  onEachConnection(smtp, (connection) => {
    const deadline = new LineDeadline(ms, () => {
      onExpired(connection.id);
      connection.send(421, 'Timeout - a line took too long to arrive, closing connection');
    });
    watchInput(connection, (chunk) => deadline.observe(chunk));
    connection._socket.once('close', () => deadline.stop());
  });
}
