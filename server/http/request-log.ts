import { performance } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../lib/log.js';
import type { HttpEnv } from './api.js';

export interface RequestRecord {
  method: string;
  /** The path only: a query string may carry a search or a token. */
  path: string;
  status: number;
  /** From the request's arrival until its response (or upgrade) was decided. */
  startedAt: number;
  client: string;
  error?: unknown;
}

/**
 * One line per request, never a body: debug for the ordinary, error for a server fault
 * (a 5xx, or a handler that threw), so a bug shows at the default log level.
 */
export function logRequest(log: Logger, { startedAt, error, ...record }: RequestRecord): void {
  const fields = { ...record, ms: Math.round((performance.now() - startedAt) * 10) / 10 };
  if (record.status >= 500 || error !== undefined) log.error('HTTP request failed', { ...fields, ...(error !== undefined && { error: errorText(error) }) });
  else log.debug('HTTP request', fields);
}

/** The request log as the outermost middleware; reads the error Hono's onError handled. */
export function requestLog(log: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    await next();
    logRequest(log, { method: c.req.method, path: c.req.path, status: c.res.status, startedAt, client: c.get('clientAddress'), error: c.error });
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
