import type { Socket } from 'node:net';
import type { Activity } from './activity.js';
import { ConnectionLimiter, refusalText } from './connection-limiter.js';

export interface GateOptions {
  protocol: string;
  activity: Activity;
  /** Most open connections; 0 = no cap. */
  total: number;
  /** Most open connections from one client address; 0 = no cap. */
  perAddress: number;
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

/**
 * Admits or refuses each new socket of one front: counts it for /metrics while it is
 * open, and past a cap answers in the front's protocol and closes. Returns whether the
 * front should serve the socket.
 */
export function connectionGate(options: GateOptions): (socket: Socket) => boolean {
  const limiter = new ConnectionLimiter({ total: options.total, perAddress: options.perAddress });
  return (socket) => {
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
}
