/**
 * The MIME structure of a stored message as byte offsets into its exact bytes, so
 * IMAP serves BODY[section] as subarrays and never re-encodes (RFC 3501 §6.4.5).
 *
 * Lenient by design: bare LF, missing headers, missing or unmatched boundaries,
 * truncated multiparts and 8-bit bytes never throw. Nesting deeper than
 * `maxDepth` is kept as an opaque body, parts beyond `maxParts` are left out, and
 * header fields beyond `maxFields` (over the whole tree) are not recorded.
 */
import { findField, readHeaderBlock, fieldText, type MimeHeaderField, type MimeText } from './header-block.js';
import { isIdentityEncoding, transferEncoding } from './transfer-encoding.js';
import {
  defaultContentType,
  paramValue,
  parseContentDisposition,
  parseContentType,
  type ContentDisposition,
  type ContentType,
} from './content-type.js';

export type { MimeHeaderField, MimeText } from './header-block.js';
export type { ContentDisposition, ContentType, MimeParam } from './content-type.js';

export interface MimeNode {
  /**
   * The IMAP part number of this entity (RFC 3501 §6.4.5): `[]` for the top-level
   * message, `[2, 1]` for "2.1". An encapsulated message's root carries the number
   * of its message/rfc822 part (or N.1 when the message N is itself of type
   * message/rfc822). Use `findPart` to resolve a section's numbers.
   */
  part: readonly number[];
  /** Byte offset of the first header line. */
  headerStart: number;
  /** Byte offset where the header fields end (the blank line starts here). */
  headerEnd: number;
  /** Byte offset of the body (just past the blank line); the header block is [headerStart, bodyStart). */
  bodyStart: number;
  /** Byte offset just past the body. */
  bodyEnd: number;
  header: readonly MimeHeaderField[];
  contentType: ContentType;
  disposition: ContentDisposition | undefined;
  /** Content-Transfer-Encoding as written, or undefined (RFC 2045 §6.1 default 7bit). */
  encoding: string | undefined;
  id: MimeText | undefined;
  description: MimeText | undefined;
  md5: MimeText | undefined;
  /** Content-Language tags (RFC 3282), or undefined. */
  language: MimeText[] | undefined;
  location: MimeText | undefined;
  /** Body size in octets as stored. */
  size: number;
  /** Body lines (count of LF) for text/* and message/rfc822|global; 0 otherwise. */
  lines: number;
  /** The parts of a multipart, in order (empty when it has no boundary or no delimiter). */
  children: MimeNode[];
  /** The encapsulated message of a message/rfc822 (or message/global) part. */
  message: MimeNode | undefined;
  /** True when a cap stopped parsing here: the body is kept whole and not looked into. */
  opaque: boolean;
}

export interface MimeTree {
  root: MimeNode;
  /** Number of entities parsed (root included). */
  partCount: number;
  /** The message length in octets. */
  size: number;
}

export interface MimeTreeLimits {
  maxDepth?: number;
  maxParts?: number;
  /**
   * Header fields recorded in `header` over the whole tree; the rest are still read for
   * the MIME fields (Content-Type…) of their entity, but not kept.
   */
  maxFields?: number;
}

const DEFAULT_MAX_DEPTH = 64;
const DEFAULT_MAX_PARTS = 10_000;

/**
 * The limits of the trees the server serves (IMAP FETCH). Sections are cut from a tree
 * on the event loop, and a tree built on a worker is put together again there, so its
 * size is bounded. A thousand parts is also as many as the API's parser (mailparser) reads.
 */
export const SERVED_TREE_LIMITS: Required<MimeTreeLimits> = { maxDepth: DEFAULT_MAX_DEPTH, maxParts: 1_000, maxFields: 10_000 };

const LF = 0x0a;
const CR = 0x0d;

interface Context {
  raw: Buffer;
  maxDepth: number;
  maxParts: number;
  /** Header fields that may still be recorded. */
  fieldsLeft: number;
  count: number;
  lines: LineCounter;
}

/** Builds the MIME tree of a whole message. Never throws on any input. */
export function buildMimeTree(raw: Buffer, limits: MimeTreeLimits = {}): MimeTree {
  const ctx: Context = {
    raw,
    maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxParts: limits.maxParts ?? DEFAULT_MAX_PARTS,
    fieldsLeft: limits.maxFields ?? Infinity,
    count: 0,
    lines: new LineCounter(raw),
  };
  const root = parseEntity(ctx, 0, raw.length, 0, [], defaultContentType(), true);
  return { root, partCount: ctx.count, size: raw.length };
}

const trees = new WeakMap<object, MimeTree>();

