import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 22; // 22 uniform base-62 characters carry 131 bits of randomness
/** Bytes at or past this are skipped so each character is uniform (248 = 4 × 62). */
const UNBIASED_LIMIT = 248;

/** Random bytes drawn in bulk: one getrandom call per few hundred ids, not one per id. */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomByte(): number {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  return pool[offset++] as number;
}

/** A random id in base 62: URL-safe and the same shape as Mailpit's ids. */
export function newMessageId(): string {
  // Made in one go from char codes: appending a character at a time leaves a tree of
  // ten concatenated-string nodes behind every id the store keeps (~330 bytes each).
  const codes: number[] = [];
  while (codes.length < ID_LENGTH) {
    const byte = randomByte();
    if (byte < UNBIASED_LIMIT) codes.push(ALPHABET.charCodeAt(byte % 62));
  }
  return String.fromCharCode(...codes);
}

export function isMessageId(text: string): boolean {
  return text.length === ID_LENGTH && /^[0-9A-Za-z]+$/.test(text);
}
