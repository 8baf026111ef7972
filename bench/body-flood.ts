/**
 * Body flood: what one HTTP request body costs the server when it arrives in one-byte
 * chunks (Transfer-Encoding: chunked), against the same body in 64 KB chunks (the
 * reference), and how long a body that trickles in holds its connection.
 *
 *   npm run bench body-flood
 *   BENCH_MB=4 npm run bench body-flood      (body size; default 1)
 *
 * Each case runs against a fresh Letterbox in a child process (test/limits/body-flood.ts)
 * and prints the growth of its peak RSS next to the body size and the route's limit,
 * and the server's CPU time, each as a ratio against the reference. The target: RSS
 * growth within a small multiple of the limit, whatever the chunking.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Config } from '../server/config.js';
import { JSON_BODY_LIMIT } from '../server/http/read-body.js';
import { floodRequest, startMeasuredSandbox } from '../test/limits/body-flood.js';

const MB = 1024 * 1024;
const BODY = Math.round(Number(process.env.BENCH_MB ?? 1) * MB);
const SMTP_MAX = 256 * 1024;
const SEND_LIMIT = Math.ceil(SMTP_MAX * 1.4) + 64 * 1024;
const DEADLINE_MS = 1_000;

interface Cost {
  status: number;
  rss: number;
  cpu: number;
}

function tagsBody(size: number): Buffer {
  const json = '{"IDs":["none"],"Tags":[]}';
  return Buffer.from(json + ' '.repeat(Math.max(0, size - json.length)));
}

/** One request on a fresh server, warmed up first with a small one on the same route. */
async function cost(path: string, method: string, body: Buffer, chunk: number, overrides: Partial<Config> = {}): Promise<Cost> {
  const server = await startMeasuredSandbox(overrides);
  try {
    await floodRequest(server.http, path, body.subarray(0, 1024), 1, method);
    const before = await server.memory();
    const { status } = await floodRequest(server.http, path, body, chunk, method);
    const after = await server.memory();
    return { status, rss: after.maxRss - before.maxRss, cpu: (after.cpu - before.cpu) / 1e6 };
  } finally {
    await server.stop();
  }
}

/** Sends a body one byte every 50 ms and measures how long until the server closes. */
async function trickle(): Promise<{ answer: string; ms: number }> {
  const server = await startMeasuredSandbox({ httpRequestTimeout: DEADLINE_MS });
  try {
    const socket = connect(server.http, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.setEncoding('latin1').on('data', (text: string) => (answer += text));
    socket.on('error', () => undefined);
    const start = performance.now();
    socket.write('PUT /api/v1/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const timer = setInterval(() => socket.write('1\r\n \r\n'), 50);
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(timer);
    return { answer: answer.split('\r\n')[0] ?? '', ms: performance.now() - start };
  } finally {
    await server.stop();
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

const cases: Array<[string, number, () => Promise<Cost>]> = [
  ['tags, 64 KB chunks (reference)', JSON_BODY_LIMIT, () => cost('/api/v1/tags', 'PUT', tagsBody(BODY), 64 * 1024)],
  ['tags, 1-byte chunks', JSON_BODY_LIMIT, () => cost('/api/v1/tags', 'PUT', tagsBody(BODY), 1)],
  ['send past its limit, 1-byte chunks', SEND_LIMIT, () => cost('/api/v1/send', 'POST', Buffer.alloc(BODY, 0x20), 1, { smtpMaxSize: SMTP_MAX })],
  ['route that reads no body, 1-byte', 0, () => cost('/api/v1/no-such-route', 'POST', Buffer.alloc(BODY, 0x20), 1)],
];

console.log(`chunk flood: a ${mb(BODY)} body per case; peak RSS growth of the server process`);
let reference: Cost | undefined;
for (const [name, limit, run] of cases) {
  const result = await run();
  reference ??= result;
  const perLimit = limit > 0 ? `${(result.rss / limit).toFixed(1).padStart(5)}x limit` : '           ';
  console.log(
    `  ${name.padEnd(36)} ${String(result.status).padStart(3)}  rss +${mb(result.rss).padStart(9)}  ${(result.rss / BODY).toFixed(1).padStart(5)}x body  ${perLimit}  ` +
      `cpu ${result.cpu.toFixed(2).padStart(6)} s  ${(result.cpu / reference.cpu).toFixed(1).padStart(6)}x reference`,
  );
}

const slow = await trickle();
console.log(`slow body: one byte every 50 ms with --http-request-timeout ${DEADLINE_MS}ms`);
console.log(`  answered "${slow.answer}", closed after ${slow.ms.toFixed(0)} ms (${(slow.ms / DEADLINE_MS).toFixed(2)}x the deadline)`);
