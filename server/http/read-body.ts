import type { Context } from 'hono';

/** Mailpit caps JSON request bodies at 5 MB (the send route uses the message size limit). */
export const JSON_BODY_LIMIT = 5 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown; empty: boolean } | { ok: false; status: 400 | 413 | 415; message: string };

/**
 * Reads a JSON request body, counting bytes as they arrive and stopping at `limit`
 * (0 = no limit), so a huge body costs no more memory than the limit.
 */
export async function readJsonBody(c: Context, limit = JSON_BODY_LIMIT): Promise<BodyResult> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (limit > 0 && declared > limit) return tooLarge(limit);
  const stream = c.req.raw.body;
  if (!stream) return { ok: true, value: undefined, empty: true };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (limit > 0 && bytes > limit) {
      await reader.cancel().catch(() => undefined);
      return tooLarge(limit);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: undefined, empty: true };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, empty: false };
  } catch {
    return { ok: false, status: 400, message: 'invalid JSON in request body' };
  }
}

function tooLarge(limit: number): BodyResult {
  return { ok: false, status: 413, message: `request body exceeds the limit of ${limit} bytes` };
}
