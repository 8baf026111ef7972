import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BodySummary } from '../store/types.js';
import type { ParsedMessage } from './parse.js';
import type { ParseAnswer, ParseRequest } from './parse-worker.js';
import { unpackView } from './view-transfer.js';

/** A job running longer than this is given up: its worker is ended and replaced. */
const TIME_LIMIT_MS = 10_000;
/**
 * Bytes copied for a worker per event-loop turn. Copying 50 MB into fresh memory at once
 * holds the loop for tens of milliseconds (mostly page faults); a megabyte takes about one.
 */
const COPY_PER_TURN = 1024 * 1024;

/** What a worker is sent: message bytes moved to it, and what to make of them. */
export interface WorkerJob<Request> {
  id: number;
  raw: Uint8Array;
  request: Request;
}

/** What a worker answers. */
export interface WorkerResult<Answer> {
  id: number;
  answer: Answer;
}

interface Job<Request, Answer> {
  raw: Buffer;
  request: Request;
  resolve: (answer: Answer | undefined) => void;
}

interface Slot<Request, Answer> {
  worker: Worker;
  /** The one job this worker has, so a job that overruns is known exactly. */
  job: (Job<Request, Answer> & { id: number; timer: NodeJS.Timeout | undefined }) | undefined;
}

/**
 * Work on a message's bytes done on worker threads, so the main thread only hands
 * over bytes and takes results. Each worker (a module answering WorkerJobs, see
 * serveJobs) takes one message at a time; workers start on first use and keep the
 * process alive only while a job is waiting for them. A job that passes the time limit (a MIME bomb) or a worker that
 * dies answers undefined for that message only — the caller falls back to a blank
 * answer — and the worker is replaced.
 */
export class WorkerPool<Request extends { kind: string }, Answer extends { kind: string }> {
  readonly #slots: Array<Slot<Request, Answer> | undefined>;
  readonly #queue: Array<Job<Request, Answer>> = [];
  readonly #module: URL;
  readonly #timeLimitMs: number;
  #ids = 0;
  #closed = false;
  /** Jobs a worker answered, by kind: what ran off the event loop. */
  readonly answered: Partial<Record<Answer['kind'], number>> = {};

  /** `module` is the worker's compiled .js; run from source, the .ts beside it is used. */
  constructor(module: URL, options: { size?: number; timeLimitMs?: number } = {}) {
    const size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.#slots = Array.from({ length: size }, () => undefined);
    this.#module = module;
    this.#timeLimitMs = options.timeLimitMs ?? TIME_LIMIT_MS;
  }

  /** How many workers there may be. */
  get size(): number {
    return this.#slots.length;
  }

  /** Messages handed over and not yet answered. */
  get pending(): number {
    let count = this.#queue.length;
    for (const slot of this.#slots) if (slot?.job) count++;
    return count;
  }

  /** The worker's answer for these bytes, or undefined when it gave up. */
  run(raw: Buffer, request: Request): Promise<Answer | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#queue.push({ raw, request, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.resolve(undefined);
    await Promise.all(this.#slots.map((slot, index) => (slot ? this.#end(index, slot) : undefined)));
  }

  #dispatch(): void {
    for (let index = 0; index < this.#slots.length && this.#queue.length > 0; index++) {
      const slot = (this.#slots[index] ??= this.#start(index));
      if (slot.job) continue;
      const job = this.#queue.shift() as Job<Request, Answer>;
      slot.job = { ...job, id: ++this.#ids, timer: undefined };
      void this.#send(index, slot);
    }
  }

  /** Hands the slot's job to its worker: a copy of exactly its bytes, moved (not cloned again). */
  async #send(index: number, slot: Slot<Request, Answer>): Promise<void> {
    const job = slot.job;
    if (!job) return;
    const copy = await copyInTurns(job.raw);
    // The worker may have been ended while the bytes were copied.
    if (slot.job !== job) return;
    job.timer = setTimeout(() => void this.#end(index, slot), this.#timeLimitMs);
    job.timer.unref();
    // Someone awaits this answer: the worker keeps the process alive until it comes.
    slot.worker.ref();
    slot.worker.postMessage({ id: job.id, raw: copy, request: job.request } satisfies WorkerJob<Request>, [copy.buffer]);
  }

  #start(index: number): Slot<Request, Answer> {
    const worker = import.meta.url.endsWith('.ts') ? sourceWorker(this.#module) : new Worker(this.#module);
    const slot: Slot<Request, Answer> = { worker, job: undefined };
    worker.on('message', (result: WorkerResult<Answer>) => {
      const job = slot.job;
      if (!job || job.id !== result.id) return;
      slot.job = undefined;
      clearTimeout(job.timer);
      worker.unref();
      const kind: Answer['kind'] = result.answer.kind;
      this.answered[kind] = (this.answered[kind] ?? 0) + 1;
      job.resolve(result.answer);
      this.#dispatch();
    });
    worker.on('error', () => void this.#end(index, slot));
    worker.on('exit', () => void this.#end(index, slot));
    // Idle, it never keeps the process alive (and only now: adding a 'message' listener refs it).
    worker.unref();
    return slot;
  }

  /** Ends a worker and answers its job with undefined; the queue goes on in a new one. */
  async #end(index: number, slot: Slot<Request, Answer>): Promise<void> {
    if (this.#slots[index] === slot) this.#slots[index] = undefined;
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.resolve(undefined);
    }
    if (!this.#closed) this.#dispatch();
    await slot.worker.terminate();
  }
}

/**
 * Full MIME parses with mailparser on worker threads (parse-worker.ts): body summaries
 * for the indexer, parsed views for the API.
 */
export class ParsePool extends WorkerPool<ParseRequest, ParseAnswer> {
  constructor(options: { size?: number; timeLimitMs?: number } = {}) {
    super(new URL('./parse-worker.js', import.meta.url), options);
  }

  /**
   * The body summary of a message, or undefined when it could not be parsed in time.
   * `simple` is for a large single-part text message (see simpleBodyForm).
   */
  async summarise(raw: Buffer, mode: 'simple' | 'full' = 'full'): Promise<BodySummary | undefined> {
    const answer = await this.run(raw, { kind: 'summary', mode });
    return answer?.kind === 'summary' ? answer.body : undefined;
  }

  /** The parsed view of a message (parseRaw on a worker), or undefined when it could not be parsed in time. */
  async view(raw: Buffer): Promise<ParsedMessage | undefined> {
    const answer = await this.run(raw, { kind: 'view' });
    return answer?.kind === 'view' ? unpackView(answer.view) : undefined;
  }
}

/** A copy of `raw` in memory of its own, made COPY_PER_TURN bytes per event-loop turn. */
async function copyInTurns(raw: Buffer): Promise<Uint8Array<ArrayBuffer>> {
  if (raw.length <= COPY_PER_TURN) return new Uint8Array(raw);
  const copy = new Uint8Array(raw.length);
  for (let at = 0; at < raw.length; at += COPY_PER_TURN) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    copy.set(raw.subarray(at, at + COPY_PER_TURN), at);
  }
  return copy;
}

/**
 * Run from TypeScript source (tests, benches under tsx or vitest), the worker is the
 * .ts file, and a worker thread does not inherit the parent's loader: it registers
 * tsx's ESM loader itself before importing it. tsx is a dev dependency; the built
 * package (compiled .js) never takes this path.
 */
function sourceWorker(module: URL): Worker {
  // The package's ESM entry (its CommonJS one resolves a path that does not exist).
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const entry = module.href.replace(/\.js$/, '.ts');
  const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true });
}
