import { ParsePool } from './worker-pool.js';

let shared: ParsePool | undefined;

/**
 * The parse pool of the read paths — the API's message view, IMAP's MIME trees, IMAP
 * SEARCH of a message not indexed yet — one per process, since they are module-level
 * caches too. Its workers start on first use and never keep the process alive.
 */
export function readPool(): ParsePool {
  return (shared ??= new ParsePool());
}
