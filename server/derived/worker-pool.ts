import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packJob, unpackAnswer, type AnswerMessage, type JobKind, type LoadedMessage } from './codec.js';

/** A job running longer than this is given up: its worker is ended and replaced. */
const TIME_LIMIT_MS = 10_000;

export interface PoolOptions {
  /** How many worker threads there may be. */
  size?: number;
  timeLimitMs?: number;
}

export interface RunOptions {
  /**
   * Work nobody waits on (the body indexer): it runs after every waiting reader's job and
   * never on the last free worker, so a burst of mail to index cannot hold up a FETCH or
   * a message view.
   */
  background?: boolean;
}

interface Job {
  raw: Buffer;
  kind: JobKind<never, unknown>;
  request: unknown;
  background: boolean;
  resolve: (answer: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** The one job this worker has, so a job that overruns is known exactly. */
  job: (Job & { id: number; timer: NodeJS.Timeout | undefined }) | undefined;
}

/**
 * Work on a message's bytes done on worker threads, so the main thread only hands
 * over bytes and takes results (codec.ts). Every kind of job runs in the same threads
 * (worker.ts); each worker takes one message at a time; workers start on first use and
 * keep the process alive only while a job is waiting for them. A job that passes the
 * time limit (a MIME bomb) or a worker that dies answers undefined for that message
 * only — the caller falls back to a blank answer — and the worker is replaced.
 */
export class WorkerPool {
  readonly #slots: Array<Slot | undefined>;
  /** Jobs someone waits on, then background ones; each in arrival order. */
  readonly #queues: Record<'waited' | 'background', Job[]> = { waited: [], background: [] };
  readonly #timeLimitMs: number;
  #ids = 0;
  #closed = false;
  /** Jobs a worker answered, by kind name: what ran off the event loop. */
  readonly answered: Partial<Record<string, number>> = {};

  constructor(options: PoolOptions = {}) {
    // As many threads as the three pools this one replaced had (indexer, views, FETCH), each
    // of up to two workers, one fewer than the cores.
    const size = options.size ?? 3 * Math.max(1, Math.min(2, availableParallelism() - 1));
    this.#slots = Array.from({ length: size }, () => undefined);
    this.#timeLimitMs = options.timeLimitMs ?? TIME_LIMIT_MS;
  }

  /** How many workers there may be. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * How many workers background jobs may hold at once: a third of them (the indexer's
   * share when it had a pool of its own), and never the last free one of a larger pool.
   */
  get backgroundSize(): number {
    return Math.max(1, Math.min(Math.floor(this.size / 3), this.size - 1));
  }

  /** Messages handed over and not yet answered. */
  get pending(): number {
    let count = this.#queues.waited.length + this.#queues.background.length;
    for (const slot of this.#slots) if (slot?.job) count++;
    return count;
  }

  /** The worker's answer for these bytes, or undefined when it gave up. */
  run<Request, Answer>(kind: JobKind<Request, Answer>, raw: Buffer, request: Request, options: RunOptions = {}): Promise<Answer | undefined> {
    if (this.#closed) return Promise.resolve(undefined);
    const background = options.background ?? false;
    return new Promise((resolve) => {
      const job: Job = { raw, kind, request, background, resolve: resolve as (answer: unknown) => void };
      this.#queues[background ? 'background' : 'waited'].push(job);
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#queues.waited.splice(0), ...this.#queues.background.splice(0)]) job.resolve(undefined);
    await Promise.all(this.#slots.map((slot, index) => (slot ? this.#end(index, slot) : undefined)));
  }

  /** The next job for a free worker: a waited one first; a background one while a worker is left for readers. */
  #next(): Job | undefined {
    const waited = this.#queues.waited.shift();
    if (waited) return waited;
    let busy = 0;
    for (const slot of this.#slots) if (slot?.job?.background) busy++;
    return busy < this.backgroundSize ? this.#queues.background.shift() : undefined;
  }

  #dispatch(): void {
    for (;;) {
      const warm: number[] = [];
      let cold: number | undefined;
      this.#slots.forEach((slot, index) => {
        if (!slot) cold ??= index;
        else if (!slot.job) warm.push(index);
      });
      if (warm.length === 0 && cold === undefined) return;
      const job = this.#next();
      if (!job) return;
      // A worker starting up spends a while loading its code. A reader's job goes to a
      // worker already running; the indexer's starts a new one rather than take the last
      // running one free, so that wait falls on the indexer, not on a FETCH or a view.
      const spare = cold !== undefined && warm.length < 2;
      const index = (job.background && spare ? cold : (warm[0] ?? cold)) as number;
      const slot = (this.#slots[index] ??= this.#start(index));
      slot.job = { ...job, id: ++this.#ids, timer: undefined };
      void this.#send(index, slot);
    }
  }

  async #send(index: number, slot: Slot): Promise<void> {
    const job = slot.job;
    if (!job) return;
    const { message, transfer } = await packJob(job.id, job.raw, job.kind, job.request);
    // The worker may have been ended while the bytes were copied.
    if (slot.job !== job) return;
    this.#time(index, slot);
    // Someone awaits this answer: the worker keeps the process alive until it comes.
    slot.worker.ref();
    slot.worker.postMessage(message, transfer);
  }

  /** (Re)starts the time limit of the slot's job. */
  #time(index: number, slot: Slot): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    job.timer = setTimeout(() => void this.#end(index, slot), this.#timeLimitMs);
    job.timer.unref();
  }

  #start(index: number): Slot {
    const module = new URL('./worker.js', import.meta.url);
    const worker = import.meta.url.endsWith('.ts') ? sourceWorker(module) : new Worker(module);
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (message: AnswerMessage | LoadedMessage) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      if ('loaded' in message) return this.#time(index, slot);
      slot.job = undefined;
      clearTimeout(job.timer);
      worker.unref();
      this.answered[job.kind.name] = (this.answered[job.kind.name] ?? 0) + 1;
      job.resolve(unpackAnswer(message));
      this.#dispatch();
    });
    worker.on('error', () => void this.#end(index, slot));
    worker.on('exit', () => void this.#end(index, slot));
    // Idle, it never keeps the process alive (and only now: adding a 'message' listener refs it).
    worker.unref();
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

let shared: WorkerPool | undefined;

/**
 * The process's pool, shared by every sandbox, inbox, indexer and front in it: made on
 * first use and never closed (an idle worker never keeps the process alive), so one
 * indexer's stop cannot end another's work.
 */
export function sharedPool(): WorkerPool {
  return (shared ??= new WorkerPool());
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
