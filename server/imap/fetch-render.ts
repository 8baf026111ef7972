import { decodeTransfer, isKnownEncoding, transferEncoding } from '../mime/transfer-encoding.js';
import { buildMimeTree, findPart, keepMimeTree, keptMimeTree, mimeTreeOf, SERVED_TREE_LIMITS, type MimeTree } from '../mime/mime-tree.js';
import { parsesOffThread } from '../mime/off-thread.js';
import type { StoredMessage } from '../store/types.js';
import { bodySection } from './body-section.js';
import { bodyStructure } from './bodystructure.js';
import type { ImapOutput } from './encode.js';
import { envelope } from './envelope.js';
import type { FetchItem, SectionSpec } from './fetch-items.js';
import { fetchOffThread } from './fetch-offload.js';
import { bytesGiven } from './held-bytes.js';

/**
 * FETCH data from the stored bytes and their MIME tree. The bytes are handed in by the
 * command, which read them through the store (held-bytes.ts). ENVELOPE and
 * BODYSTRUCTURE never change for a message, so each rendering is kept with the message
 * (weakly), and a later FETCH of them reads no bytes at all.
 */
const envelopes = [new WeakMap<StoredMessage, ImapOutput>(), new WeakMap<StoredMessage, ImapOutput>()];
const structures = [new WeakMap<StoredMessage, ImapOutput>(), new WeakMap<StoredMessage, ImapOutput>()];
const bodies = [new WeakMap<StoredMessage, ImapOutput>(), new WeakMap<StoredMessage, ImapOutput>()];

function cached(cache: WeakMap<StoredMessage, ImapOutput>, message: StoredMessage, make: () => ImapOutput): ImapOutput {
  let value = cache.get(message);
  if (value === undefined) {
    value = make();
    cache.set(message, value);
  }
  return value;
}

/** Whether rendering the item reads the message's MIME tree (the whole message, BODY[], does not). */
function readsTree(item: FetchItem): boolean {
  switch (item.kind) {
    case 'simple':
      return item.name === 'ENVELOPE' || item.name === 'BODY' || item.name === 'BODYSTRUCTURE';
    case 'rfc822':
      return false;
    case 'section':
      // The top level's HEADER, TEXT and HEADER.FIELDS read its header only (topLevelOf).
      return item.section.part.length > 0;
    case 'binary':
      return item.part.length > 0;
  }
}

/**
 * Whether rendering the items for this message reads its bytes: every section does,
 * ENVELOPE, BODY and BODYSTRUCTURE only until their rendering is kept; FLAGS, UID,
 * INTERNALDATE, RFC822.SIZE and MODSEQ come from the store's index.
 */
export function readsBytes(message: StoredMessage, items: readonly FetchItem[], utf8: boolean): boolean {
  const at = utf8 ? 1 : 0;
  for (const item of items) {
    if (item.kind !== 'simple') return true;
    if (item.name === 'ENVELOPE' && !envelopes[at]!.has(message)) return true;
    if (item.name === 'BODY' && !bodies[at]!.has(message)) return true;
    if (item.name === 'BODYSTRUCTURE' && !structures[at]!.has(message)) return true;
  }
  return false;
}

/**
 * The top-level entity only, its body opaque: what a top-level section reads, and the
 * tree of a message the worker gave up (time limit, or it died) — still a valid
 * BODYSTRUCTURE, and every byte still served by BODY[].
 */
const HEADER_ONLY_LIMITS = { maxDepth: 0, maxParts: 1, maxFields: SERVED_TREE_LIMITS.maxFields };

const preparing = new WeakMap<StoredMessage, Promise<void>>();

/** Builds a heavy message's tree and renderings on a worker, and keeps them with it. */
function prepare(message: StoredMessage, raw: Buffer): Promise<void> {
  let pending = preparing.get(message);
  if (!pending) {
    pending = fetchOffThread(raw).then((made) => {
      preparing.delete(message);
      if (!made) return keepMimeTree(message, buildMimeTree(raw, HEADER_ONLY_LIMITS));
      keepMimeTree(message, made.tree);
      for (const utf8 of [0, 1] as const) {
        envelopes[utf8]!.set(message, made.envelope[utf8]);
        bodies[utf8]!.set(message, made.body[utf8]);
        structures[utf8]!.set(message, made.bodystructure[utf8]);
      }
    });
    preparing.set(message, pending);
  }
  return pending;
}

