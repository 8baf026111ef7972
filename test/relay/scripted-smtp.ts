/**
 * A raw SMTP server on 127.0.0.1 port 0 (node:net), for destinations smtp-server will
 * not play: replies that break RFC 5321 (mixed codes, floods, bytes out of turn). It
 * answers an ordinary session by itself; `answer` may replace the reply to any command
 * line (or to the end of DATA, given as "."), with any bytes.
 */
import { createServer, type Socket } from 'node:net';

export interface ScriptedConnection {
  socket: Socket;
  /** Resolves when the client's side of the connection is gone. */
  closed: Promise<void>;
}

/** The bytes to send for `line` (a command, or "." at the end of the data); undefined = the ordinary reply. */
export type Answer = (line: string, connection: ScriptedConnection) => string | undefined;

export interface ScriptedServer {
  port: number;
  connections: ScriptedConnection[];
  /** Messages whose data ended with ".". */
  messages: number;
  close(): Promise<void>;
}

function ordinary(line: string): string {
  const verb = (line.split(' ')[0] ?? '').toUpperCase();
  if (verb === 'EHLO') return '250-scripted.test\r\n250 8BITMIME\r\n';
  if (verb === 'DATA') return '354 go ahead\r\n';
  if (verb === 'QUIT') return '221 bye\r\n';
  if (verb === '.') return '250 2.0.0 queued\r\n';
  if (['HELO', 'MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) return '250 ok\r\n';
  return '500 what\r\n';
}

/** `greeting`: the bytes sent on connecting (any, to flood or break it). */
export async function startScripted(answer: Answer = () => undefined, greeting = '220 scripted.test ESMTP\r\n'): Promise<ScriptedServer> {
  const state: ScriptedServer = { port: 0, connections: [], messages: 0, close: async () => undefined };
  const server = createServer((socket) => {
    const connection: ScriptedConnection = { socket, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
    state.connections.push(connection);
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    socket.write(greeting);
    let buffer = '';
    let inData = false;
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData && line !== '.') continue;
        if (inData) {
          inData = false;
          state.messages++;
        }
        const reply = answer(line, connection) ?? ordinary(line);
        if (socket.writable) socket.write(reply);
        if (line.toUpperCase() === 'DATA' && reply.startsWith('354')) inData = true;
        if (line.toUpperCase() === 'QUIT') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const c of state.connections) c.socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

/** Resolves with `promise`, or rejects once `ms` have passed (so a test on old code fails instead of hanging). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
