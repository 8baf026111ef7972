import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import type { Api, HttpEnv, RouteModule } from './api.js';
import { fail, jsonFail, notFound, unavailable } from './respond.js';
import { isStoreUnavailable } from '../store/store-unavailable.js';
import { chaosRoutes } from './routes/chaos.js';
import { exportRoutes } from './routes/export.js';
import { htmlCheckRoutes } from './routes/html-check.js';
import { infoRoutes } from './routes/info.js';
import { messageRoutes } from './routes/message.js';
import { messagesRoutes } from './routes/messages.js';
import { releaseRoutes } from './routes/release.js';
import { remoteImageRoutes } from './routes/remote-image.js';
import { sendRoutes } from './routes/send.js';
import { serviceRoutes } from './routes/service.js';
import { spamCheckRoutes } from './routes/spam-check.js';
import { tagsRoutes } from './routes/tags.js';
import { viewRoutes } from './routes/view.js';
import { waitRoutes } from './routes/wait.js';
import { basicAuth, corsAndCsrf, securityHeaders } from './security.js';
import { hostGuard, type HostCheck } from './host-guard.js';
import { mcpRoutes } from '../mcp/http-endpoint.js';
import { strictQuery } from './query-params.js';
import { requestLog } from './request-log.js';
import { serveUi } from './serve-ui.js';
import { settledReads } from './settled-reads.js';
import { refuseOtherMethods } from './wrong-method.js';

/**
 * Every route module, mounted in this order under the webroot. A new resource (e.g.
 * release) adds its module here and its paths to openapi-doc.ts.
 */
export const ROUTE_MODULES: RouteModule[] = [
  serviceRoutes,
  messagesRoutes,
  messageRoutes,
  tagsRoutes,
  sendRoutes,
  infoRoutes,
  waitRoutes,
  viewRoutes,
  exportRoutes,
  chaosRoutes,
  releaseRoutes,
  spamCheckRoutes,
  htmlCheckRoutes,
  remoteImageRoutes,
];

export interface AppOptions {
  /** Where the built web inbox lives (index.html + assets). */
  uiDir: string;
  /** The DNS-rebinding guard (host-guard.ts); absent or null = any Host header. */
  allowedHost?: HostCheck | null;
}

/** The Hono app: middleware, then the API, then the web inbox, all under the webroot. */
export function createApp(api: Api, options: AppOptions): Hono<HttpEnv> {
  const probes = probePaths(api.config.webroot);
  const routes = new Hono<HttpEnv>();
  requestShell(routes, api, options.allowedHost ?? null, probes);
  routes.use('*', basicAuth(api.uiCredentials, probes));
  // The webroot typed without its trailing slash is the web inbox too (its relative links
  // need the slash); the query goes along. A team inbox's root is led there by InboxApp.
  const webroot = api.config.webroot;
  if (webroot !== '/') routes.get(webroot.replace(/\/$/, ''), (c) => c.redirect(webroot + new URL(c.req.url).search, 308));
  mountRoot(routes, api, options.uiDir, (request) => routes.fetch(request));
  return routes;
}

/** Health probes reveal no mail: they answer without credentials and under any Host. */
export function probePaths(webroot: string): ReadonlySet<string> {
  return new Set([`${webroot}livez`, `${webroot}readyz`]);
}

/**
 * What runs before any route, whatever the route: the request log (outermost), the
 * request count, the security headers, the Host guard, the cross-site rules and the
 * query parameters' own rules.
 */
export function requestShell(routes: Hono<HttpEnv>, api: Pick<Api, 'logger' | 'metrics' | 'config'>, allowedHost: HostCheck | null, probes: ReadonlySet<string>): void {
  routes.use('*', requestLog(api.logger));
  routes.use('*', async (c, next) => {
    api.metrics.front.httpRequests++;
    c.set('clientAddress', clientAddress(c));
    await next();
  });
  routes.use('*', securityHeaders());
  routes.use('*', hostGuard(allowedHost, probes));
  routes.use('*', corsAndCsrf(api.config.apiCors));
  routes.use('*', strictQuery());
}

/**
 * One Mailpit-compatible root at `api.config.webroot`: every route module, the MCP
 * endpoint (calling the API back through `self`, middleware and all) and the web inbox,
 * then the 404 and 500 answers.
 */
export function mountRoot(routes: Hono<HttpEnv>, api: Api, uiDir: string, self: (request: Request) => Response | Promise<Response>): void {
  const webroot = api.config.webroot;
  const inner = new Hono<HttpEnv>();
  // The paths that read mail (the MCP endpoint reads it through `self`); the probes and the web inbox's files do not.
  for (const reading of ['/api/*', '/view/*']) inner.use(reading, settledReads(api.store));
  for (const mount of ROUTE_MODULES) mount(inner, api);
  mcpRoutes(inner, api, self);
  refuseOtherMethods(inner);
  serveUi(inner, { dir: uiDir, webroot });
  routes.route(webroot === '/' ? '/' : webroot.replace(/\/$/, ''), inner);
  unmatched(routes, webroot);
}

/** An API client always gets JSON; any other path keeps Mailpit's plain 404. */
export function unmatched(routes: Hono<HttpEnv>, webroot: string): void {
  const apiPrefix = `${webroot}api/`;
  routes.notFound((c) => (c.req.path.startsWith(apiPrefix) ? jsonFail(c, 404, `no API route ${c.req.path}`) : notFound(c)));
  // A bug, not bad input: the request log records it once; the client never sees a stack trace.
  // A store whose database is gone is a passing condition: 503, and the client may try again.
  routes.onError((error, c) => (isStoreUnavailable(error) ? unavailable(c) : fail(c, 500, 'internal error')));
}

function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? '';
  } catch {
    return '';
  }
}