/**
 * The tree of a stored message within SERVED_TREE_LIMITS, built once from its bytes
 * `raw` and kept as long as the message object lives (or the one handed to
 * `keepMimeTree`). The bytes are passed in, not read off the message: a store may
 * keep them elsewhere and hand them out only on request (MailStore.readRaw).
 */
export function mimeTreeOf(message: object, raw: Buffer): MimeTree {
  let tree = trees.get(message);
  if (!tree) {
    tree = buildMimeTree(raw, SERVED_TREE_LIMITS);
    trees.set(message, tree);
  }
  return tree;
}

/** The tree `mimeTreeOf` keeps for the message, if it has made it already. */
export function keptMimeTree(message: object): MimeTree | undefined {
  return trees.get(message);
}

/** Keeps a tree built elsewhere (on a worker thread) as the message's `mimeTreeOf`. */
export function keepMimeTree(message: object, tree: MimeTree): void {
  trees.set(message, tree);
}

function textOf(field: MimeHeaderField | undefined): MimeText | undefined {
  if (!field || field.value === '') return undefined;
  return fieldText(field.value, field.latin1);
}

/**
 * Parses the entity in raw[start, end). `messageRoot` is true for a (top-level or
 * encapsulated) message, false for a part of a multipart.
 */
function parseEntity(
  ctx: Context,
  start: number,
  end: number,
  depth: number,
  part: readonly number[],
  fallback: ContentType,
  messageRoot: boolean,
): MimeNode {
  ctx.count++;
  const { raw } = ctx;
  const block = readHeaderBlock(raw, start, end);
  const fields = block.fields;
  const kept = fields.length <= ctx.fieldsLeft ? fields : fields.slice(0, ctx.fieldsLeft);
  ctx.fieldsLeft -= kept.length;
  const typeField = findField(fields, 'content-type');
  const contentType = parseContentType(typeField?.value, typeField?.latin1 ?? false, fallback);
  const dispositionField = findField(fields, 'content-disposition');
  const languageField = findField(fields, 'content-language');
  const encoding = findField(fields, 'content-transfer-encoding')?.value.replace(/\s*\(.*$/, '') || undefined;
  const node: MimeNode = {
    part,
    headerStart: start,
    headerEnd: block.headerEnd,
    bodyStart: block.bodyStart,
    bodyEnd: end,
    header: kept,
    contentType,
    disposition: parseContentDisposition(dispositionField?.value, dispositionField?.latin1 ?? false),
    encoding,
    id: textOf(findField(fields, 'content-id')),
    description: textOf(findField(fields, 'content-description')),
    md5: textOf(findField(fields, 'content-md5')),
    language: languageTags(languageField),
    location: textOf(findField(fields, 'content-location')),
    size: end - block.bodyStart,
    lines: 0,
    children: [],
    message: undefined,
    opaque: false,
  };
  const type = contentType.type.toLowerCase();
  const subtype = contentType.subtype.toLowerCase();
  const isMessage = type === 'message' && (subtype === 'rfc822' || subtype === 'global');
  if (type === 'text' || isMessage) node.lines = ctx.lines.count(node.bodyStart, end);
  const capped = depth >= ctx.maxDepth || ctx.count >= ctx.maxParts;
  if (type === 'multipart') {
    if (capped) node.opaque = true;
    else parseMultipart(ctx, node, depth, subtype === 'digest');
  } else if (isMessage && isIdentityEncoding(transferEncoding(encoding))) {
    // RFC 2046 §5.2.1: only 7bit, 8bit or binary encapsulation can be looked into.
    if (capped) node.opaque = true;
    else {
      // A multipart's message/rfc822 part N holds message N (N.HEADER, N.1…); a message
      // whose own body is message/rfc822 holds it as its part 1 (RFC 3501 §6.4.5).
      const inner = messageRoot ? [...part, 1] : part;
      node.message = parseEntity(ctx, node.bodyStart, end, depth + 1, inner, defaultContentType(), true);
    }
  }
  return node;
}

function languageTags(field: MimeHeaderField | undefined): MimeText[] | undefined {
  if (!field) return undefined;
  const tags = field.value
    .replace(/\([^()]*\)/g, '')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return tags.length === 0 ? undefined : tags.map((tag) => fieldText(tag, field.latin1));
}

/** Line feeds per block of this many octets, once LineCounter keeps a tally. */
const TALLY_BLOCK = 4096;

/**
 * Counts LF in ranges of one message. Nested message/rfc822 entities each count their
 * whole body, so a deep chain would count the same bytes once per level: past twice the
 * message's length counted, a running tally per 4 KB block is made once, and each count
 * then reads at most two partial blocks.
 */
class LineCounter {
  #counted = 0;
  #tally: Float64Array | undefined;

  constructor(private readonly raw: Buffer) {}

  count(start: number, end: number): number {
    if (!this.#tally && this.#counted + (end - start) <= 2 * this.raw.length) {
      this.#counted += end - start;
      return countLines(this.raw, start, end);
    }
    this.#tally ??= this.#makeTally();
    return this.#before(end) - this.#before(start);
  }

  /** LF in raw[0, at). */
  #before(at: number): number {
    const block = Math.floor(at / TALLY_BLOCK);
    return (this.#tally as Float64Array)[block]! + countLines(this.raw, block * TALLY_BLOCK, at);
  }

  /** tally[b]: LF in raw[0, b × TALLY_BLOCK). */
  #makeTally(): Float64Array {
    const blocks = Math.floor(this.raw.length / TALLY_BLOCK) + 1;
    const tally = new Float64Array(blocks);
    for (let b = 1; b < blocks; b++) tally[b] = tally[b - 1]! + countLines(this.raw, (b - 1) * TALLY_BLOCK, b * TALLY_BLOCK);
    return tally;
  }
}

