import { parentPort } from 'node:worker_threads';
import type { WorkerJob, WorkerResult } from './worker-pool.js';

/** An answer, and the buffers in it to move (not copy) to the main thread. */
export interface Answered<Answer> {
  answer: Answer;
  transfer: ArrayBuffer[];
}

/**
 * The worker-thread side of a WorkerPool: each job's bytes arrive moved, not copied,
 * and `answer` says what to send back. A job that throws ends the worker, which the
 * pool answers as given up.
 */
export function serveJobs<Request, Answer>(answer: (raw: Buffer, request: Request) => Promise<Answered<Answer>> | Answered<Answer>): void {
  parentPort?.on('message', (job: WorkerJob<Request>) => {
    const raw = Buffer.from(job.raw.buffer, job.raw.byteOffset, job.raw.byteLength);
    void Promise.resolve(answer(raw, job.request)).then((done) => {
      parentPort?.postMessage({ id: job.id, answer: done.answer } satisfies WorkerResult<Answer>, done.transfer);
    });
  });
}
