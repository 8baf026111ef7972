/**
 * A MIME tree as it crosses from a worker thread to the main one. Structured cloning
 * would copy every header field's reference to the message bytes, so fields travel as
 * a byte range instead and are read again on arrival (a few thousand at most, within
 * SERVED_TREE_LIMITS); nesting travels as indexes into one list of nodes.
 */
import { readHeaderBlock, type MimeText } from './header-block.js';
import type { MimeParam } from './content-type.js';
import type { MimeNode, MimeTree } from './mime-tree.js';

/** Exact bytes of a header value, or its text; a Buffer arrives as a plain Uint8Array. */
type FlatText = string | Uint8Array;

/** The values of a node that hold header text, with that text as T. */
interface Texts<T> {
  contentType: Omit<MimeNode['contentType'], 'params'> & { params: Array<Omit<MimeParam, 'value'> & { value: T }> };
  disposition: { value: string; params: Array<Omit<MimeParam, 'value'> & { value: T }> } | undefined;
  id: T | undefined;
  description: T | undefined;
  md5: T | undefined;
  language: T[] | undefined;
  location: T | undefined;
}

/** The values of a node that are plain numbers, strings and flags. */
type Plain = Pick<MimeNode, 'part' | 'headerStart' | 'headerEnd' | 'bodyStart' | 'bodyEnd' | 'encoding' | 'size' | 'lines' | 'opaque'>;

interface FlatNode extends Plain, Texts<FlatText> {
  /** The recorded header fields are readHeaderBlock(raw, headerStart, fieldsEnd).fields. */
  fieldsEnd: number;
  /** Indexes into FlatTree.nodes. */
  children: number[];
  message: number | undefined;
}

export interface FlatTree {
  /** Depth first; the root is nodes[0]. */
  nodes: FlatNode[];
  partCount: number;
  size: number;
}

function plain(node: Plain): Plain {
  const { part, headerStart, headerEnd, bodyStart, bodyEnd, encoding, size, lines, opaque } = node;
  return { part, headerStart, headerEnd, bodyStart, bodyEnd, encoding, size, lines, opaque };
}

function mapTexts<A, B>(node: Texts<A>, map: (text: A) => B): Texts<B> {
  const param = <P extends { value: A }>(p: P) => ({ ...p, value: map(p.value) });
  const optional = (text: A | undefined) => (text === undefined ? undefined : map(text));
  return {
    contentType: { ...node.contentType, params: node.contentType.params.map(param) },
    disposition: node.disposition && { value: node.disposition.value, params: node.disposition.params.map(param) },
    id: optional(node.id),
    description: optional(node.description),
    md5: optional(node.md5),
    language: node.language?.map(map),
    location: optional(node.location),
  };
}

/** Own, exact-size bytes: a Buffer may be a view on a larger pool that cloning would copy whole. */
function flatText(text: MimeText): FlatText {
  return typeof text === 'string' ? text : new Uint8Array(text);
}

function mimeText(text: FlatText): MimeText {
  return typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
}

export function flattenTree(tree: MimeTree): FlatTree {
  const nodes: FlatNode[] = [];
  const visit = (node: MimeNode): number => {
    const index = nodes.length;
    const last = node.header[node.header.length - 1];
    const flat: FlatNode = { ...plain(node), ...mapTexts(node, flatText), fieldsEnd: last ? last.end : node.headerStart, children: [], message: undefined };
    nodes.push(flat);
    for (const child of node.children) flat.children.push(visit(child));
    if (node.message) flat.message = visit(node.message);
    return index;
  };
  visit(tree.root);
  return { nodes, partCount: tree.partCount, size: tree.size };
}

/**
 * The tree again, over the main thread's copy of the same bytes. Header fields are read
 * again only when asked for: most of a served tree's are not (ENVELOPE and BODYSTRUCTURE
 * come rendered from the worker).
 */
export function inflateTree(flat: FlatTree, raw: Buffer): MimeTree {
  const build = (index: number): MimeNode => {
    const node = flat.nodes[index] as FlatNode;
    let header: MimeNode['header'] | undefined;
    return {
      ...plain(node),
      ...mapTexts(node, mimeText),
      get header() {
        return (header ??= node.fieldsEnd > node.headerStart ? readHeaderBlock(raw, node.headerStart, node.fieldsEnd).fields : []);
      },
      children: node.children.map(build),
      message: node.message === undefined ? undefined : build(node.message),
    };
  };
  return { root: build(0), partCount: flat.partCount, size: flat.size };
}
