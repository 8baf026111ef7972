import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { LetterboxClient } from '../client/client.js';
import type { Api } from '../http/api.js';
import { invalidRequest } from './jsonrpc.js';
import { serveMcp } from './tools.js';

/** The HTTP app itself, called in-process: its middleware runs again on every tool's API call. */
export type SelfFetch = (request: Request) => Response | Promise<Response>;

/**
 * Answers one MCP request, whose headers the endpoint has checked and whose body it has
 * read and parsed. The tools' client calls this server's own API in-process,
 * under the caller's URL and with the caller's credentials, so a tool can do exactly
 * what the caller could do with the API, and a call the caller abandons is abandoned
 * inside too (a long wait_for_message ends when the client goes away).
 */
export async function answerMcp(request: Request, message: unknown, api: Api, self: SelfFetch): Promise<Response> {
  const refused = invalidRequest(message);
  if (refused) return Response.json(refused, { status: 400 });
  const authorization = request.headers.get('authorization');
  const client = new LetterboxClient(new URL(api.config.webroot, request.url), {
    headers: authorization ? { authorization } : {},
    fetch: async (input, init) => {
      const signal = init?.signal ? AbortSignal.any([init.signal, request.signal]) : request.signal;
      return self(new Request(input, { ...init, signal }));
    },
  });
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await serveMcp(client, api.version, transport);
  return transport.handleRequest(forSdk(request), { parsedBody: message });
}

/**
 * The request with the Accept and Content-Type the endpoint has already judged as media
 * types, spelled as the SDK's own substring checks want them (it would refuse `*\/*`).
 * The body is left out: the SDK is handed it parsed.
 */
function forSdk(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.set('accept', 'application/json, text/event-stream');
  headers.set('content-type', 'application/json');
  return new Request(request.url, { method: 'POST', headers, signal: request.signal });
}
