/**
 * Edits to a message's header block made on the bytes: whole fields (with their folded
 * lines) removed, new ones added at the end of the block. Every other byte, lines that
 * are not fields included, stays as it was, and the body is never touched.
 */
import { readHeaderBlock } from './header-block.js';

export interface HeaderEdit {
  /** Removes every field whose lower-cased name this returns true for. */
  drop?: (key: string) => boolean;
  /** Complete field lines without their line ending, e.g. `Date: …`. */
  add?: readonly string[];
}

export function editHeaderBlock(raw: Buffer, edit: HeaderEdit): Buffer {
  const { fields, headerEnd } = readHeaderBlock(raw, 0, raw.length);
  const pieces: Buffer[] = [];
  let kept = 0;
  for (const field of fields) {
    if (!edit.drop?.(field.key)) continue;
    pieces.push(raw.subarray(kept, field.start));
    kept = field.end;
  }
  pieces.push(raw.subarray(kept, headerEnd));
  const added = edit.add ?? [];
  if (added.length > 0) {
    // New lines end as the message's own lines do (CRLF unless it uses bare LF).
    const firstLf = raw.indexOf(0x0a);
    const eol = firstLf > 0 && raw[firstLf - 1] !== 0x0d ? '\n' : '\r\n';
    // A header block without a final line break (no body at all) gets one first.
    const open = headerEnd > 0 && raw[headerEnd - 1] !== 0x0a ? eol : '';
    pieces.push(Buffer.from(open + added.map((line) => line + eol).join(''), 'latin1'));
  }
  pieces.push(raw.subarray(headerEnd));
  return Buffer.concat(pieces);
}
