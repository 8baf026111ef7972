import type { Context } from 'hono';
import { decodeBody, type Type } from './decode-body.js';
import { JSON_BODY_LIMIT, readJsonBody } from './read-body.js';
import { jsonFail } from './respond.js';

export type RequestBody<T> = { ok: true; value: T } | { ok: false; response: Response };

/**
 * A route's JSON body read and decoded against its schema (decode-body.ts). Every
 * refusal is a JSON `{"Error": …}` naming the key, answered before the route acts.
 */
export async function requestBody<T>(c: Context, type: Type<T>, limit = JSON_BODY_LIMIT): Promise<RequestBody<T>> {
  const body = await readJsonBody(c, limit);
  if (!body.ok) return { ok: false, response: jsonFail(c, body.status, body.message) };
  const decoded = decodeBody(body.value, type);
  return decoded.ok ? decoded : { ok: false, response: jsonFail(c, 400, decoded.error) };
}
