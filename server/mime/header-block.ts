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
  readonly name: string;
  /** The name lower-cased, for lookups. */
  readonly key: string;
  /** Byte offset of the field's first line. */
  readonly start: number;
  /** Byte offset just past the field's last line ending (continuations included). */
  readonly end: number;
  /**
   * The value unfolded (RFC 5322 §2.2.3: line breaks removed, whitespace kept), with
   * surrounding whitespace trimmed. Decoded as UTF-8 when valid, else as Latin-1 with
   * `latin1` set so each character stands for one byte (see `fieldText`).
   */
  readonly value: string;
  readonly latin1: boolean;
}

/** A field whose value is decoded on first use: most fields of most messages are never read. */
class LazyField implements MimeHeaderField {
  private decoded: { value: string; latin1: boolean } | undefined;
  constructor(
    private readonly raw: Buffer,
    readonly name: string,
    readonly key: string,
    readonly start: number,
    public end: number,
    private readonly valueStart: number,
  ) {}

  private decode(): { value: string; latin1: boolean } {
    this.decoded ??= decodeValue(this.raw, this.valueStart, this.end);
    return this.decoded;
  }

  get value(): string {
    return this.decode().value;
  }

  get latin1(): boolean {
    return this.decode().latin1;
  }
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
  let current: LazyField | undefined;
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
      return { fields, headerEnd: pos, bodyStart: lineEnd };
    }
    const first = raw[pos];
    if ((first === 0x20 || first === 0x09) && current) {
      current.end = lineEnd;
    } else {
      current = undefined;
      if (colon !== -1 && colon < pos) colon = raw.indexOf(0x3a, pos);
      if (colon > pos && colon < lineEnd) {
        const name = raw.toString('latin1', pos, colon).trimEnd();
        if (name !== '' && !/[\s\x00-\x1f\x7f]/.test(name)) {
          current = new LazyField(raw, name, name.toLowerCase(), pos, lineEnd, colon + 1);
          fields.push(current);
        }
      }
    }
    pos = lineEnd;
  }
  return { fields, headerEnd: end, bodyStart: end };
}

function decodeValue(raw: Buffer, start: number, end: number): { value: string; latin1: boolean } {
  const bytes = raw.subarray(start, end);
  let eightBit = false;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      eightBit = true;
      break;
    }
  }
  const utf8 = eightBit && isUtf8(bytes);
  const text = bytes.toString(utf8 ? 'utf8' : 'latin1');
  return { value: text.replace(/\r?\n/g, '').trim(), latin1: eightBit && !utf8 };
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
