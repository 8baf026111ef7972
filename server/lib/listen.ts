import type { Server, Socket } from 'node:net';
import type { HostPort } from './host-port.js';

/** The sockets each listener has accepted and that are still open. */
const accepted = new WeakMap<Server, Set<Socket>>();

function track(server: Server): void {
  if (accepted.has(server)) return;
  const open = new Set<Socket>();
  accepted.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}

/**
 * Destroys every socket a listener accepted that is still open, for the end of a
 * stop, once sessions have had their chance to close. For a node:tls listener these
 * include handshakes that never became sessions: server.close() waits for them, up to
 * Node's 120 s handshake timeout. (smtp-server wraps implicit-TLS sockets itself, and
 * one must not be destroyed under its wrap: server/smtp/graceful-stop.ts ends those
 * from the top first.)
 */
export function dropConnections(server: Server): void {
  for (const socket of accepted.get(server) ?? []) socket.destroy();
}

/**
 * A listener that could not bind, with the option that places it, so the one line a
 * user reads can say how to move it or turn it off. Keeps the system error's code,
 * address and port.
 */
export class ListenError extends Error {
  readonly code: string | undefined;
  readonly address: string;
  readonly port: number;

  constructor(
    readonly option: string,
    at: HostPort,
    cause: NodeJS.ErrnoException,
  ) {
    super(cause.message, { cause });
    this.code = cause.code;
    this.address = at.host;
    this.port = at.port;
  }
}

/**
 * The one line a user reads when a listener could not bind: where, why, and (for a
 * ListenError) the flag that moves or turns it off; undefined for any other error.
 */
export function listenFailure(error: unknown): string | undefined {
  const e = error as Partial<NodeJS.ErrnoException> & { address?: string; port?: number; hostname?: string };
  const at = `${e.address}:${e.port}`;
  const move = error instanceof ListenError ? ` (move it with ${error.option} HOST:PORT, or turn it off with ${error.option} off)` : '';
  if (e.code === 'EADDRINUSE') return `cannot listen on ${at}: address already in use${move}`;
  if (e.code === 'EACCES') return `cannot listen on ${at}: permission denied${move}`;
  if (e.code === 'EADDRNOTAVAIL') return `cannot listen on ${at}: address not available${move}`;
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return `cannot listen on ${e.hostname ?? at}: unknown host`;
  return undefined;
}

/**
 * Starts listening and resolves with the bound address (port 0 becomes the real port).
 * `option` is the flag that places this listener (`--smtp`, `--listen`, …).
 */
export function listen(server: Server, at: HostPort, option: string): Promise<HostPort> {
  track(server);
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new ListenError(option, at, error));
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      const bound = server.address();
      if (bound && typeof bound === 'object') resolve({ host: bound.address, port: bound.port });
      else reject(new Error('listener has no address'));
    });
  });
}

/** A named listener to bind: one of a front's sockets (`smtp`, `smtps`, `pop3s`, …), named as its option. */
export interface NamedListener {
  name: string;
  at: HostPort;
  server: Server;
}

/** Binds every listener of a front at once; resolves with their names and bound addresses. */
export function listenAll(listeners: readonly NamedListener[]): Promise<Array<{ name: string; host: string; port: number }>> {
  return Promise.all(
    listeners.map(async ({ name, at, server }) => {
      const bound = await listen(server, at, `--${name}`);
      return { name, host: bound.host, port: bound.port };
    }),
  );
}

/** Closes a server; resolves once it stops accepting (idempotent: a closed server resolves at once). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
