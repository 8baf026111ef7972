import { describe, expect, it } from 'vitest';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes } from '../../server/imap/encode.js';
import { buildMimeTree, mimeTreeOf, SERVED_TREE_LIMITS, type MimeNode } from '../../server/mime/mime-tree.js';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');

function* walk(node: MimeNode): Generator<MimeNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
  if (node.message) yield* walk(node.message);
}

/** LF in raw[start, end), one byte at a time: what `lines` must equal. */
function lfCount(raw: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (raw[i] === 0x0a) n++;
  return n;
}

describe('header field cap', () => {
  const flood = crlf([
    ...Array.from({ length: 20 }, (_, i) => `X-Flood-${i}: ${i}`),
    'Subject: late',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    'X-Part: one',
    '',
    'text',
    '--b--',
  ]);

  it('records fields up to the cap over the whole tree, and still reads the MIME fields past it', () => {
    const tree = buildMimeTree(flood, { maxFields: 5 });
    expect(tree.root.header.map((f) => f.name)).toEqual(['X-Flood-0', 'X-Flood-1', 'X-Flood-2', 'X-Flood-3', 'X-Flood-4']);
    // Content-Type was the 22nd field: the structure is still the multipart's.
    expect(tree.root.contentType.subtype).toBe('mixed');
    expect(tree.root.children).toHaveLength(1);
    expect(tree.root.children[0]?.header).toEqual([]);
    expect(tree.root.children[0]?.contentType.explicit).toBe(true);
  });

  it('records every field when no cap is given', () => {
    const tree = buildMimeTree(flood);
    expect(tree.root.header).toHaveLength(22);
    expect(tree.root.children[0]?.header.map((f) => f.name)).toEqual(['Content-Type', 'X-Part']);
  });
});

describe('served trees (mimeTreeOf)', () => {
  it('stop at SERVED_TREE_LIMITS parts, and still render a balanced BODYSTRUCTURE', () => {
    const parts = Array.from({ length: 1_500 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`).join('');
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=p\r\n\r\n${parts}--p--\r\n`);
    const tree = mimeTreeOf({}, raw);
    expect(tree.partCount).toBe(SERVED_TREE_LIMITS.maxParts);
    expect(tree.root.children).toHaveLength(SERVED_TREE_LIMITS.maxParts - 1);
    const out = outputBytes(bodyStructure(tree, true)).toString('latin1');
    expect(out.split('(').length).toBe(out.split(')').length);
    expect(out.endsWith('"mixed" ("boundary" "p") NIL NIL NIL)')).toBe(true);
  });

  it('record at most SERVED_TREE_LIMITS header fields', () => {
    const raw = crlf([...Array.from({ length: 12_000 }, (_, i) => `X-Flood-${i}: ${i}`), 'From: a@red.example', '', 'body']);
    const tree = mimeTreeOf({}, raw);
    expect(tree.root.header).toHaveLength(SERVED_TREE_LIMITS.maxFields);
    expect(tree.root.bodyStart).toBe(raw.indexOf('\r\n\r\nbody') + 4);
  });
});

describe('line counts', () => {
  it('of a deep chain of message/rfc822 entities equal a direct count at every level', () => {
    // Each level counts its whole body, far past twice the message's length in all: the
    // counter switches to its per-block tally part-way down, and must agree throughout.
    let raw = Buffer.from(`Content-Type: text/plain\r\n\r\n${'\n'.repeat(20_000)}line\r\n${'x\r\n'.repeat(3000)}`);
    for (let i = 0; i < 40; i++) raw = Buffer.concat([Buffer.from(`Subject: level ${i}\r\nContent-Type: message/rfc822\r\n\r\n`), raw]);
    const tree = buildMimeTree(raw);
    const nodes = [...walk(tree.root)];
    expect(nodes).toHaveLength(41);
    for (const node of nodes) expect(node.lines).toBe(lfCount(raw, node.bodyStart, node.bodyEnd));
  });
});
