import { statSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer, type HttpBindings, type Http2Bindings } from '@hono/node-server';
import type { Server, ServerResponse } from 'node:http';
import { connectionGate } from '../lib/connection-gate.js';
import type { BoundListener, Front, FrontContext } from '../front.js';
import { resolveListenHost } from '../lib/host-port.js';
import { OptionError } from '../lib/options.js';
import { closeServer, dropConnections, listen } from '../lib/listen.js';
import { packageVersion } from '../lib/package-version.js';
import { connectionCaps } from '../lib/connection-limiter.js';
import { ParseCache } from '../derived/parse-cache.js';
import type { ReleaseService } from '../relay/release-service.js';
import { loadAuthFile } from '../security/auth-file.js';
import type { Hono } from 'hono';
import type { InboxDirectory } from '../inboxes/types.js';
import type { HttpEnv } from './api.js';
import { createApp } from './app.js';
import { createRoot, type SharedParts } from './http-root.js';
import { InboxApp, signIn } from './inbox-app.js';
import { eventsUpgrade, refuse, singleRootEvents, type UpgradeOptions } from './events-upgrade.js';
import { hostCheck, type HostCheck } from './host-guard.js';
import type { HttpConfig } from './options.js';
import { defaultUiDir } from './serve-ui.js';
import { loadUiTls } from './ui-tls.js';
import { SpamChecker } from '../spam/spam-checker.js';
import { FrontCounters } from './metrics.js';

/**
 * Node's own whole-request clock (server.requestTimeout, headersTimeout), set to one
 * deadline for headers and body together. Node only looks at it every
 * connectionsCheckingInterval (30s by default), so it looks ten times per deadline
 * and at least once a second: a request that trickles is closed at most a tenth of the
 * deadline late (10 ms for deadlines under 100 ms). 0 turns both timeouts off.
 */
function requestDeadline(ms: number): { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  return { requestTimeout: ms, headersTimeout: ms, connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.round(ms / 10))) };
}

/**
 * A request still arriving at the deadline gets a 408 JSON answer, unless an answer to
 * it has already begun (say a 413 while the body kept coming), and the connection is
 * closed both ways: a client still sending must not keep it open.
 */
function closeLateRequest(socket: Duplex, response: ServerResponse | undefined): void {
  const answering = response !== undefined && !response.req.complete && response.headersSent;
  if (answering || !socket.writable) return void socket.destroy();
  refuse(socket, 408, 'Request Timeout', 'request not received in time');
  // Past the deadline, a client that does not read its answer does not get to wait for it.
  if (socket.writableLength > 0) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
}

/**
 * The HTTP front: the Mailpit-compatible API, the web inbox and the live WebSocket,
 * one node http (or, with --ui-tls, https) server. Only `<webroot>api/events` (with
 * --inboxes, each inbox's own, and all/'s) may upgrade to a WebSocket. No HSTS: the listener is a local sandbox, and a browser that
 * pinned HTTPS for localhost would refuse every other plain-HTTP tool on it.
 */
