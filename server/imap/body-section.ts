/**
 * The bytes of FETCH BODY[<section>]<<partial>> (RFC 3501 §6.4.5, RFC 9051 §6.4.5),
 * taken from the stored message with the offsets of its MIME tree. Whole ranges
 * are zero-copy subarrays of the stored bytes; only HEADER.FIELDS (.NOT) builds
 * a new buffer, from the original field lines. A section naming a part the
 * message lacks yields an empty buffer, as reference servers answer.
 */
import { findPart, type MimeNode, type MimeTree } from '../mime/mime-tree.js';

export type SectionKind = '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';

export interface SectionSpec {
  /** Part numbers, e.g. [2, 1] for "2.1"; [] for the whole message. */
  part: number[];
  kind: SectionKind;
  /** Field names for HEADER.FIELDS and HEADER.FIELDS.NOT (any case). */
  fields?: string[];
  /** <start.length>: octets from `start`, at most `length` of them. */
  partial?: { start: number; length?: number };
}

const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const LF = Buffer.from('\n');

/** The message whose HEADER/TEXT a section names: the top level, or a message/rfc822 part's message. */
function messageOf(tree: MimeTree, part: readonly number[]): MimeNode | undefined {
  if (part.length === 0) return tree.root;
  return findPart(tree, part)?.message;
}

/** HEADER.FIELDS (.NOT): the matching field lines as written, then the blank line (RFC 3501 §6.4.5). */
function headerFields(raw: Buffer, node: MimeNode, names: readonly string[], not: boolean): Buffer {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  // The blank line mirrors the message's own (bare LF stays bare LF: nothing is re-encoded).
  const eol = node.headerEnd < node.bodyStart && raw[node.headerEnd] === 0x0a ? LF : CRLF;
  const chunks: Buffer[] = [];
  for (const field of node.header) {
    if (wanted.has(field.key) === not) continue;
    const line = raw.subarray(field.start, field.end);
    chunks.push(line);
    // A last field without a line ending still needs one before the blank line.
    if (line[line.length - 1] !== 0x0a) chunks.push(eol);
  }
  // A header that ended without a blank line (the message has no body) gets none either.
  if (node.headerEnd < node.bodyStart) chunks.push(eol);
  return Buffer.concat(chunks);
}

function section(raw: Buffer, tree: MimeTree, spec: SectionSpec): Buffer {
  switch (spec.kind) {
    case '': {
      if (spec.part.length === 0) return raw;
      const node = findPart(tree, spec.part);
      return node ? raw.subarray(node.bodyStart, node.bodyEnd) : EMPTY;
    }
    case 'MIME': {
      // RFC 3501 §6.4.5: MIME needs a part number; it names that part's own header.
      const node = spec.part.length === 0 ? undefined : findPart(tree, spec.part);
      return node ? raw.subarray(node.headerStart, node.bodyStart) : EMPTY;
    }
    case 'HEADER': {
      const message = messageOf(tree, spec.part);
      return message ? raw.subarray(message.headerStart, message.bodyStart) : EMPTY;
    }
    case 'TEXT': {
      const message = messageOf(tree, spec.part);
      return message ? raw.subarray(message.bodyStart, message.bodyEnd) : EMPTY;
    }
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      const message = messageOf(tree, spec.part);
      return message ? headerFields(raw, message, spec.fields ?? [], spec.kind === 'HEADER.FIELDS.NOT') : EMPTY;
    }
  }
}

/** The octets of BODY[section]<partial> (a partial past the end gives an empty buffer). */
export function bodySection(raw: Buffer, tree: MimeTree, spec: SectionSpec): Buffer {
  const bytes = section(raw, tree, spec);
  if (!spec.partial) return bytes;
  const start = Math.min(Math.max(0, spec.partial.start), bytes.length);
  const end = spec.partial.length === undefined ? bytes.length : Math.min(bytes.length, start + Math.max(0, spec.partial.length));
  return bytes.subarray(start, end);
}
