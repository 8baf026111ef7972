import type { Context } from 'hono';
import type { Api, RouteModule } from '../api.js';
import { openApiDocument } from '../openapi-doc.js';
import { jsonFail } from '../respond.js';

/**
 * /readyz: 503 while the store cannot serve (its database is gone), so a load balancer
 * sends clients to another node until it returns; /livez stays 200 meanwhile, as the
 * process itself is fine and recovers by itself.
 */
export function readiness(api: Pick<Api, 'ready'>): (c: Context) => Promise<Response> {
  return async (c) => ((await (api.ready?.() ?? true)) ? c.text('ok') : jsonFail(c, 503, 'the store is unavailable'));
}

export const serviceRoutes: RouteModule = (app, api) => {
  app.get('/livez', (c) => c.text('ok'));
  app.get('/readyz', readiness(api));
  app.get('/metrics', (c) => c.text(api.metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));
  // The WebSocket upgrade is taken by the front before routing; a plain GET lands here.
  app.get('/api/events', (c) => c.text('426 Upgrade Required: this is a WebSocket endpoint', 426, { Upgrade: 'websocket' }));
  const describe = (c: Context) => c.json(openApiDocument(api.version, api.config.webroot));
  app.get('/api/v1/openapi.json', describe);
  // Mailpit's path for its API description; scripts and tools that fetch it find ours.
  app.get('/api/v1/swagger.json', describe);
};