/**
 * Makes, before a FETCH renders anything, what its items will read of heavy messages
 * (see parsesOffThread): their MIME trees and renderings, on a worker thread. What is
 * left for the event loop is then a lookup; light messages are rendered in place.
 */
export async function prepareFetch(targets: ReadonlyArray<{ message: StoredMessage; raw: Buffer | undefined }>, items: readonly FetchItem[]): Promise<void> {
  if (!items.some(readsTree)) return;
  const pending: Array<Promise<void>> = [];
  for (const { message, raw } of targets) {
    if (raw && !keptMimeTree(message) && parsesOffThread(raw)) pending.push(prepare(message, raw));
  }
  await Promise.all(pending);
}

/** ENVELOPE (RFC 3501 §7.4.2). */
export function renderEnvelope(message: StoredMessage, raw: Buffer | undefined, utf8: boolean): ImapOutput {
  return cached(envelopes[utf8 ? 1 : 0]!, message, () => envelope(mimeTreeOf(message, bytesGiven(raw)).root.header, { utf8 }));
}

/** BODY (non-extensible) or BODYSTRUCTURE (RFC 3501 §7.4.2). */
export function renderBodyStructure(message: StoredMessage, raw: Buffer | undefined, extended: boolean, utf8: boolean): ImapOutput {
  const cache = (extended ? structures : bodies)[utf8 ? 1 : 0]!;
  return cached(cache, message, () => bodyStructure(mimeTreeOf(message, bytesGiven(raw)), extended, { utf8 }));
}

const topLevels = new WeakMap<StoredMessage, MimeTree>();

/**
 * What a section of the top level (HEADER, TEXT, HEADER.FIELDS, the RFC822.* forms)
 * reads: the message's own header, its body opaque. The most common FETCH of a mail
 * client's sync (BODY.PEEK[HEADER.FIELDS (…)] for every message) so builds no tree of parts.
 */
function topLevelOf(message: StoredMessage, raw: Buffer): MimeTree {
  let tree = keptMimeTree(message) ?? topLevels.get(message);
  if (!tree) {
    tree = buildMimeTree(raw, HEADER_ONLY_LIMITS);
    topLevels.set(message, tree);
  }
  return tree;
}

/** The stored bytes a BODY[section] names (empty when the message has no such part). */
export function sectionBytes(message: StoredMessage, raw: Buffer, section: SectionSpec): Buffer {
  if (section.part.length === 0 && section.text === '') return raw;
  const tree = section.part.length === 0 ? topLevelOf(message, raw) : mimeTreeOf(message, raw);
  return bodySection(raw, tree, { part: section.part, kind: section.text, fields: section.fields });
}

/**
 * Whether BINARY[part] names a part whose Content-Transfer-Encoding is not one this
 * server can undo: RFC 3516 §4.3 / RFC 9051 §7.1 then want `NO [UNKNOWN-CTE]`.
 */
export function unknownCte(message: StoredMessage, raw: Buffer, part: number[]): boolean {
  if (part.length === 0) return false;
  const node = findPart(mimeTreeOf(message, raw), part);
  return node !== undefined && !isKnownEncoding(transferEncoding(node.encoding));
}

/**
 * RFC 3516 BINARY[part]: the part's body with its Content-Transfer-Encoding undone;
 * null when the part does not exist or its encoding is unknown (checked first with
 * `unknownCte`).
 */
export function binaryBytes(message: StoredMessage, raw: Buffer, part: number[]): Buffer | null {
  if (part.length === 0) return raw;
  const node = findPart(mimeTreeOf(message, raw), part);
  if (!node) return null;
  return decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), transferEncoding(node.encoding)) ?? null;
}
