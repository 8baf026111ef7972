/**
 * Narrowing for JSON that arrives from the API and the WebSocket: the app trusts no shape
 * it has not checked, so a server bug shows as an empty field rather than a crash.
 */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(o: Json, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}

export function num(o: Json, key: string): number {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function bool(o: Json, key: string): boolean {
  return o[key] === true;
}

export function strings(o: Json, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function objects(o: Json, key: string): Json[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter(isObject) : [];
}
