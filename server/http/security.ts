import type { MiddlewareHandler } from 'hono';
import type { Credentials } from '../security/auth-file.js';
import type { HttpEnv } from './api.js';
import { fail } from './respond.js';

/** The web inbox's policy: only its own scripts; mail HTML is framed from /view (own CSP). */
export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; frame-src 'self'; frame-ancestors 'self'; object-src 'none'; base-uri 'self'; form-action 'self'";

/** Headers on every response; a route may set its own stricter CSP first. */
export function securityHeaders(): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', UI_CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'SAMEORIGIN');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Whether a browser on `origin` may use the API here: this origin, or one --api-cors names. */
export function originAllowed(origin: string, host: string | undefined, apiCors: readonly string[]): boolean {
  return sameOrigin(origin, host) || apiCors.includes('*') || apiCors.includes(origin);
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/**
 * The inbox frames mail HTML sandboxed without allow-same-origin, so its `cid:` images
 * are fetched with `Origin: null`. A GET of a part is what any cross-site <img> may do
 * (no CORS headers are added, so nothing can read it), and it must not be refused.
 */
function framedPartRequest(origin: string, method: string, path: string): boolean {
  return origin === 'null' && (method === 'GET' || method === 'HEAD') && /\/api\/v1\/message\/[^/]+\/part\/[^/]+$/.test(path);
}

/**
 * CORS as Mailpit does it (--api-cors origins, or `*`), and cross-site request refusal:
 * a browser on another site may not change state here. A state-changing call from a
 * foreign origin is refused. One from an origin --api-cors allows must say
 * `application/json`, which a plain HTML form cannot send without a CORS preflight.
 * Any other caller (curl, scripts, this inbox) may send its JSON under any declared
 * type, as Mailpit accepts it: only a browser on another site needs the preflight's
 * protection, and a browser names that site in `Origin` and `Sec-Fetch-Site`.
 */
export function corsAndCsrf(allowed: readonly string[]): MiddlewareHandler<HttpEnv> {
  const any = allowed.includes('*');
  const allows = (origin: string) => any || allowed.includes(origin);
  return async (c, next) => {
    const origin = c.req.header('origin');
    const isApi = /\/api\//.test(c.req.path);
    const foreign = origin !== undefined && origin !== '' && !sameOrigin(origin, c.req.header('host')) && !framedPartRequest(origin, c.req.method, c.req.path);
    const crossSite = foreign || c.req.header('sec-fetch-site') === 'cross-site';
    if (foreign && isApi && allows(origin)) {
      if (c.req.method === 'OPTIONS') {
        return c.body(null, 200, {
          'Access-Control-Allow-Origin': origin,
          'Access-Control-Allow-Methods': 'GET, POST, DELETE, PUT, OPTIONS',
          'Access-Control-Allow-Headers': '*',
          'Access-Control-Allow-Credentials': 'true',
          Vary: 'Origin',
        });
      }
    } else if (foreign || (crossSite && STATE_CHANGING.has(c.req.method))) {
      if (isApi || STATE_CHANGING.has(c.req.method)) return fail(c, 403, 'Blocked due to CORS violation');
    }
    // An allowed origin sees its errors too, so the CORS headers go on every answer.
    const shared = (response: Response): Response => {
      if (foreign && origin && allows(origin)) {
        response.headers.set('Access-Control-Allow-Origin', origin);
        response.headers.set('Access-Control-Allow-Credentials', 'true');
        response.headers.append('Vary', 'Origin');
      }
      return response;
    };
    if (crossSite && STATE_CHANGING.has(c.req.method) && hasBody(c.req.header('content-length'), c.req.header('transfer-encoding'))) {
      const type = (c.req.header('content-type') ?? '').toLowerCase();
      if (!/^application\/json\b/.test(type)) return shared(fail(c, 415, 'a cross-site request body must be application/json'));
    }
    if (c.req.method === 'OPTIONS' && isApi) return c.body(null, 200);
    await next();
    shared(c.res);
  };
}

function hasBody(length: string | undefined, encoding: string | undefined): boolean {
  return (length !== undefined && length !== '0') || encoding !== undefined;
}

/** RFC 7617 Basic credentials from an Authorization header, or undefined. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** True when the header carries credentials the file accepts. */
export async function authorised(credentials: Credentials, header: string | undefined): Promise<string | undefined> {
  const given = basicCredentials(header);
  if (!given) return undefined;
  return (await credentials.verify(given.user, given.password)) ? given.user : undefined;
}

/** HTTP Basic auth over the UI, API and WebSocket when --ui-auth-file is set; probes stay open. */
export function basicAuth(credentials: Credentials | null, openPaths: ReadonlySet<string>): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    c.set('username', '');
    if (credentials && !openPaths.has(c.req.path)) {
      const user = await authorised(credentials, c.req.header('authorization'));
      if (user === undefined) {
        c.header('WWW-Authenticate', 'Basic realm="Login"');
        return fail(c, 401, 'Unauthorised');
      }
      c.set('username', user);
    }
    await next();
  };
}