function countLines(raw: Buffer, start: number, end: number): number {
  let lines = 0;
  let pos = raw.indexOf(LF, start);
  while (pos !== -1 && pos < end) {
    lines++;
    pos = raw.indexOf(LF, pos + 1);
  }
  return lines;
}

interface Delimiter {
  /** Where the body before this delimiter ends: the line break preceding "--boundary" belongs to it (RFC 2046 §5.1.1). */
  before: number;
  /** Just past the delimiter line (its line break included). */
  after: number;
  close: boolean;
}

/**
 * Finds the next delimiter line "--boundary" (optionally "--" closing it, then
 * transport padding) starting a line within [from, end).
 */
function nextDelimiter(raw: Buffer, needle: Buffer, bodyStart: number, from: number, end: number): Delimiter | undefined {
  let pos = from;
  while (pos < end) {
    const at = raw.indexOf(needle, pos);
    if (at === -1 || at + needle.length > end) return undefined;
    pos = at + 1;
    if (at !== bodyStart && raw[at - 1] !== LF) continue;
    let i = at + needle.length;
    let close = false;
    if (raw[i] === 0x2d && raw[i + 1] === 0x2d && i + 2 <= end) {
      close = true;
      i += 2;
    }
    while (i < end && (raw[i] === 0x20 || raw[i] === 0x09)) i++;
    let after: number;
    if (i >= end) after = end;
    else if (raw[i] === LF) after = i + 1;
    else if (raw[i] === CR && raw[i + 1] === LF && i + 1 < end) after = i + 2;
    else continue;
    let before = at;
    if (at !== bodyStart) {
      before = at - 1;
      if (before > bodyStart && raw[before - 1] === CR) before--;
    }
    return { before, after, close };
  }
  return undefined;
}

function parseMultipart(ctx: Context, node: MimeNode, depth: number, digest: boolean): void {
  const boundary = paramValue(node.contentType.params, 'boundary');
  if (boundary === undefined || boundary === '') return;
  const { raw } = ctx;
  const needle = Buffer.from(`--${boundary}`, 'utf8');
  const end = node.bodyEnd;
  // RFC 2046 §5.1.5: in multipart/digest a part without Content-Type is message/rfc822.
  const fallback = digest ? defaultContentType('message', 'rfc822') : defaultContentType();
  let delimiter = nextDelimiter(raw, needle, node.bodyStart, node.bodyStart, end);
  while (delimiter && !delimiter.close) {
    if (ctx.count >= ctx.maxParts) return;
    const partStart = delimiter.after;
    const next = nextDelimiter(raw, needle, node.bodyStart, partStart, end);
    // A missing closing delimiter: the last part runs to the end (a truncated message).
    const partEnd = next ? Math.max(partStart, next.before) : end;
    node.children.push(parseEntity(ctx, partStart, partEnd, depth + 1, [...node.part, node.children.length + 1], fallback, false));
    delimiter = next;
  }
}

/**
 * Resolves IMAP section part numbers (RFC 3501 §6.4.5) to an entity, as reference
 * servers do: once a message/rfc822 entity is selected, further numbers continue
 * into its encapsulated message; a multipart's number N is its Nth part; a
 * non-multipart entity answers to "1" once (so "1" of a single-part message is
 * its body). Undefined when absent.
 */
export function findPart(tree: MimeTree, part: readonly number[]): MimeNode | undefined {
  let node: MimeNode | undefined = tree.root;
  let selected = false;
  let selfUsed = false;
  for (const n of part) {
    if (node.message && selected) {
      node = node.message;
      selfUsed = false;
    }
    selected = true;
    if (node.contentType.type.toLowerCase() === 'multipart') {
      node = node.children[n - 1];
      if (!node) return undefined;
      selfUsed = false;
    } else if (n !== 1 || selfUsed) {
      return undefined;
    } else {
      selfUsed = true;
    }
  }
  return node;
}
