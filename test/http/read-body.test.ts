import { fc, test } from '@fast-check/vitest';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { request, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonBody, type BodyResult } from '../../server/http/read-body.js';

/** Echoes what readJsonBody made of the body, under the limit given in the path. */
const app = new Hono();
app.put('/echo/:limit', async (c) => c.json(await readJsonBody(c, Number(c.req.param('limit')))));

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** PUTs the pieces as the chunks of a chunked body (one write, one chunk) over Node's client. */
function putChunks(limit: number, pieces: Buffer[]): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/echo/${limit}`, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text) as BodyResult));
    });
    req.on('error', reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

/** The same body through app.request, where there is no Node request and the web stream is read. */
async function putStream(limit: number, pieces: Buffer[]): Promise<BodyResult> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(new Uint8Array(piece));
      controller.close();
    },
  });
  const response = await app.request(`/echo/${limit}`, { method: 'PUT', body, duplex: 'half', headers: { 'content-type': 'application/json' } } as RequestInit);
  return (await response.json()) as BodyResult;
}

/** Cuts `bytes` into pieces of the given sizes (cycled), the last one taking what is left. */
function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? bytes.length;
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** What the body must read as, whatever its chunks. */
function expected(bytes: Buffer, limit: number): BodyResult {
  if (bytes.length > limit) return { ok: false, status: 413, message: `request body exceeds the limit of ${limit} bytes` };
  const text = bytes.toString('utf8');
  if (text.trim() === '') return { ok: true, empty: true } as BodyResult;
  return { ok: true, value: JSON.parse(text) as unknown, empty: false };
}

describe('readJsonBody', () => {
  // JSON with multi-byte characters, so chunks also split UTF-8 sequences.
  const json = fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value, null, 1) ?? 'null', 'utf8'));
  const sizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 });
  const limit = fc.integer({ min: 1, max: 400 });

  test.prop([json, sizes, limit], { numRuns: 60 })('reads any chunking of a body as the whole body, or 413 past the limit', async (bytes, cuts, max) => {
    const pieces = cut(bytes, cuts);
    expect(await putChunks(max, pieces)).toEqual(expected(bytes, max));
    expect(await putStream(max, pieces)).toEqual(expected(bytes, max));
  });

  it('refuses a body that is not UTF-8 (RFC 8259 §8.1) rather than reading it with replacement characters', async () => {
    const latin1 = Buffer.from('{"Name":"café"}', 'latin1');
    for (const result of [await putChunks(100, [latin1]), await putStream(100, [latin1])]) {
      expect(result).toEqual({ ok: false, status: 400, message: 'request body is not UTF-8' });
    }
  });

  it('refuses a declared Content-Length past the limit before reading a byte', async () => {
    const reply = await fetch(`http://127.0.0.1:${port}/echo/10`, { method: 'PUT', body: '{"a":"01234567890"}', headers: { 'content-type': 'application/json' } });
    expect(await reply.json()).toEqual({ ok: false, status: 413, message: 'request body exceeds the limit of 10 bytes' });
  });

  it('reads an empty body as empty', async () => {
    expect(await putChunks(10, [])).toEqual({ ok: true, empty: true });
  });
});
