import { inflateTree, type FlatTree } from '../mime/tree-transfer.js';
import type { MimeTree } from '../mime/mime-tree.js';
import { WorkerPool } from '../mime/worker-pool.js';
import type { ImapOutput } from './encode.js';

export interface FetchRequest {
  kind: 'fetch';
}

/** An ImapOutput as it arrives from a worker: a Buffer comes as a plain Uint8Array. */
export type RenderedOutput = string | Uint8Array;

/** [without UTF8=ACCEPT, with it] (RFC 6855). */
type Both<T> = [T, T];

export interface FetchAnswer {
  kind: 'fetch';
  tree: FlatTree;
  envelope: Both<RenderedOutput>;
  body: Both<RenderedOutput>;
  bodystructure: Both<RenderedOutput>;
}

/** What FETCH reads of a message, made on a worker thread. */
export interface OffThreadFetch {
  tree: MimeTree;
  envelope: Both<ImapOutput>;
  body: Both<ImapOutput>;
  bodystructure: Both<ImapOutput>;
}

let pool: WorkerPool<FetchRequest, FetchAnswer> | undefined;

/** The pool of IMAP's FETCH workers (fetch-worker.ts), one per process, started on first use. */
export function fetchPool(): WorkerPool<FetchRequest, FetchAnswer> {
  return (pool ??= new WorkerPool(new URL('./fetch-worker.js', import.meta.url)));
}

function output(rendered: RenderedOutput): ImapOutput {
  return typeof rendered === 'string' ? rendered : Buffer.from(rendered.buffer, rendered.byteOffset, rendered.byteLength);
}

function both(rendered: Both<RenderedOutput>): Both<ImapOutput> {
  return [output(rendered[0]), output(rendered[1])];
}

/** The tree and renderings of a message, made off the event loop; undefined when the worker gave up. */
export async function fetchOffThread(raw: Buffer): Promise<OffThreadFetch | undefined> {
  const answer = await fetchPool().run(raw, { kind: 'fetch' });
  if (!answer) return undefined;
  return { tree: inflateTree(answer.tree, raw), envelope: both(answer.envelope), body: both(answer.body), bodystructure: both(answer.bodystructure) };
}
