import type { Context } from 'hono';

/**
 * Mailpit answers most errors with a text/plain body; a client that asks for JSON
 * (`Accept: application/json`) gets `{"Error": "..."}` with the same status instead.
 */
export function fail(c: Context, status: 400 | 401 | 403 | 404 | 405 | 408 | 413 | 415 | 500 | 502, message: string): Response {
  const accept = c.req.header('accept') ?? '';
  if (/application\/json/i.test(accept)) return c.json({ Error: message }, status);
  return c.text(message, status);
}

export function jsonFail(c: Context, status: 400 | 404 | 405 | 408 | 413 | 415 | 422 | 503, message: string): Response {
  return c.json({ Error: message }, status);
}

/** The store cannot be reached now (store-unavailable.ts): try again shortly. */
export function unavailable(c: Context): Response {
  return c.json({ Error: 'the store is unavailable, try again' }, 503, { 'Retry-After': '1' });
}

/** Mailpit's body for an unknown message or route. */
export function notFound(c: Context): Response {
  return fail(c, 404, '404 page not found');
}

export function ok(c: Context): Response {
  return c.text('ok', 200);
}

/**
 * With --inboxes: the one answer for an inbox that does not exist and for one the user
 * may not read, on every route and the WebSocket, so nothing tells them apart.
 */
export const NO_INBOX = 'no such inbox';

export function noInbox(c: Context): Response {
  return c.json({ Error: NO_INBOX }, 404);
}
