import { randomBytes } from 'node:crypto';

/**
 * SQL literals for statements sent whole as a simple query (no parameters), built
 * without escaping character by character: the bulk of what a batch writes is message
 * bytes and JSON, and escaping those in JavaScript cost more than storing them.
 */

/**
 * Text as a dollar-quoted string: nothing inside is an escape (PostgreSQL docs, "Lexical
 * Structure", 4.1.2.4), so the text goes as it is, under a tag it does not contain.
 * The text must be valid UTF-8 without NUL: JSON.stringify's output is (it escapes
 * control characters and lone surrogates).
 */
export function dollarQuoted(text: string): string {
  // The closing tag must be the first place the tag appears, counting what the text ends with
  // ('…$j' before '$j$' would close early). A random tag, not a counted one: a message
  // could carry every counted tag in turn, and each try is a scan of the whole batch.
  let tag = '$j$';
  while (`${text}${tag}`.indexOf(tag) !== text.length) tag = `$j${randomBytes(8).toString('hex')}$`;
  return `${tag}${text}${tag}`;
}

/**
 * Bytes as a bytea literal in hex form. The E'' form reads the same whatever
 * standard_conforming_strings is, so the server's setting cannot change the bytes.
 */
export function byteaLiteral(bytes: Buffer): string {
  return `E'\\\\x${bytes.toString('hex')}'::bytea`;
}
