import { ParsePool } from './worker-pool.js';

let shared: ParsePool | undefined;

/**
 * The parse pool of the read paths — the API's message view, IMAP SEARCH of a message
 * not indexed yet — one per process, shared by every sandbox in it. Its workers start on
 * first use, and an idle one never keeps the process alive.
 */
export function readPool(): ParsePool {
  return (shared ??= new ParsePool());
}
