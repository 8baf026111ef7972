import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage } from '../store/types.js';

/**
 * Messages a command reads the bytes of at one time: it renders or matches these,
 * lets their bytes go, then reads the next ones, so a FETCH or SEARCH over a whole
 * mailbox holds a bounded amount of a store's bodies (which may live outside this
 * process) however many messages it covers.
 */
export const BYTES_WINDOW = 256;

/**
 * The bytes of these messages, read through the store (`MailStore.readRaw`) before a
 * command's synchronous work on them, in their order: undefined for a message gone
 * from the store meanwhile. At most a window's worth is asked for at once (together: a
 * store answers from memory at once, or batches the reads). The command holds them
 * while it renders or matches, and no longer, so no body stays pinned after it.
 */
export async function readBytes(store: MailStore, messages: readonly StoredMessage[]): Promise<Array<Buffer | undefined>> {
  if (messages.length <= BYTES_WINDOW) return Promise.all(messages.map((message) => store.readRaw(message.id)));
  const bytes: Array<Buffer | undefined> = [];
  for (const window of windows(messages)) bytes.push(...(await Promise.all(window.map((message) => store.readRaw(message.id)))));
  return bytes;
}

/** What a renderer or matcher reads a message's bytes from; being without them is a bug in the command. */
export function bytesGiven(raw: Buffer | undefined): Buffer {
  if (raw === undefined) throw new Error('message bytes were not read before use');
  return raw;
}

/** Consecutive slices of at most BYTES_WINDOW items. */
export function* windows<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += BYTES_WINDOW) yield items.slice(start, start + BYTES_WINDOW);
}
