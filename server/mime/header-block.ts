/**
 * A MIME entity's header block read straight from the stored bytes, with the byte
 * offsets of every field so IMAP can serve HEADER.FIELDS from the original lines.
 * Never throws: lines that are not fields are skipped, a missing blank line makes
 * the whole range header (RFC 5322 §2.1), and bare LF ends lines as CRLF does.
 */
import { isUtf8 } from 'node:buffer';

/**
 * Text read from header bytes: a `string` when the bytes are ASCII or valid UTF-8
 * (RFC 6532), else the exact `Buffer` — so nothing is lost for IMAP, which sends
 * header text byte for byte.
 */
export type MimeText = string | Buffer;

export interface MimeHeaderField {
  /** The field name as written. */
  name: string;
  /** The name lower-cased, for lookups. */
  key: string;
  /** Byte offset of the field's first line. */
  start: number;
  /** Byte offset just past the field's last line ending (continuations included). */
  end: number;
  /**
   * The value unfolded (RFC 5322 §2.2.3: line breaks removed, whitespace kept), with
   * surrounding whitespace trimmed. Decoded as UTF-8 when valid, else as Latin-1 with
   * `latin1` set so each character stands for one byte (see `fieldText`).
   */
  value: string;
  latin1: boolean;
}

export interface HeaderBlock {
  fields: MimeHeaderField[];
  /** Offset where the blank line separating header and body begins (or `end` when there is none). */
  headerEnd: number;
  /** Offset of the first body byte (just past the blank line). */
  bodyStart: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** Reads the header block of the entity occupying raw[start, end). */
export function readHeaderBlock(raw: Buffer, start: number, end: number): HeaderBlock {
  const fields: MimeHeaderField[] = [];
  let current: { field: MimeHeaderField; valueStart: number } | undefined;
  const finish = (): void => {
    if (current) current.field.value = decodeValue(raw, current.valueStart, current.field.end, current.field);
    current = undefined;
  };
  let pos = start;
  // The next colon at or after `pos` (-1: none left), remembered so that lines
  // without one do not rescan the rest of the block.
  let colon = start < end ? raw.indexOf(0x3a, start) : -1;
  while (pos < end) {
    const newline = raw.indexOf(LF, pos);
    const lineEnd = newline === -1 || newline >= end ? end : newline + 1;
    const length = lineEnd - pos;
    if ((length === 1 && raw[pos] === LF) || (length === 2 && raw[pos] === CR && raw[pos + 1] === LF)) {
      // The blank line: the header ends here (RFC 5322 §2.1).
      finish();
      return { fields, headerEnd: pos, bodyStart: lineEnd };
    }
    const first = raw[pos];
    if ((first === 0x20 || first === 0x09) && current) {
      current.field.end = lineEnd;
    } else {
      finish();
      if (colon !== -1 && colon < pos) colon = raw.indexOf(0x3a, pos);
      if (colon > pos && colon < lineEnd) {
        const name = raw.toString('latin1', pos, colon).trimEnd();
        if (name !== '' && !/[\s\x00-\x1f\x7f]/.test(name)) {
          const field: MimeHeaderField = { name, key: name.toLowerCase(), start: pos, end: lineEnd, value: '', latin1: false };
          fields.push(field);
          current = { field, valueStart: colon + 1 };
        }
      }
    }
    pos = lineEnd;
  }
  finish();
  return { fields, headerEnd: end, bodyStart: end };
}

function decodeValue(raw: Buffer, start: number, end: number, field: MimeHeaderField): string {
  const bytes = raw.subarray(start, end);
  let eightBit = false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      eightBit = true;
      break;
    }
  }
  let text: string;
  if (eightBit && isUtf8(bytes)) text = bytes.toString('utf8');
  else {
    text = bytes.toString('latin1');
    field.latin1 = eightBit;
  }
  return text.replace(/\r?\n/g, '').trim();
}

/** A piece of a field's value as `MimeText`: exact bytes when the field was not UTF-8. */
export function fieldText(text: string, latin1: boolean): MimeText {
  if (!latin1 || !/[\x80-\xff]/.test(text)) return text;
  return Buffer.from(text, 'latin1');
}

/** The first field with this (case-insensitive) name. */
export function findField(fields: readonly MimeHeaderField[], name: string): MimeHeaderField | undefined {
  const key = name.toLowerCase();
  for (const field of fields) if (field.key === key) return field;
  return undefined;
}
