import type { SummaryMode } from '../mime/body-summary.js';
import type { ParsedMessage } from '../mime/parse.js';
import type { BodySummary } from '../mime/types.js';
import { jobKind } from './codec.js';
import type { PackedView } from './view-job.js';
import { sharedPool, type RunOptions, type WorkerPool } from './worker-pool.js';

const SUMMARY = jobKind<SummaryMode, BodySummary>('summary', new URL('./summary-job.js', import.meta.url));
const VIEW = jobKind<null, PackedView>('view', new URL('./view-job.js', import.meta.url));
const THUMBNAIL = jobKind<string, Buffer>('thumbnail', new URL('./thumbnail-job.js', import.meta.url));

/** The body summary of a message made on a worker, or undefined when it could not be made in time. */
export function summariseOffThread(raw: Buffer, mode: SummaryMode = 'full', pool: WorkerPool = sharedPool(), options: RunOptions = {}): Promise<BodySummary | undefined> {
  return pool.run(SUMMARY, raw, mode, options);
}

/** The parsed view of a message (parseRaw) made on a worker, or undefined when it could not be made in time. */
export async function viewOffThread(raw: Buffer, pool: WorkerPool = sharedPool()): Promise<ParsedMessage | undefined> {
  const packed = await pool.run(VIEW, raw, null);
  if (!packed) return undefined;
  let headerLines: ParsedMessage['headerLines'] | undefined;
  const { headerLines: json, ...view } = packed;
  return {
    ...view,
    get headerLines() {
      return (headerLines ??= JSON.parse(json) as ParsedMessage['headerLines']);
    },
  };
}

/**
 * A part's thumbnail (mime/thumbnail.ts) made on a worker: decoding a 20-megapixel image
 * takes seconds of CPU, and a page anywhere may ask for it with an <img> (a GET), so it
 * must not hold the thread every listener answers on. Undefined when it could not be
 * made in time.
 */
export function thumbnailOffThread(content: Buffer, contentType: string, pool: WorkerPool = sharedPool()): Promise<Buffer | undefined> {
  return pool.run(THUMBNAIL, content, contentType);
}
