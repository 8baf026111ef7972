import type { Hono } from 'hono';
import type { Api, HttpEnv } from '../http/api.js';
import { readJsonBody } from '../http/read-body.js';
import type { SelfFetch } from './http-exchange.js';

/** Larger JSON-RPC bodies are refused with 413 before parsing; no tool input comes near it. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * POST <webroot>mcp: the Model Context Protocol over streamable HTTP, stateless (one
 * JSON-RPC exchange per request, no session to keep). It is mounted with the API, so
 * the Host guard, Basic auth and the refusal of cross-site browsers apply to it as
 * they do to /api/. The SDK is loaded on the first call, not at every start.
 */
export function mcpRoutes(app: Hono<HttpEnv>, api: Api, self: SelfFetch): void {
  let exchange: Promise<typeof import('./http-exchange.js')> | undefined;
  app.post('/mcp', async (c) => {
    // Read as every API body is (one bounded buffer, strict UTF-8 and JSON, no repeated
    // key), not by the SDK's own reader of the web stream, which keeps an object per chunk.
    const body = await readJsonBody(c, MAX_BODY_BYTES);
    if (!body.ok || body.empty) {
      const message = body.ok ? 'the request body is empty: send a JSON-RPC message' : body.message;
      // JSON-RPC 2.0 §5.1: -32700 Parse error, with no id to answer to.
      return c.json({ jsonrpc: '2.0', error: { code: -32700, message }, id: null }, body.ok ? 400 : body.status);
    }
    const { answerMcp } = await (exchange ??= import('./http-exchange.js'));
    return answerMcp(c.req.raw, body.value, api, self);
  });
  // Stateless, so there is no server-initiated stream to GET and no session to DELETE.
  app.all('/mcp', (c) =>
    c.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: send JSON-RPC with POST' }, id: null }, 405, { Allow: 'POST' }),
  );
}
