/**
 * Cheap reading of a message's header block straight from the raw bytes, for the
 * summary made at delivery. It never throws: a malformed header gives empty fields.
 */

const LF_CRLF = Buffer.from('\n\r\n');
const LF_LF = Buffer.from('\n\n');

/** Offset just past the blank line that ends the header block, or raw.length when there is none. */
export function headerEnd(raw: Buffer): number {
  // RFC 5322 §2.1: header, then an empty line, then the body. Bare LF is tolerated.
  // A message that starts with the empty line has no header fields at all.
  if (raw[0] === 0x0a) return 1;
  if (raw[0] === 0x0d && raw[1] === 0x0a) return 2;
  // Buffer.indexOf searches natively; the earlier of the two forms ends the header, and
  // the bare-LF form is looked for only before the CRLF one (not through a whole body).
  const crlf = raw.indexOf(LF_CRLF);
  const lf = raw.subarray(0, crlf < 0 ? raw.length : crlf + 1).indexOf(LF_LF);
  if (lf >= 0) return lf + 2;
  return crlf >= 0 ? crlf + 3 : raw.length;
}

export interface HeaderField {
  /** The name as written. */
  name: string;
  /** The unfolded value (RFC 5322 §2.2.3), surrounding whitespace trimmed. */
  value: string;
}

/**
 * Splits a header block into fields. Lines that are neither a field nor a
 * continuation are skipped, as RFC 5322 parsers commonly do.
 * 8-bit bytes are read as UTF-8 (RFC 6532); invalid sequences become U+FFFD.
 */
export function parseHeaderFields(block: Buffer | string, maxFields = Infinity): HeaderField[] {
  const text = typeof block === 'string' ? block : block.toString('utf8');
  const fields: HeaderField[] = [];
  let current: HeaderField | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trimEnd() : '';
    if (colon <= 0 || /\s/.test(name)) {
      current = undefined;
      continue;
    }
    if (fields.length >= maxFields) break;
    current = { name, value: line.slice(colon + 1) };
    fields.push(current);
  }
  for (const field of fields) field.value = field.value.trim();
  return fields;
}

/** Reads the header block of a raw message into fields. */
export function readHeaderFields(raw: Buffer, maxBytes = raw.length, maxFields = Infinity): HeaderField[] {
  const end = Math.min(headerEnd(raw), maxBytes);
  return parseHeaderFields(raw.subarray(0, end), maxFields);
}

/** First value of a field by case-insensitive name. */
export function firstField(fields: HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const field of fields) {
    if (field.name.length === lower.length && field.name.toLowerCase() === lower) return field.value;
  }
  return undefined;
}
