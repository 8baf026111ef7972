import { jobKind } from '../derived/codec.js';
import { sharedPool } from '../derived/worker-pool.js';
import { inflateTree, type FlatTree } from '../mime/tree-transfer.js';
import type { MimeTree } from '../mime/mime-tree.js';
import type { ImapOutput } from './encode.js';

/** [without UTF8=ACCEPT, with it] (RFC 6855). */
type Both<T> = [T, T];

/** What fetch-job.ts answers. */
export interface FetchAnswer {
  tree: FlatTree;
  envelope: Both<ImapOutput>;
  body: Both<ImapOutput>;
  bodystructure: Both<ImapOutput>;
}

/** What FETCH reads of a message, made on a worker thread. */
export interface OffThreadFetch extends Omit<FetchAnswer, 'tree'> {
  tree: MimeTree;
}

export const FETCH = jobKind<null, FetchAnswer>('fetch', new URL('./fetch-job.js', import.meta.url));

/** The tree and renderings of a message, made off the event loop; undefined when the worker gave up. */
export async function fetchOffThread(raw: Buffer): Promise<OffThreadFetch | undefined> {
  const answer = await sharedPool().run(FETCH, raw, null);
  if (!answer) return undefined;
  return { ...answer, tree: inflateTree(answer.tree, raw) };
}
