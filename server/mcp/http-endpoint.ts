import type { Context, Hono } from 'hono';
import type { Api, HttpEnv } from '../http/api.js';
import { readJsonBody } from '../http/read-body.js';
import type { SelfFetch } from './http-exchange.js';
import { accepts, isUtf8Json } from '../lib/media-type.js';

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
    // MCP streamable HTTP (2025-06-18, basic/transports, Sending Messages to the Server):
    // "The client MUST include an Accept header, listing both application/json and
    // text/event-stream". A wildcard range lists them as well as their names do (RFC 9110
    // §12.5.1), so `*/*` or `application/*, text/*` is taken; a missing Accept is not.
    const accept = c.req.header('accept');
    if (!accepts(accept, 'application/json') || !accepts(accept, 'text/event-stream')) {
      return refuse(c, 406, 'Not Acceptable: the Accept header must admit both application/json and text/event-stream');
    }
    // Judged before the body is read: a body that is not JSON is refused as such (415), not
    // read and reported as a parse error.
    if (!isUtf8Json(c.req.header('content-type'))) {
      return refuse(c, 415, 'Unsupported Media Type: Content-Type must be application/json (UTF-8, the charset of JSON)');
    }
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
  app.all('/mcp', (c) => refuse(c, 405, 'Method not allowed: send JSON-RPC with POST', { Allow: 'POST' }));
}

/** A refusal by HTTP status, in the JSON-RPC shape the SDK gives its own (-32000, no id to answer to). */
function refuse(c: Context<HttpEnv>, status: 405 | 406 | 415, message: string, headers: Record<string, string> = {}): Response {
  return c.json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }, status, headers);
}