export function createHttpFront(context: FrontContext, config: HttpConfig, release: ReleaseService | undefined): Front | null {
  const { logger, clock } = context;
  if (!config.listen) return null;
  const at = resolveListenHost(config.listen, config);
  const log = logger.child({ front: 'http' });
  let server: Server | undefined;
  let stopRoots: (() => void) | undefined;
  let started: Promise<BoundListener[]> | undefined;

  const start = async (): Promise<BoundListener[]> => {
    const uiCredentials = config.uiAuthFile ? await loadAuthFile(config.uiAuthFile) : null;
    const tls = await loadUiTls(config, context.tls);
    const allowedHost = hostCheck(config, at.host);
    const shared: SharedParts = {
      context, config, logger: log,
      parsed: new ParseCache(),
      version: packageVersion(),
      startedAt: clock(),
      uiCredentials,
      spam: config.enableSpamassassin ? new SpamChecker(config.enableSpamassassin) : undefined,
      counters: new FrontCounters(),
    };
    // A folder given must be one: a mistyped path would serve the "not built" page on every path.
    if (config.uiDir && !statSync(config.uiDir, { throwIfNoEntry: false })?.isDirectory()) throw new OptionError(`--ui-dir: ${config.uiDir} is not a folder`);
    const uiDir = config.uiDir || defaultUiDir();
    const served = context.inboxes
      ? inboxFront(context.inboxes, shared, uiDir, allowedHost)
      : singleFront(shared, release, uiDir, allowedHost);
    const app = served.app;
    stopRoots = served.stop;
    // Past the connection caps a socket still gets an HTTP answer: every request on it is
    // a 503 JSON error, decided before any route runs, and the connection then closes.
    const refusedSockets = new WeakMap<Socket, string>();
    const gate = connectionGate({
      protocol: 'http',
      activity: context.activity,
      caps: connectionCaps(config),
      refuse: (socket, text) => refusedSockets.set(socket, text),
    });
    server = createAdaptorServer({
      fetch: (request: Request, env: HttpBindings | Http2Bindings) => {
        const refusal = refusedSockets.get(env.incoming.socket as Socket);
        if (refusal === undefined) return app.fetch(request, env);
        return Response.json({ Error: refusal }, { status: 503, headers: { Connection: 'close', 'Retry-After': '1' } });
      },
      // Only the base of the Request URL when an HTTP/1.0 client sends no Host header.
      hostname: 'localhost',
      serverOptions: { ...requestDeadline(config.httpRequestTimeout), ...(tls && { key: tls.key, cert: tls.cert }) },
      ...(tls && { createServer: createHttpsServer }),
    }) as Server;
    // Under TLS a request's socket is the TLS socket, so that is the one admitted (and
    // answered 503 past the caps); connections still in their handshake have a cap of
    // their own (lib/tls-cap.ts).
    server.prependListener(tls ? 'secureConnection' : 'connection', (socket: Socket) => void gate.admit(socket));
    if (tls) gate.capHandshakes(server);
    server.on('upgrade', eventsUpgrade({ ...served.events, allowedHost, apiCors: config.apiCors, log }));
    // The response of the request each socket is on, to tell whether a deadline passed
    // before or after its answer began.
    const responses = new WeakMap<Duplex, ServerResponse>();
    server.on('request', (request, response: ServerResponse) => responses.set(request.socket, response));
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if (error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') return refuse(socket, 400, 'Bad Request', 'bad request');
      log.debug('request deadline passed', { timeout: config.httpRequestTimeout });
      closeLateRequest(socket, responses.get(socket));
    });
    const bound = await listen(server, at, '--listen');
    log.debug('listening', { host: bound.host, port: bound.port, scheme: tls ? 'https' : 'http' });
    return [{ name: 'http', host: bound.host, port: bound.port, ...(tls && { scheme: 'https' as const }) }];
  };

  return {
    name: 'http',
    start() {
      started ??= start();
      return started;
    },
    async stop() {
      stopRoots?.();
      if (!server) return;
      const closing = closeServer(server);
      server.closeAllConnections();
      // HTTPS handshakes under way are not HTTP connections yet.
      dropConnections(server);
      await closing;
    },
  };
}

/** The app, the WebSocket routing and the teardown of one way of serving. */
interface Served {
  app: Hono<HttpEnv>;
  events: Pick<UpgradeOptions, 'isEventsPath' | 'target'>;
  stop: () => void;
}

/** Without --inboxes: one root at the webroot, behind --ui-auth-file when set. */
function singleFront(shared: SharedParts, release: ReleaseService | undefined, uiDir: string, allowedHost: HostCheck | null): Served {
  const { context, config } = shared;
  const root = createRoot(shared, { store: context.store, delivery: context.delivery, release, webroot: config.webroot });
  return {
    app: createApp(root.api, { uiDir, allowedHost }),
    events: singleRootEvents(`${config.webroot}api/events`, root.hub, shared.uiCredentials),
    stop: () => root.stop(),
  };
}

/**
 * With --inboxes: the picker and inboxes API at the webroot, a root per inbox and one
 * over them all. An events path of an inbox the user may not read is refused as one
 * that does not exist.
 */
function inboxFront(directory: InboxDirectory, shared: SharedParts, uiDir: string, allowedHost: HostCheck | null): Served {
  const inboxApp = new InboxApp({ directory, shared, uiDir, allowedHost });
  const prefix = shared.config.webroot;
  const eventsPath = new RegExp(`^${escapeRegExp(prefix)}(?:inbox/([a-z0-9][a-z0-9-]{0,62})|(all))/api/events$`);
  return {
    app: inboxApp.app,
    events: {
      isEventsPath: (path) => eventsPath.test(path),
      target: async (path, authorization) => {
        const reader = await signIn(directory, authorization);
        if (!reader) return 401;
        const [, name, all] = eventsPath.exec(path) ?? [];
        if (all) return reader.all ? { hub: inboxApp.roots.all().root.hub, stillAllowed: () => directory.readsAll(reader) } : 404;
        const served = name !== undefined && directory.mayRead(reader, name) ? inboxApp.roots.inbox(name) : undefined;
        return served ? { hub: served.root.hub, stillAllowed: () => directory.mayRead(reader, name as string) } : 404;
      },
    },
    stop: () => inboxApp.roots.stop(),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
