/**
 * Worker-thread side of IMAP's heavy FETCH data (see fetch-offload.ts): a message's
 * bytes come in; its MIME tree and the ENVELOPE, BODY and BODYSTRUCTURE renderings go
 * out. Building the tree of a large message, and rendering a thousand parts or an
 * address list of a megabyte, then cost this thread's time, not the event loop's.
 */
import { buildMimeTree, SERVED_TREE_LIMITS } from '../mime/mime-tree.js';
import { serveJobs, type Answered } from '../mime/serve-jobs.js';
import { flattenTree } from '../mime/tree-transfer.js';
import { bodyStructure } from './bodystructure.js';
import type { ImapOutput } from './encode.js';
import { envelope } from './envelope.js';
import type { FetchAnswer, FetchRequest, RenderedOutput } from './fetch-offload.js';

function render(make: (utf8: boolean) => ImapOutput, transfer: ArrayBuffer[]): [RenderedOutput, RenderedOutput] {
  const out = (utf8: boolean): RenderedOutput => {
    const output = make(utf8);
    if (typeof output === 'string') return output;
    // Bytes of their own, moved to the main thread.
    const own = new Uint8Array(output);
    transfer.push(own.buffer);
    return own;
  };
  return [out(false), out(true)];
}

serveJobs<FetchRequest, FetchAnswer>((raw) => {
  const tree = buildMimeTree(raw, SERVED_TREE_LIMITS);
  const transfer: ArrayBuffer[] = [];
  const answer: FetchAnswer = {
    kind: 'fetch',
    tree: flattenTree(tree),
    envelope: render((utf8) => envelope(tree.root.header, { utf8 }), transfer),
    body: render((utf8) => bodyStructure(tree, false, { utf8 }), transfer),
    bodystructure: render((utf8) => bodyStructure(tree, true, { utf8 }), transfer),
  };
  return { answer, transfer } satisfies Answered<FetchAnswer>;
});
