import type { MiddlewareHandler } from 'hono';
import type { MailStore } from '../store/mail-store.js';
import type { HttpEnv } from './api.js';

/**
 * Holds a request that reads mail until the store's index holds only what is durable
 * (MailStore.settled): an answer never tells of a message a failed commit takes back.
 * While such a write is still in the index the store refuses, and the request is
 * answered 503 (app.ts onError), as a write would be.
 */
export function settledReads(store: MailStore): MiddlewareHandler<HttpEnv> {
  return async (_c, next) => {
    await store.settled();
    await next();
  };
}
