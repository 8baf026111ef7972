import type { BodySummary } from './types.js';
import { summaryOfText } from './body-text.js';
import { decodeTransfer, transferEncoding } from './transfer-encoding.js';
import { paramValue } from './content-type.js';
import { buildMimeTree, type MimeNode } from './mime-tree.js';

/** Parts past this many, or nesting past this deep, go to mailparser. */
const MAX_PARTS = 64;
const MAX_DEPTH = 4;
/** An `=` that starts neither an octet (=XX) nor a soft line break (RFC 2045 §6.7). */
const BAD_QP = /=(?![0-9A-Fa-f]{2}|\r?\n)/;

/**
 * The body summary of the most common multipart shape, read from the MIME tree's byte
 * offsets instead of mailparser, which decodes every attachment: multipart/mixed or
 * /alternative holding one text/plain part (UTF-8 or ASCII, not format=flowed), at
 * most one text/html part beside it in an alternative, and any number of parts marked
 * `Content-Disposition: attachment`. Only the text part is decoded; attachments are counted, not read.
 *
 * Anything else — related or nested messages, inline parts, several text parts, other
 * charsets, damaged structure — returns undefined and goes to mailparser. The result
 * equals mailparser's (test/mime/tree-summary.test.ts compares them).
 */
export function treeSummary(raw: Buffer): BodySummary | undefined {
  const tree = buildMimeTree(raw, { maxDepth: MAX_DEPTH, maxParts: MAX_PARTS + 1 });
  if (tree.partCount > MAX_PARTS || !isMultipart(tree.root)) return undefined;
  const shape: Shape = { text: undefined, html: undefined, attachments: 0 };
  if (!collect(tree.root, shape) || !shape.text) return undefined;
  const text = decodeText(raw, shape.text);
  if (text === undefined) return undefined;
  // A blank text part (its text may then be the HTML's) is left to mailparser.
  if (text.trim() === '') return undefined;
  return summaryOfText(text, shape.attachments, 0);
}

interface Shape {
  text: MimeNode | undefined;
  html: MimeNode | undefined;
  attachments: number;
}

function isMultipart(node: MimeNode): boolean {
  const subtype = node.contentType.subtype.toLowerCase();
  return node.contentType.type.toLowerCase() === 'multipart' && (subtype === 'mixed' || subtype === 'alternative');
}

/** Walks the tree; false as soon as a part is outside the shape this file reads. */
function collect(node: MimeNode, shape: Shape, inAlternative = false): boolean {
  if (node.opaque || node.message) return false;
  if (node.contentType.type.toLowerCase() === 'multipart') {
    if (!isMultipart(node) || node.children.length === 0) return false;
    const alternative = node.contentType.subtype.toLowerCase() === 'alternative';
    return node.children.every((child) => collect(child, shape, alternative));
  }
  const disposition = node.disposition?.value.toLowerCase();
  if (disposition === 'attachment') {
    shape.attachments++;
    return true;
  }
  if (disposition !== undefined || !node.contentType.explicit) return false;
  const type = `${node.contentType.type}/${node.contentType.subtype}`.toLowerCase();
  const params = node.contentType.params;
  if (paramValue(params, 'name') !== undefined) return false;
  const charset = (paramValue(params, 'charset') ?? 'us-ascii').toLowerCase();
  if (!/^(utf-?8|us-ascii|ascii)$/.test(charset)) return false;
  if (type === 'text/plain' && !shape.text && (paramValue(params, 'format') ?? '').toLowerCase() !== 'flowed') {
    shape.text = node;
    return true;
  }
  // Outside an alternative, mailparser adds the HTML's own reading of it to the text.
  if (type === 'text/html' && !shape.html && inAlternative) {
    shape.html = node;
    return true;
  }
  return false;
}

function decodeText(raw: Buffer, node: MimeNode): string | undefined {
  const body = raw.subarray(node.bodyStart, node.bodyEnd);
  const encoding = transferEncoding(node.encoding);
  // Damaged quoted-printable is read differently by different decoders: mailparser's call.
  if (encoding === 'quoted-printable' && BAD_QP.test(body.toString('latin1'))) return undefined;
  return decodeTransfer(body, encoding)?.toString('utf8');
}
