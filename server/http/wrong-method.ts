import type { Context, Hono } from 'hono';
import type { HttpEnv } from './api.js';
import { fail, jsonFail } from './respond.js';

/** The order methods are listed in an Allow header. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'];

const isApiPath = (path: string): boolean => path.startsWith('/api/');

/**
 * RFC 9110 §15.5.6: a method the resource does not have is 405 with an Allow header
 * listing the ones it has. Called once every route module is mounted (paths relative to
 * the webroot): each route's path gets a last handler that answers any other method.
 * HEAD is served wherever GET is (Hono answers HEAD with the GET route), and OPTIONS on
 * every API path (the CORS preflight, security.ts).
 */
export function refuseOtherMethods(app: Hono<HttpEnv>): void {
  const methods = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === 'ALL') continue;
    const allowed = methods.get(route.path) ?? new Set<string>();
    allowed.add(route.method);
    if (route.method === 'GET') allowed.add('HEAD');
    if (isApiPath(route.path)) allowed.add('OPTIONS');
    methods.set(route.path, allowed);
  }
  for (const [path, allowed] of methods) {
    const allow = ORDER.filter((method) => allowed.has(method)).join(', ');
    app.all(path, (c) => methodNotAllowed(c, allow, isApiPath(path)));
  }
}

function methodNotAllowed(c: Context, allow: string, api: boolean): Response {
  c.header('Allow', allow);
  const message = `method ${c.req.method} is not allowed here (allowed: ${allow})`;
  return api ? jsonFail(c, 405, message) : fail(c, 405, message);
}
