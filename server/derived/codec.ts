/**
 * The one codec between the main thread and the worker pool's threads. A job is a
 * message's bytes (moved, never cloned) and a request naming what to make of them; an
 * answer comes back with every byte array in it moved too. Structured cloning copies a
 * byte array's whole ArrayBuffer, so one that is a view on a larger buffer (Node's
 * pool, a slice of the message) is first copied into bytes of its own; on arrival each
 * byte array is a Buffer again over the same memory.
 */

/** What a job kind's worker-side module exports as default: bytes in, an answer out. */
export type JobHandler<Request, Answer> = (raw: Buffer, request: Request) => Answer | Promise<Answer>;

/** A kind of job: its name (counted in WorkerPool.answered) and the module that answers it. */
export interface JobKind<Request, Answer> {
  readonly name: string;
  /** The worker-side module (a JobHandler as default export), as a file URL of its compiled .js. */
  readonly module: string;
  /** Phantom: ties the kind to its request and answer types. */
  readonly types?: (request: Request) => Answer;
}

export function jobKind<Request, Answer>(name: string, module: URL): JobKind<Request, Answer> {
  return { name, module: module.href };
}

/** A job as posted to a worker. */
export interface JobMessage {
  id: number;
  raw: Uint8Array;
  module: string;
  request: unknown;
}

/** An answer as posted back. */
export interface AnswerMessage {
  id: number;
  answer: unknown;
}

/**
 * Posted before the answer when the job's module had to be loaded first (a worker's
 * first job of a kind): the time limit then starts again, so it bounds the job, not the
 * loading of the code that runs it.
 */
export interface LoadedMessage {
  id: number;
  loaded: true;
}

/**
 * Bytes copied for a worker per event-loop turn. Copying 50 MB into fresh memory at once
 * holds the loop for tens of milliseconds (mostly page faults); a megabyte takes about one.
 */
const COPY_PER_TURN = 1024 * 1024;

/**
 * Main side: the job ready to post. The worker gets a copy of exactly the message's
 * bytes (the stored Buffer may share memory with others), made COPY_PER_TURN bytes per
 * event-loop turn, and moved to it.
 */
export async function packJob(id: number, raw: Buffer, kind: JobKind<never, unknown>, request: unknown): Promise<{ message: JobMessage; transfer: ArrayBuffer[] }> {
  const copy = await copyInTurns(raw);
  return { message: { id, raw: copy, module: kind.module, request }, transfer: [copy.buffer] };
}

async function copyInTurns(raw: Buffer): Promise<Uint8Array<ArrayBuffer>> {
  if (raw.length <= COPY_PER_TURN) return new Uint8Array(raw);
  const copy = new Uint8Array(raw.length);
  for (let at = 0; at < raw.length; at += COPY_PER_TURN) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    copy.set(raw.subarray(at, at + COPY_PER_TURN), at);
  }
  return copy;
}

/** Worker side: the message's bytes as a Buffer over the moved memory. */
export function jobBytes(job: JobMessage): Buffer {
  return asBuffer(job.raw);
}

/** Worker side: the answer ready to post, with the list of buffers to move. */
export function packAnswer(id: number, answer: unknown): { message: AnswerMessage; transfer: ArrayBuffer[] } {
  const moved = new Set<ArrayBuffer>();
  const own = (bytes: Uint8Array): Uint8Array => {
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer && !moved.has(bytes.buffer);
    const mine = whole ? bytes : new Uint8Array(bytes);
    moved.add(mine.buffer as ArrayBuffer);
    return mine;
  };
  return { message: { id, answer: mapBytes(answer, own) }, transfer: [...moved] };
}

/** Main side: the answer with every byte array a Buffer again. */
export function unpackAnswer<Answer>(message: AnswerMessage): Answer {
  return mapBytes(message.answer, asBuffer) as Answer;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The value with each byte array in it replaced by `map` of it, walking arrays and plain
 * objects in place (answers are made for the trip, so nobody else holds them).
 */
function mapBytes(value: unknown, map: (bytes: Uint8Array) => Uint8Array): unknown {
  if (value instanceof Uint8Array) return map(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mapBytes(value[i], map);
    return value;
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) value[key] = mapBytes(value[key], map);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
