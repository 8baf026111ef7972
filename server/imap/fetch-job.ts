/**
 * IMAP's heavy FETCH data, made in the worker pool's threads (see fetch-offload.ts): a message's
 * bytes come in; its MIME tree and the ENVELOPE, BODY and BODYSTRUCTURE renderings go
 * out. Building the tree of a large message, and rendering a thousand parts or an
 * address list of a megabyte, then cost this thread's time, not the event loop's.
 */
import { buildMimeTree, SERVED_TREE_LIMITS } from '../mime/mime-tree.js';
import type { JobHandler } from '../derived/codec.js';
import { flattenTree } from '../mime/tree-transfer.js';
import { bodyStructure } from './bodystructure.js';
import type { ImapOutput } from './encode.js';
import { envelope } from './envelope.js';
import type { FetchAnswer } from './fetch-offload.js';

/** [without UTF8=ACCEPT, with it] (RFC 6855). */
function both(make: (utf8: boolean) => ImapOutput): [ImapOutput, ImapOutput] {
  return [make(false), make(true)];
}

const fetchJob: JobHandler<null, FetchAnswer> = (raw) => {
  const tree = buildMimeTree(raw, SERVED_TREE_LIMITS);
  return {
    tree: flattenTree(tree),
    envelope: both((utf8) => envelope(tree.root.header, { utf8 })),
    body: both((utf8) => bodyStructure(tree, false, { utf8 })),
    bodystructure: both((utf8) => bodyStructure(tree, true, { utf8 })),
  };
};
export default fetchJob;
