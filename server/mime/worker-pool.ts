import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BodySummary } from '../store/types.js';
import type { ParseJob, ParseResult } from './parse-worker.js';

/** A parse running longer than this is given up: its worker is ended and replaced. */
const PARSE_TIME_LIMIT_MS = 10_000;

interface Job {
  raw: Buffer;
  mode: ParseJob['mode'];
  resolve: (body: BodySummary | undefined) => void;
}

interface Slot {
  worker: Worker;
  /** The one job this worker has, so a parse that overruns is known exactly. */
  job: (Job & { id: number; timer: NodeJS.Timeout }) | undefined;
}

/**
 * Full MIME parses for the body indexer on worker threads (parse-worker.ts), so the
 * main thread only hands over bytes and stores results. Each worker parses one
 * message at a time; workers start on first use and never keep the process alive.
 * A parse that passes the time limit (a MIME bomb) or a worker that dies answers
 * undefined for that message only — the indexer gives it a blank summary — and the
 * worker is replaced.
 */
export class ParsePool {
  readonly #slots: Array<Slot | undefined>;
  readonly #queue: Job[] = [];
  #ids = 0;
  #closed = false;

  readonly #timeLimitMs: number;

  constructor(options: { size?: number; timeLimitMs?: number } = {}) {
    const size = options.size ?? Math.max(1, Math.min(2, availableParallelism() - 1));
    this.#slots = Array.from({ length: size }, () => undefined);
    this.#timeLimitMs = options.timeLimitMs ?? PARSE_TIME_LIMIT_MS;
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

  /**
   * The body summary of a message, or undefined when it could not be parsed in time.
   * `simple` is for a large single-part text message (see simpleBodyForm).
   */
  summarise(raw: Buffer, mode: ParseJob['mode'] = 'full'): Promise<BodySummary | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#queue.push({ raw, mode, resolve });
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
      const job = this.#queue.shift() as Job;
      const id = ++this.#ids;
      const timer = setTimeout(() => void this.#end(index, slot), this.#timeLimitMs);
      timer.unref();
      slot.job = { ...job, id, timer };
      // A copy of exactly these bytes, moved (not cloned again) to the worker.
      const copy = new Uint8Array(job.raw);
      slot.worker.postMessage({ id, raw: copy, mode: job.mode } satisfies ParseJob, [copy.buffer]);
    }
  }

  #start(index: number): Slot {
    const worker = import.meta.url.endsWith('.ts') ? sourceWorker() : new Worker(new URL('./parse-worker.js', import.meta.url));
    const slot: Slot = { worker, job: undefined };
    worker.unref();
    worker.on('message', (result: ParseResult) => {
      const job = slot.job;
      if (!job || job.id !== result.id) return;
      slot.job = undefined;
      clearTimeout(job.timer);
      job.resolve(result.body);
      this.#dispatch();
    });
    worker.on('error', () => void this.#end(index, slot));
    worker.on('exit', () => void this.#end(index, slot));
    return slot;
  }

  /** Ends a worker and answers its job with undefined; the queue goes on in a new one. */
  async #end(index: number, slot: Slot): Promise<void> {
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
 * Run from TypeScript source (tests, benches under tsx or vitest), the worker is the
 * .ts file, and a worker thread does not inherit the parent's loader: it registers
 * tsx's ESM loader itself before importing it. tsx is a dev dependency; the built
 * package (compiled .js) never takes this path.
 */
function sourceWorker(): Worker {
  // The package's ESM entry (its CommonJS one resolves a path that does not exist).
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true });
}
