import type { MiddlewareHandler } from 'hono';
import type { HttpEnv } from './api.js';
import { LINE_CONTROL } from './decode-body.js';
import { jsonFail } from './respond.js';

/**
 * What every route's query parameters must be, checked once before any route reads
 * them: each name at most once (a route reads one value, and `limit=1&limit=2` must not
 * mean whichever it happens to take) and no control character in a name or value, the
 * rule the body decoder keeps (decode-body.ts). Refused with a JSON 400.
 */
export function strictQuery(): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const question = c.req.url.indexOf('?');
    if (question >= 0) {
      const seen = new Set<string>();
      for (const [name, value] of new URLSearchParams(c.req.url.slice(question + 1))) {
        if (LINE_CONTROL.test(name) || LINE_CONTROL.test(value)) return jsonFail(c, 400, `query parameter ${JSON.stringify(name)} holds a control character`);
        if (seen.has(name)) return jsonFail(c, 400, `query parameter ${JSON.stringify(name)} is given more than once`);
        seen.add(name);
      }
    }
    await next();
  };
}
