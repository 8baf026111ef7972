import type { Server, Socket } from 'node:net';
import { ConnectionLimiter, type ConnectionCaps } from './connection-limiter.js';

/**
 * The connection caps of a TLS listener count sessions, and a session starts only once
 * its handshake is done (that is where the refusal can be said in the protocol's own
 * words). Before that, Node bounds a connection by its handshake timeout alone, so a
 * client could hold any number of them. This caps a TLS listener's raw connections
 * too, at twice the session caps (room for every session and as many handshakes in
 * flight); past that a connection is closed at once, since nothing can be said to a
 * client before its handshake. Returns whether the socket may go on.
 */
export function rawTlsGate(caps: ConnectionCaps, onRefused: () => void): (socket: Socket) => boolean {
  const limiter = new ConnectionLimiter({ total: caps.total * 2, perAddress: caps.perAddress * 2 });
  return (socket) => {
    const admission = limiter.admit(socket.remoteAddress);
    if (!admission.ok) {
      onRefused();
      socket.on('error', () => undefined);
      socket.destroy();
      return false;
    }
    socket.once('close', admission.release);
    return true;
  };
}

/**
 * The gate on a node:tls server. Its own 'connection' listener, which wraps the socket
 * in TLS, runs first; a raw socket destroyed after its wrap is safe (destroyed before
 * or under it, Node 20 can crash: see server/smtp/graceful-stop.ts).
 */
export function capTlsConnections(server: Server, caps: ConnectionCaps, onRefused: () => void): void {
  const gate = rawTlsGate(caps, onRefused);
  server.on('connection', (socket: Socket) => void gate(socket));
}
