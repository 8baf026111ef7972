import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/log.js';
import type { Credentials } from '../security/auth-file.js';
import type { EventsHub } from './events-hub.js';
import { HOST_REFUSAL, type HostCheck } from './host-guard.js';
import { logRequest } from './request-log.js';
import { authorised, originAllowed } from './security.js';
import { NO_INBOX } from './respond.js';

/**
 * Where an upgrade to an events path goes once the caller is known: a hub, and whether
 * the caller may still read it (asked when the inboxes file is reloaded, which may take
 * it back), or a refusal.
 */
export type UpgradeTarget = { hub: EventsHub; stillAllowed: () => boolean } | 401 | 404;

export interface UpgradeOptions {
  /** Whether a path is an events path (`<webroot>api/events`, or an inbox's); any other path is 404. */
  isEventsPath: (path: string) => boolean;
  /** The hub that serves this caller at this path, or why not (Basic auth, an inbox not theirs). */
  target: (path: string, authorization: string | undefined) => Promise<UpgradeTarget>;
  allowedHost: HostCheck | null;
  apiCors: readonly string[];
  log: Logger;
}

/** The one events path of a sandbox without inboxes, behind --ui-auth-file when set. */
export function singleRootEvents(eventsPath: string, hub: EventsHub, uiCredentials: Credentials | null): Pick<UpgradeOptions, 'isEventsPath' | 'target'> {
  return {
    isEventsPath: (path) => path === eventsPath,
    // The auth file is read once, at start: what it allowed stays allowed.
    target: async (_path, authorization) => (!uiCredentials || (await authorised(uiCredentials, authorization)) !== undefined ? { hub, stillAllowed: () => true } : 401),
  };
}

/**
 * The WebSocket upgrade of `<webroot>api/events`, held to the rules every route is:
 * the Host check, the same-origin rule (or --api-cors) and Basic auth. An upgrade
 * bypasses the Hono app, so each refusal is written to the socket here.
 */
export function eventsUpgrade(options: UpgradeOptions): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { isEventsPath, target, allowedHost, apiCors, log } = options;
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
    const accept = ({ hub, stillAllowed }: Exclude<UpgradeTarget, number>) => {
      logged(101);
      hub.upgrade(request, socket, head, stillAllowed);
    };
    if (allowedHost && !allowedHost(request.headers.host)) return deny(403, 'Forbidden', HOST_REFUSAL);
    if (!isEventsPath(path)) return deny(404, 'Not Found', '404 page not found');
    const origin = request.headers.origin;
    if (origin && !originAllowed(origin, request.headers.host, apiCors)) {
      return deny(403, 'Forbidden', 'Blocked due to CORS violation');
    }
    target(path, request.headers.authorization)
      .then((found) => {
        if (found === 401) deny(401, 'Unauthorized', 'Unauthorised', 'WWW-Authenticate: Basic realm="Login"\r\n');
        else if (found === 404) deny(404, 'Not Found', NO_INBOX);
        else accept(found);
      })
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
