/**
 * A request body sent in tiny chunks (Transfer-Encoding: chunked, RFC 9112 §7.1) over a
 * raw socket, and a Letterbox in a child process whose memory can be asked for, so the
 * server's growth is measured apart from the client building the flood. Used by
 * test/limits/body-memory.test.ts and bench/body-flood.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../server/config.js';

export interface FloodReply {
  /** The status of the answer, or 0 when the connection closed before one arrived. */
  status: number;
  /** The answer's body. */
  body: string;
}

/** Chunk frames written per socket write, so the loop is bounded and the socket drains. */
const FRAMES_PER_WRITE = 4096;

/**
 * Sends `body` to `path` with every chunk `chunk` bytes long and resolves with the
 * answer once it is complete (Content-Length) or the server closes the connection.
 */
export async function floodRequest(port: number, path: string, body: Buffer, chunk = 1, method = 'PUT'): Promise<FloodReply> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  let writing = true;
  const answered = new Promise<FloodReply>((resolve) => {
    const finish = () => {
      writing = false;
      socket.destroy();
      resolve(parseReply(received));
    };
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      if (replyComplete(received)) finish();
    });
    socket.on('close', finish);
    // The server may close while we still write; the answer (or its absence) says the rest.
    socket.on('error', () => undefined);
  });
  socket.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
  const size = chunk.toString(16);
  for (let at = 0; at < body.length && writing; at += chunk * FRAMES_PER_WRITE) {
    const frames: Buffer[] = [];
    for (let i = at; i < Math.min(at + chunk * FRAMES_PER_WRITE, body.length); i += chunk) {
      const piece = body.subarray(i, i + chunk);
      frames.push(Buffer.from(`${piece.length === chunk ? size : piece.length.toString(16)}\r\n`), piece, CRLF);
    }
    if (!socket.write(Buffer.concat(frames))) await drainedOrClosed(socket);
  }
  if (writing) socket.write('0\r\n\r\n');
  return answered;
}

const CRLF = Buffer.from('\r\n');

function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resume) => {
    const done = () => {
      socket.off('drain', done).off('close', done);
      resume();
    };
    socket.on('drain', done).on('close', done);
  });
}

function replyComplete(bytes: Buffer): boolean {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(bytes.subarray(0, end).toString('latin1'));
  return length !== null && bytes.length >= end + 4 + Number(length[1]);
}

function parseReply(bytes: Buffer): FloodReply {
  const text = bytes.toString('utf8');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  const end = text.indexOf('\r\n\r\n');
  return { status: status ? Number(status[1]) : 0, body: end < 0 ? '' : text.slice(end + 4) };
}

export interface ServerMemory {
  rss: number;
  /** The most RSS the process has had so far (getrusage), in bytes. */
  maxRss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** CPU time (user + system) so far, in microseconds. */
  cpu: number;
}

export interface MeasuredSandbox {
  http: number;
  /** The server's memory after a full garbage collection, and its peak RSS so far. */
  memory(): Promise<ServerMemory>;
  stop(): Promise<void>;
}

const HERE = fileURLToPath(import.meta.url);

/** A test sandbox in a child process (tsx, --expose-gc), configured with `overrides`. */
export async function startMeasuredSandbox(overrides: Partial<Config> = {}): Promise<MeasuredSandbox> {
  const child = fork(HERE, ['serve', JSON.stringify(overrides)], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => once(child, 'message').then(([message]) => message as T);
  const { http } = await next<{ http: number }>();
  return {
    http,
    async memory() {
      const reply = next<ServerMemory>();
      child.send('memory');
      return reply;
    },
    async stop() {
      await stopChild(child);
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.send('exit');
  await exited;
}

async function serve(overrides: Partial<Config>): Promise<void> {
  const { startTestSandbox } = await import('../helpers/sandbox.js');
  const box = await startTestSandbox(overrides);
  process.on('message', (message) => {
    if (message === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      const usage = process.resourceUsage();
      process.send?.({ rss, heapUsed, arrayBuffers, maxRss: usage.maxRSS * 1024, cpu: usage.userCPUTime + usage.systemCPUTime } satisfies ServerMemory);
    }
    if (message === 'exit') void box.stop(0).then(() => process.exit(0));
  });
  process.send?.({ http: box.port('http') });
}

if (process.argv[1] === HERE && process.argv[2] === 'serve') await serve(JSON.parse(process.argv[3] ?? '{}') as Partial<Config>);
