/**
 * A thread of the worker pool (worker-pool.ts). Each job names the module that answers
 * it (a JobHandler as default export), imported here on its first job; so IMAP's FETCH
 * rendering, the body summary and the parsed view all run in the same threads, and this
 * file knows none of them. A job that throws ends the thread, which the pool answers as
 * given up.
 */
import { parentPort } from 'node:worker_threads';
import { jobBytes, packAnswer, type JobHandler, type JobMessage, type LoadedMessage } from './codec.js';

const handlers = new Map<string, Promise<JobHandler<unknown, unknown>>>();

/** Run from TypeScript source, the job's module is the .ts beside the .js it names. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');

function handlerOf(module: string): Promise<JobHandler<unknown, unknown>> {
  let handler = handlers.get(module);
  if (!handler) {
    const url = FROM_SOURCE ? module.replace(/\.js$/, '.ts') : module;
    handler = import(url).then((loaded: { default: JobHandler<unknown, unknown> }) => loaded.default);
    handlers.set(module, handler);
  }
  return handler;
}

parentPort?.on('message', (job: JobMessage) => {
  const loaded = handlers.has(job.module);
  void handlerOf(job.module)
    .then((handle) => {
      if (!loaded) parentPort?.postMessage({ id: job.id, loaded: true } satisfies LoadedMessage);
      return handle(jobBytes(job), job.request);
    })
    .then((answer) => {
      const { message, transfer } = packAnswer(job.id, answer);
      parentPort?.postMessage(message, transfer);
    });
});
