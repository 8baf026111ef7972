import type { Server, Socket } from 'node:net';
import type { Activity } from './activity.js';
import { ConnectionLimiter, refusalText, type ConnectionCaps } from './connection-limiter.js';
import { capTlsConnections } from './tls-cap.js';

export interface GateOptions {
  protocol: string;
  activity: Activity;
  caps: ConnectionCaps;
  /** Answers a refused socket in the protocol's own words (e.g. `-ERR [SYS/TEMP] …`) and closes it. */
  refuse: (socket: Socket, text: string) => void;
}

/** For line protocols: write the refusal line, close, and drop a client that does not read it. */
export function refuseWithLine(line: (text: string) => string): (socket: Socket, text: string) => void {
  return (socket, text) => {
    socket.on('error', () => socket.destroy());
    socket.end(line(text));
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
}

export interface ConnectionGate {
  /**
   * Counts a new session's socket for /metrics while it is open, or past a cap answers
   * in the front's protocol and closes it. Returns whether the front should serve it.
   */
  admit(socket: Socket): boolean;
  /** Caps a node:tls listener's connections still in their handshake (lib/tls-cap.ts). */
  capHandshakes(server: Server): void;
}

/** Admits or refuses each new socket of one front, under the caps it is given. */
export function connectionGate(options: GateOptions): ConnectionGate {
  const limiter = new ConnectionLimiter(options.caps);
  const admit = (socket: Socket): boolean => {
    const admission = limiter.admit(socket.remoteAddress);
    if (!admission.ok) {
      options.activity.rejected(options.protocol);
      options.refuse(socket, refusalText(admission.reason));
      return false;
    }
    options.activity.opened(options.protocol);
    socket.once('close', () => {
      admission.release();
      options.activity.closed(options.protocol);
    });
    return true;
  };
  return { admit, capHandshakes: (server) => capTlsConnections(server, options.caps, () => options.activity.rejected(options.protocol)) };
}
