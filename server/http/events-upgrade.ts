import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/log.js';
import type { Credentials } from '../security/auth-file.js';
import type { EventsHub } from './events-hub.js';
import { HOST_REFUSAL, type HostCheck } from './host-guard.js';
import { logRequest } from './request-log.js';
import { authorised, originAllowed } from './security.js';

export interface UpgradeOptions {
  /** `<webroot>api/events`, the one path that may upgrade. */
  eventsPath: string;
  hub: EventsHub;
  allowedHost: HostCheck | null;
  apiCors: readonly string[];
  uiCredentials: Credentials | null;
  log: Logger;
}

/**
 * The WebSocket upgrade of `<webroot>api/events`, held to the rules every route is:
 * the Host check, the same-origin rule (or --api-cors) and Basic auth. An upgrade
 * bypasses the Hono app, so each refusal is written to the socket here.
 */
export function eventsUpgrade(options: UpgradeOptions): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { eventsPath, hub, allowedHost, apiCors, uiCredentials, log } = options;
  return (request, socket, head) => {
    const startedAt = performance.now();
    socket.on('error', () => socket.destroy());
    const path = (request.url ?? '').split('?')[0] ?? '';
    const logged = (status: number, error?: unknown) =>
      logRequest(log, { method: request.method ?? 'GET', path, status, startedAt, client: request.socket.remoteAddress ?? '', error });
    const deny = (status: number, reason: string, message: string, extra = '') => {
      logged(status);
      refuse(socket, status, reason, message, extra);
    };
    const accept = () => {
      logged(101);
      hub.upgrade(request, socket, head);
    };
    if (allowedHost && !allowedHost(request.headers.host)) return deny(403, 'Forbidden', HOST_REFUSAL);
    if (path !== eventsPath) return deny(404, 'Not Found', '404 page not found');
    const origin = request.headers.origin;
    if (origin && !originAllowed(origin, request.headers.host, apiCors)) {
      return deny(403, 'Forbidden', 'Blocked due to CORS violation');
    }
    if (!uiCredentials) return accept();
    authorised(uiCredentials, request.headers.authorization)
      .then((user) => (user === undefined ? deny(401, 'Unauthorized', 'Unauthorised', 'WWW-Authenticate: Basic realm="Login"\r\n') : accept()))
      .catch((error: unknown) => {
        logged(500, error);
        refuse(socket, 500, 'Internal Server Error', 'internal error');
      });
  };
}

/** An answer written straight to a socket no route will see (an upgrade, a malformed request). */
export function refuse(socket: Duplex, status: number, reason: string, message: string, extra = ''): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ Error: message });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
