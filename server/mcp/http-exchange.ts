import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { LetterboxClient } from '../client/client.js';
import type { Api } from '../http/api.js';
import { createMcpServer } from './tools.js';

/** The HTTP app itself, called in-process: its middleware runs again on every tool's API call. */
export type SelfFetch = (request: Request) => Response | Promise<Response>;

/**
 * Answers one MCP request, whose body the endpoint has read and parsed. The tools' client calls this server's own API in-process,
 * under the caller's URL and with the caller's credentials, so a tool can do exactly
 * what the caller could do with the API, and a call the caller abandons is abandoned
 * inside too (a long wait_for_message ends when the client goes away).
 */
export async function answerMcp(request: Request, message: unknown, api: Api, self: SelfFetch): Promise<Response> {
  const authorization = request.headers.get('authorization');
  const client = new LetterboxClient(new URL(api.config.webroot, request.url), {
    headers: authorization ? { authorization } : {},
    fetch: async (input, init) => {
      const signal = init?.signal ? AbortSignal.any([init.signal, request.signal]) : request.signal;
      return self(new Request(input, { ...init, signal }));
    },
  });
  const server = createMcpServer(client, api.version);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  return transport.handleRequest(request, { parsedBody: message });
}
