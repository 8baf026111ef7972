import { firstDuplicateKey } from './duplicate-key.js';

/** JSON text read strictly, or what is wrong with it (each caller words it for its protocol). */
export type StrictJson =
  | { ok: true; value: unknown; empty: false }
  /** Nothing but white space: no JSON at all. */
  | { ok: true; value: undefined; empty: true }
  | { ok: false; wrong: 'not-utf8' | 'not-json' }
  | { ok: false; wrong: 'repeated-key'; key: string };

/**
 * JSON read as the API reads every body and the MCP stdio transport every line: UTF-8
 * (RFC 8259 §8.1) decoded strictly, a bad byte refused rather than made U+FFFD; and no
 * object name given twice (duplicate-key.ts), where JSON.parse would keep the last.
 */
export function parseStrictJson(bytes: Uint8Array): StrictJson {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, wrong: 'not-utf8' };
  }
  if (text.trim() === '') return { ok: true, value: undefined, empty: true };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, wrong: 'not-json' };
  }
  const key = firstDuplicateKey(text);
  return key === undefined ? { ok: true, value, empty: false } : { ok: false, wrong: 'repeated-key', key };
}
