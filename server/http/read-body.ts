import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { parseStrictJson } from '../lib/strict-json.js';

/** Mailpit caps JSON request bodies at 5 MB (the send route uses the message size limit). */
export const JSON_BODY_LIMIT = 5 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown; empty: boolean } | { ok: false; status: 400 | 413 | 415; message: string };

/** How reading a body ended: all of it, past the limit, or the client went away first. */
type Collected = 'complete' | 'too-large' | 'cut-short';

/** A body of unknown length starts in a buffer this big and doubles from there. */
const FIRST_BUFFER = 16 * 1024;

/**
 * Reads a JSON request body, counting bytes as they arrive and stopping at `limit`
 * (Infinity = no limit). The bytes go into one buffer that grows up to the limit, never into
 * an object per chunk, so a body sent a byte at a time costs what the same body sent
 * at once does. JSON text is UTF-8 (RFC 8259 §8.1); a body that is not is refused.
 */
export async function readJsonBody(c: Context, limit = JSON_BODY_LIMIT): Promise<BodyResult> {
  const declared = declaredLength(c.req.header('content-length'));
  if (declared !== undefined && declared > limit) return tooLarge(limit);
  const body = new BodyBuffer(limit, declared);
  const incoming = nodeRequest(c.env);
  const collected = incoming ? await collectIncoming(incoming, body) : await collectStream(c.req.raw.body, body);
  if (collected === 'too-large') return tooLarge(limit);
  if (collected === 'cut-short') return { ok: false, status: 400, message: 'request body ended before it was complete' };
  const json = parseStrictJson(body.bytes());
  if (json.ok) return json;
  if (json.wrong === 'repeated-key') return { ok: false, status: 400, message: `the key ${JSON.stringify(json.key)} appears twice in one object of the request body` };
  return { ok: false, status: 400, message: json.wrong === 'not-utf8' ? 'request body is not UTF-8' : 'invalid JSON in request body' };
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, message: `request body exceeds the limit of ${limit} bytes` };
}

/** Node's parser has already refused a Content-Length that is not a number (RFC 9112 §6.3). */
function declaredLength(header: string | undefined): number | undefined {
  const length = Number(header ?? NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The Node request under @hono/node-server; absent when the app is called with a bare Request. */
function nodeRequest(env: unknown): IncomingMessage | undefined {
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  return env.incoming instanceof IncomingMessage ? env.incoming : undefined;
}

/**
 * One buffer for a whole body, grown by doubling as bytes arrive but never past the
 * limit (nor past a declared Content-Length, already checked against the limit): the
 * peak is at most 1.5 × the limit (old and new buffer during the last copy), however
 * the body is chunked, and a client that declares a large body and sends nothing
 * costs nothing.
 */
class BodyBuffer {
  #bytes: Buffer;
  #length = 0;
  readonly #limit: number;
  readonly #ceiling: number;

  constructor(limit: number, declared: number | undefined) {
    this.#limit = limit;
    this.#ceiling = Math.min(this.#limit, declared ?? Infinity);
    this.#bytes = Buffer.allocUnsafe(Math.min(FIRST_BUFFER, this.#ceiling));
  }

  /** Copies the chunk in; false, keeping nothing of it, when it would pass the limit. */
  append(chunk: Uint8Array): boolean {
    const needed = this.#length + chunk.byteLength;
    if (needed > this.#limit) return false;
    if (needed > this.#bytes.length) this.#grow(needed);
    this.#bytes.set(chunk, this.#length);
    this.#length = needed;
    return true;
  }

  /** The body's bytes, not copied. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  #grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, Math.min(this.#bytes.length * 2, this.#ceiling)));
    this.#bytes.copy(next, 0, 0, this.#length);
    this.#bytes = next;
  }
}

/**
 * Reads Node's request stream itself rather than the web ReadableStream built on it,
 * which queues one object per chunk. Past the limit it stops reading (the socket is
 * paused, so the client is held back by TCP, not buffered); once the 413 is sent,
 * @hono/node-server discards what is left of the body for a moment and then closes
 * the connection, and the whole-request deadline (--http-request-timeout) ends a
 * client that still trickles.
 */
function collectIncoming(incoming: IncomingMessage, body: BodyBuffer): Promise<Collected> {
  if (incoming.destroyed) return Promise.resolve('cut-short');
  if (incoming.readableEnded) return Promise.resolve('complete');
  return new Promise((resolve) => {
    const settle = (collected: Collected) => {
      incoming.off('data', onData).off('end', onEnd).off('close', onGone).off('error', onGone);
      resolve(collected);
    };
    const onData = (chunk: Buffer) => {
      if (body.append(chunk)) return;
      incoming.pause();
      settle('too-large');
    };
    const onEnd = () => settle('complete');
    // 'close' before 'end': the client went away or the deadline closed the connection.
    const onGone = () => settle('cut-short');
    incoming.on('data', onData).on('end', onEnd).on('close', onGone).on('error', onGone);
  });
}

/** The same over a web stream, for the app called without a Node request (app.request). */
async function collectStream(stream: ReadableStream<Uint8Array> | null, body: BodyBuffer): Promise<Collected> {
  if (!stream) return 'complete';
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'complete';
      if (!body.append(value)) {
        await reader.cancel().catch(() => undefined);
        return 'too-large';
      }
    }
  } catch {
    return 'cut-short';
  }
}

