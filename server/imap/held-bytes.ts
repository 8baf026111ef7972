import type { MailStore } from '../store/mail-store.js';
import type { MessageId, StoredMessage } from '../store/types.js';

/** Reads of message bytes one command has in flight at once. */
const READS_IN_FLIGHT = 8;

/**
 * Messages a command reads the bytes of at one time: it renders or matches these,
 * lets their bytes go, then reads the next ones, so a FETCH or SEARCH over a whole
 * mailbox holds a bounded amount of a store's bodies (which may live outside this
 * process) however many messages it covers.
 */
export const BYTES_WINDOW = 256;

/**
 * The bytes of some messages one command renders or matches, read through the store
 * (`MailStore.readRaw`) before its synchronous work starts, and dropped with it, so no
 * body stays pinned once the command has answered.
 */
export class HeldBytes {
  readonly #bytes = new Map<MessageId, Buffer>();

  /** The message's bytes; undefined when they were not asked for, or the message was gone from the store. */
  of(message: StoredMessage): Buffer | undefined {
    return this.#bytes.get(message.id);
  }

  /** Reads the bytes of every message given, a few at a time; a message gone meanwhile has none. */
  static async read(store: MailStore, messages: readonly StoredMessage[]): Promise<HeldBytes> {
    const held = new HeldBytes();
    let next = 0;
    const reader = async (): Promise<void> => {
      while (next < messages.length) {
        const id = (messages[next++] as StoredMessage).id;
        const raw = await store.readRaw(id);
        if (raw) held.#bytes.set(id, raw);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, messages.length) }, reader));
    return held;
  }
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
