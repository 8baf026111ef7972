import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 22; // 62^22 > 2^128, so 16 random bytes always fit

/** A random 128-bit id in base 62: URL-safe and the same shape as Mailpit's ids. */
export function newMessageId(): string {
  let value = BigInt('0x' + randomBytes(16).toString('hex'));
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) {
    id = ALPHABET[Number(value % 62n)] + id;
    value /= 62n;
  }
  return id;
}

export function isMessageId(text: string): boolean {
  return text.length === ID_LENGTH && /^[0-9A-Za-z]+$/.test(text);
}
