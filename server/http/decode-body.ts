/**
 * The one decoder for API request bodies. A route declares its body as a small schema
 * (field name → type, required or optional) and gets a typed value or an error that
 * names the key. Keys match case-insensitively (ASCII), as Go's encoding/json does for
 * Mailpit (`ids` = `IDs`), so Mailpit clients behave the same here. What Go would drop
 * or default silently is refused: an unknown key, a wrong type, a key given twice in
 * different case, a control character in a value, and `__proto__`, `constructor` or
 * `prototype` at any depth. A refused body changes nothing.
 */

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/** A JSON type: what it expects (for the error) and how to check a value against it. */
export interface Type<T> {
  /** "a string"; and in a list, "strings". */
  readonly expected: string;
  readonly plural: string;
  decode(value: unknown, at: string): Decoded<T>;
}

/** The value a type decodes to. */
export type TypeOf<T> = T extends Type<infer V> ? V : never;

/**
 * How a field may be left out. `nullable`: `null` means "not given", as Go reads it;
 * only for fields where Mailpit clients send null and nothing destructive follows.
 */
export type Presence = 'required' | 'optional' | 'nullable';

export interface Field<T> {
  readonly type: Type<T>;
  readonly presence: Presence;
}

export type Shape = Record<string, Field<unknown>>;
type FieldValue<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K]['presence'] extends 'required' ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: FieldValue<S[K]> } & {
  [K in Exclude<keyof S, RequiredKeys<S>>]?: FieldValue<S[K]>;
};

/** Past this nesting no API body makes sense; refusing it keeps the walk bounded. */
export const MAX_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** C0 controls but tab, DEL and C1 controls: never meaningful in a one-line value. */
export const LINE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
/** Free text (a message body) may also hold line breaks. */
const TEXT_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const required = <T>(type: Type<T>): Field<T> & { presence: 'required' } => ({ type, presence: 'required' });
export const optional = <T>(type: Type<T>): Field<T> & { presence: 'optional' } => ({ type, presence: 'optional' });
export const nullable = <T>(type: Type<T>): Field<T> & { presence: 'nullable' } => ({ type, presence: 'nullable' });

const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
const where = (at: string): string => (at === '' ? 'the request body' : `"${at}"`);
function given(value: unknown): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'a string' : 'an object';
}
const wrong = (at: string, expected: string, value: unknown): Decoded<never> => ({ ok: false, error: `${where(at)} must be ${expected}, not ${given(value)}` });

