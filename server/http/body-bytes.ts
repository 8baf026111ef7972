/**
 * Stored bytes as a response body, without copying them.
 *
 * Hono's `c.body()` takes `Uint8Array<ArrayBuffer>`, while a Node `Buffer` is typed over
 * `ArrayBufferLike` (it could in principle sit on a SharedArrayBuffer). Copying into a
 * fresh `Uint8Array` satisfied the type at the cost of one full copy of every message
 * per request. Every Buffer Letterbox keeps sits on an ordinary ArrayBuffer, so the
 * view itself is handed on; @hono/node-server writes a Uint8Array body with
 * `res.end(view)`, which sends exactly the view's bytes — not the rest of a pooled
 * slab that a small Buffer shares with others.
 */
export function bodyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return onArrayBuffer(bytes) ? bytes : new Uint8Array(bytes);
}

function onArrayBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}
