import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A web site on 127.0.0.1 for the server's outgoing fetches (link check, remote images). */
export interface LocalSite {
  server: Server;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  /** Every request, as `METHOD url`, in order. */
  requests: string[];
  /** Drops open connections (a path that never answers leaves some) and closes. */
  stop(): Promise<void>;
}

/** Starts a site on port 0 whose answers `answer` gives by path. */
export async function startLocalSite(answer: (path: string, req: IncomingMessage, res: ServerResponse) => void): Promise<LocalSite> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    answer(new URL(req.url ?? '/', 'http://site').pathname, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
