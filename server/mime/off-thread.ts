import { headerEnd } from './headers.js';

/** Past this size a parse may hold the event loop for more than a few milliseconds. */
const MAIN_THREAD_MAX_BYTES = 128 * 1024;
/** A header block longer than this (a header flood) is read off the main thread. */
const MAIN_THREAD_MAX_HEADER_BYTES = 32 * 1024;
/**
 * Lines that may be multipart delimiters ("--" at the start of a line, RFC 2046 §5.1.1)
 * allowed on the main thread: mailparser spends tens of microseconds per part, so a
 * small message of many tiny parts is a bomb of its own.
 */
const MAIN_THREAD_MAX_DELIMITERS = 128;
const DELIMITER = Buffer.from('\n--');

/**
 * Whether a full parse of this message (mailparser, or the MIME tree) belongs on a
 * worker thread rather than the event loop. Decided from the size and two native
 * scans, so deciding costs microseconds whatever the message holds.
 */
export function parsesOffThread(raw: Buffer): boolean {
  if (raw.length > MAIN_THREAD_MAX_BYTES) return true;
  if (headerEnd(raw) > MAIN_THREAD_MAX_HEADER_BYTES) return true;
  let delimiters = 0;
  for (let at = raw.indexOf(DELIMITER); at !== -1; at = raw.indexOf(DELIMITER, at + DELIMITER.length)) {
    if (++delimiters > MAIN_THREAD_MAX_DELIMITERS) return true;
  }
  return false;
}