/** ASCII-only case folding: a key in any other script never matches a declared name. */
function foldKey(key: string): string {
  return key.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringType(expected: string, control: RegExp): Type<string> {
  return {
    expected,
    plural: 'strings',
    decode(value, at) {
      if (typeof value !== 'string') return wrong(at, expected, value);
      const bad = control.exec(value);
      if (bad) return { ok: false, error: `${where(at)} holds a control character (U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')})` };
      return ok(value);
    },
  };
}

/** A one-line string: an ID, a tag, an address, a search, a header value. */
export const line: Type<string> = stringType('a string', LINE_CONTROL);
/** A string that may span lines: a message's text or HTML, base64 content. */
export const text: Type<string> = stringType('a string', TEXT_CONTROL);

export const boolean: Type<boolean> = {
  expected: 'true or false',
  plural: 'booleans',
  decode: (value, at) => (typeof value === 'boolean' ? ok(value) : wrong(at, 'true or false', value)),
};

/** Go's `int`: 1.5 or 1e400 is refused, not rounded. */
export const integer: Type<number> = {
  expected: 'a whole number',
  plural: 'whole numbers',
  decode: (value, at) => (typeof value === 'number' && Number.isSafeInteger(value) ? ok(value) : wrong(at, 'a whole number', value)),
};

export function oneOf<const V extends string>(values: readonly V[]): Type<V> {
  const expected = `one of ${values.map((v) => `"${v}"`).join(', ')}`;
  return {
    expected,
    plural: 'strings',
    decode(value, at) {
      const found = values.find((v) => v === value);
      return found === undefined ? { ok: false, error: `${where(at)} must be ${expected}` } : ok(found);
    },
  };
}

export function arrayOf<T>(item: Type<T>): Type<T[]> {
  const expected = `an array of ${item.plural}`;
  return {
    expected,
    plural: 'arrays',
    decode(value, at) {
      if (!Array.isArray(value)) return wrong(at, expected, value);
      const out: T[] = [];
      for (const [index, element] of value.entries()) {
        const decoded = item.decode(element, `${at}[${index}]`);
        if (!decoded.ok) return decoded;
        out.push(decoded.value);
      }
      return ok(out);
    },
  };
}

/** A struct: declared keys only, matched case-insensitively, each at most once. */
export function object<S extends Shape>(shape: S): Type<ObjectOf<S>> {
  const byFold = new Map(Object.keys(shape).map((name) => [foldKey(name), name]));
  return {
    expected: 'a JSON object',
    plural: 'JSON objects',
    decode(value, at) {
      if (!isObject(value)) return wrong(at, 'a JSON object', value);
      const given = new Map<string, string>();
      for (const key of Object.keys(value)) {
        const name = byFold.get(foldKey(key));
        if (name === undefined) return { ok: false, error: `unknown key "${key}" in ${where(at)}` };
        const earlier = given.get(name);
        if (earlier !== undefined) return { ok: false, error: `key "${key}" repeats "${earlier}" in ${where(at)}` };
        given.set(name, key);
      }
      const out: Record<string, unknown> = {};
      for (const [name, field] of Object.entries(shape)) {
        const key = given.get(name);
        const raw = key === undefined ? undefined : value[key];
        const path = at === '' ? name : `${at}.${name}`;
        if (key === undefined || (raw === null && field.presence === 'nullable')) {
          if (field.presence === 'required') return { ok: false, error: `missing key "${name}" in ${where(at)}` };
          continue;
        }
        const decoded = field.type.decode(raw, path);
        if (!decoded.ok) return decoded;
        out[name] = decoded.value;
      }
      // Every declared key was checked against its own type just above.
      return ok(out as ObjectOf<S>);
    },
  };
}

/**
 * A map with free keys (Headers): each value of one type, each key passed through
 * `checkKey` (an error text, or undefined when fine), no key twice in different case.
 */
export function mapOf<T>(item: Type<T>, checkKey: (key: string) => string | undefined = () => undefined): Type<Record<string, T>> {
  const expected = `an object of ${item.plural}`;
  return {
    expected,
    plural: 'objects',
    decode(value, at) {
      if (!isObject(value)) return wrong(at, expected, value);
      const seen = new Map<string, string>();
      const out: Array<[string, T]> = [];
      for (const [key, element] of Object.entries(value)) {
        const keyError = checkKey(key);
        if (keyError !== undefined) return { ok: false, error: `${where(at)}: ${keyError}` };
        const earlier = seen.get(foldKey(key));
        if (earlier !== undefined) return { ok: false, error: `key "${key}" repeats "${earlier}" in ${where(at)}` };
        seen.set(foldKey(key), key);
        const decoded = item.decode(element, `${at}.${key}`);
        if (!decoded.ok) return decoded;
        out.push([key, decoded.value]);
      }
      return ok(Object.fromEntries(out));
    },
  };
}

/**
 * Refuses prototype keys at any depth (in any case, since keys match case-insensitively)
 * and nesting past MAX_DEPTH. Iterative, so a deeply nested body cannot exhaust the stack.
 */
function scan(body: unknown): string | undefined {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: body, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_DEPTH) return `the request body nests deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(value)) {
      for (const element of value) pending.push({ value: element, depth: depth + 1 });
      continue;
    }
    for (const [key, element] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(foldKey(key))) return `forbidden key "${key}" in the request body`;
      pending.push({ value: element, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Decodes a parsed body; an absent (empty) body reads as `{}`. */
export function decodeBody<T>(body: unknown, type: Type<T>): Decoded<T> {
  const value = body === undefined ? {} : body;
  const refused = scan(value);
  if (refused !== undefined) return { ok: false, error: refused };
  return type.decode(value, '');
}
