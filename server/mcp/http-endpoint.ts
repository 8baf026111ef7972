import type { Hono } from 'hono';
import type { Api, HttpEnv } from '../http/api.js';
import type { SelfFetch } from './http-exchange.js';

/**
 * POST <webroot>mcp: the Model Context Protocol over streamable HTTP, stateless (one
 * JSON-RPC exchange per request, no session to keep). It is mounted with the API, so
 * the Host guard, Basic auth and the refusal of cross-site browsers apply to it as
 * they do to /api/. The SDK is loaded on the first call, not at every start.
 */
export function mcpRoutes(app: Hono<HttpEnv>, api: Api, self: SelfFetch): void {
  let exchange: Promise<typeof import('./http-exchange.js')> | undefined;
  app.post('/mcp', async (c) => {
    const { answerMcp } = await (exchange ??= import('./http-exchange.js'));
    return answerMcp(c.req.raw, api, self);
  });
  // Stateless, so there is no server-initiated stream to GET and no session to DELETE.
  app.all('/mcp', (c) =>
    c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: send JSON-RPC with POST' }, id: null }, 405, { Allow: 'POST' }),
  );
}
