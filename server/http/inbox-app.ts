import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { InboxDirectory, Reader } from '../inboxes/types.js';
import type { Api, HttpEnv } from './api.js';
import { mountRoot, probePaths, requestShell, unmatched } from './app.js';
import type { HostCheck } from './host-guard.js';
import type { HttpRoot, SharedParts } from './http-root.js';
import { pickerRow, renderPicker } from './inbox-picker.js';
import { InboxRoots, type ServedRoot } from './inbox-roots.js';
import { INBOX_ROUTES, openApiDocument } from './openapi-doc.js';
import { noInbox, notFound } from './respond.js';
import { readiness } from './routes/service.js';
import { inboxesRoutes, readerOf } from './routes/inboxes.js';
import { basicCredentials } from './security.js';
import { refuseOtherMethods } from './wrong-method.js';

export interface InboxAppOptions {
  directory: InboxDirectory;
  shared: SharedParts;
  uiDir: string;
  allowedHost: HostCheck | null;
}

/** A user of the `users` section from the Basic credentials, or undefined. */
export async function signIn(directory: InboxDirectory, authorization: string | undefined): Promise<Reader | undefined> {
  const given = basicCredentials(authorization);
  return given && directory.signIn(given.user, given.password);
}

/** Basic auth against the directory's users on every route but the probes (they reveal no mail). */
function inboxAuth(directory: InboxDirectory, probes: ReadonlySet<string>): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    c.set('username', '');
    if (!probes.has(c.req.path)) {
      const reader = await signIn(directory, c.req.header('authorization'));
      if (!reader) {
        c.header('WWW-Authenticate', 'Basic realm="Letterbox inboxes"');
        return c.json({ Error: 'Unauthorised: sign in with a user of the inboxes file' }, 401);
      }
      c.set('username', reader.name);
      c.set('reader', reader);
    }
    await next();
  };
}

/**
 * Whether a path below a root reaches the whole instance rather than its inbox: the
 * metrics (they count every inbox) and the SMTP chaos triggers (they change what every
 * inbox's senders get). "*" users only.
 */
const isInstanceWide = (below: string) => below === 'metrics' || below === 'api/v1/chaos' || below.startsWith('api/v1/chaos/');

/**
 * The HTTP app with --inboxes. At the webroot: the picker, the inboxes API, the probes,
 * metrics for "*" users. Below it every inbox is a whole Mailpit-compatible root at
 * `inbox/{name}/` and every inbox together at `all/` ("*" users). An inbox the user may
 * not read answers exactly as one that does not exist.
 */
export class InboxApp {
  readonly app = new Hono<HttpEnv>();
  /** What the front's middleware decided, handed to the root app that serves the request. */
  readonly #carried = new WeakMap<Request, { username: string; clientAddress: string; reader: Reader | undefined }>();
  readonly #uiDir: string;
  readonly #directory: InboxDirectory;
  readonly roots: InboxRoots;
  /** The root over every inbox: its metrics count the whole front, its logger is the front's. */
  readonly #top: Api;

  constructor(options: InboxAppOptions) {
    const { directory, allowedHost } = options;
    this.#uiDir = options.uiDir;
    this.#directory = directory;
    this.roots = new InboxRoots(directory, options.shared, (root) => this.rootApp(root));
    const top = (this.#top = this.roots.all().root.api);
    const roots = this.roots;
    const webroot = options.shared.config.webroot;
    const probes = probePaths(webroot);
    requestShell(this.app, { ...top, config: options.shared.config }, allowedHost, probes);
    this.app.use('*', inboxAuth(directory, probes));
    const routes = new Hono<HttpEnv>();
    routes.get('/livez', (c) => c.text('ok'));
    routes.get('/readyz', readiness(top));
    routes.get('/metrics', (c) => (readerOf(c).all ? this.#metrics(c) : notFound(c)));
    routes.get('/api/v1/openapi.json', (c) => c.json(openApiDocument(top.version, webroot, INBOX_ROUTES)));
    inboxesRoutes(routes, directory, webroot, top.logger);
    refuseOtherMethods(routes);
    routes.all('/inbox/:name', (c) => (directory.mayRead(readerOf(c), c.req.param('name')) ? c.redirect(`${c.req.param('name')}/`, 308) : noInbox(c)));
    routes.all('/inbox/:name/*', (c) => {
      const name = c.req.param('name');
      const served = directory.mayRead(readerOf(c), name) ? roots.inbox(name) : undefined;
      return served ? this.#serve(c, served) : noInbox(c);
    });
    routes.all('/all', (c) => (readerOf(c).all ? c.redirect('all/', 308) : noInbox(c)));
    routes.all('/all/*', (c) => (readerOf(c).all ? this.#serve(c, roots.all()) : noInbox(c)));
    // At the webroot itself, trailing slash and all (a route mounted at `/mail` would answer `/mail` only).
    this.app.get(webroot, (c) => this.#picker(c));
    this.app.route(webroot === '/' ? '/' : webroot.replace(/\/$/, ''), routes);
    unmatched(this.app, webroot);
  }

  /** The app of one root: the route modules under its path, with the front's request values. */
  rootApp(root: HttpRoot): Hono<HttpEnv> {
    const app = new Hono<HttpEnv>();
    app.use('*', async (c, next) => {
      const carried = this.#carried.get(c.req.raw);
      c.set('username', carried?.username ?? '');
      c.set('clientAddress', carried?.clientAddress ?? '');
      if (carried?.reader) c.set('reader', carried.reader);
      await next();
    });
    mountRoot(app, root.api, this.#uiDir, (request) => this.app.fetch(request));
    return app;
  }

  #serve(c: Context<HttpEnv>, served: ServedRoot): Response | Promise<Response> {
    const below = c.req.path.slice(served.root.api.config.webroot.length);
    if (isInstanceWide(below) && !readerOf(c).all) return notFound(c);
    this.#carried.set(c.req.raw, { username: c.get('username'), clientAddress: c.get('clientAddress'), reader: c.get('reader') });
    return served.app.fetch(c.req.raw, c.env);
  }

  #metrics(c: Context<HttpEnv>): Response {
    return c.text(this.#top.metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  }

  #picker(c: Context<HttpEnv>): Response {
    const reader = readerOf(c);
    const rows = this.#directory.readable(reader).map(pickerRow);
    const all = reader.all ? this.#top.store.stats() : undefined;
    return c.html(renderPicker(reader, rows, all), 200, { 'Cache-Control': 'no-store' });
  }
}
