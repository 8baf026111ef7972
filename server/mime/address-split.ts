/**
 * An address-list field value cut into its entries at the commas and semicolons that
 * separate them, as nodemailer's addressparser reads them: not inside a quoted string,
 * a comment, an angle-bracketed address or a group (RFC 5322 §3.4). Parsing each entry
 * on its own gives what parsing the whole value gives, because the parser starts every
 * entry in the state it starts a value in; it keeps the work linear, where the parser
 * joins its results in a way that costs the square of the entry count.
 */

/** What ends each construct that hides separators (addressparser's operators), by character code. */
const CLOSER = new Map<number, number>([
  [0x22, 0x22], // "…"
  [0x28, 0x29], // (…)
  [0x3c, 0x3e], // <…>
  [0x3a, 0x3b], // group: …;
]);
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const BACKSLASH = 0x5c;
const QUOTE = 0x22;

/** Calls `entry` with each entry's text, in order; stops early when it returns false. */
export function forEachAddressEntry(value: string, entry: (text: string) => boolean): void {
  let expecting = 0;
  let escaped = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (escaped) {
      escaped = false;
    } else if (expecting !== 0) {
      // Only a quoted string has escapes in addressparser's reading.
      if (expecting === QUOTE && c === BACKSLASH) escaped = true;
      else if (c === expecting) {
        expecting = 0;
        // The semicolon that ends a group also ends its entry.
        if (c === SEMICOLON) {
          if (!entry(value.slice(start, i))) return;
          start = i + 1;
        }
      }
    } else if (c === COMMA || c === SEMICOLON) {
      if (!entry(value.slice(start, i))) return;
      start = i + 1;
    } else {
      expecting = CLOSER.get(c) ?? 0;
    }
  }
  entry(value.slice(start));
}
