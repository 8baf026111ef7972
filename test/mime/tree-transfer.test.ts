import { describe, expect, it } from 'vitest';
import { bodyStructure } from '../../server/imap/bodystructure.js';
import { outputBytes, type ImapOutput } from '../../server/imap/encode.js';
import { envelope } from '../../server/imap/envelope.js';
import { sharedPool } from '../../server/derived/worker-pool.js';
import { fetchOffThread } from '../../server/imap/fetch-offload.js';
import { buildMimeTree, SERVED_TREE_LIMITS, type MimeNode, type MimeTree } from '../../server/mime/mime-tree.js';
import { flattenTree, inflateTree } from '../../server/mime/tree-transfer.js';
import { fixtures } from '../fixtures/mime/messages.js';
import { hostileCorpus } from '../helpers/hostile-corpus.js';

/** A node with its header fields as plain values (their decoding is lazy, so their objects differ in state). */
function plainNode(node: MimeNode): unknown {
  return {
    ...node,
    header: node.header.map(({ name, key, start, end, value, latin1 }) => ({ name, key, start, end, value, latin1 })),
    children: node.children.map(plainNode),
    message: node.message && plainNode(node.message),
  };
}

const plainTree = (tree: MimeTree) => ({ ...tree, root: plainNode(tree.root) });
const text = (output: ImapOutput) => outputBytes(output).toString('latin1');

/** Small enough to keep the test quick, still every shape of bomb the corpus has. */
const samples = {
  ...fixtures,
  ...Object.fromEntries(hostileCorpus().filter((m) => m.name !== 'base64-20mb-line').map((m) => [m.name, m.raw])),
};

describe('MIME trees crossing threads', () => {
  it('come back equal after flattening and a structured clone', () => {
    for (const [name, raw] of Object.entries(samples)) {
      const tree = buildMimeTree(raw, SERVED_TREE_LIMITS);
      expect(plainTree(inflateTree(structuredClone(flattenTree(tree)), raw)), name).toEqual(plainTree(tree));
    }
  });

  it('made by the FETCH worker equal those made in place, and so do its ENVELOPE, BODY and BODYSTRUCTURE', async () => {
    // The pool is the process's: other tests in this worker may have used it before.
    const before = sharedPool().answered.fetch ?? 0;
    for (const [name, raw] of Object.entries(samples)) {
      const made = await fetchOffThread(raw);
      expect(made, name).toBeDefined();
      const tree = buildMimeTree(raw, SERVED_TREE_LIMITS);
      expect(plainTree(made!.tree), name).toEqual(plainTree(tree));
      for (const utf8 of [false, true]) {
        const i = utf8 ? 1 : 0;
        expect(text(made!.envelope[i]!), name).toBe(text(envelope(tree.root.header, { utf8 })));
        expect(text(made!.body[i]!), name).toBe(text(bodyStructure(tree, false, { utf8 })));
        expect(text(made!.bodystructure[i]!), name).toBe(text(bodyStructure(tree, true, { utf8 })));
      }
    }
    expect((sharedPool().answered.fetch ?? 0) - before).toBe(Object.keys(samples).length);
  });
});
