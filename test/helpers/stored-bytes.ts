import type { MailStore } from '../../server/store/mail-store.js';
import type { MessageId } from '../../server/store/types.js';

/**
 * The stored bytes of each message (by default every message, oldest first), read
 * through `readRaw` as every front reads them; undefined for a message gone.
 */
export function storedBytes(store: MailStore, messages: Iterable<{ readonly id: MessageId }> = store.messages()): Promise<Array<Buffer | undefined>> {
  return Promise.all(Array.from(messages, (message) => store.readRaw(message.id)));
}

/** One message's stored bytes, read through `readRaw`; undefined when there is no such message. */
export async function bytesOf(store: MailStore, message: { readonly id: MessageId } | undefined): Promise<Buffer | undefined> {
  return message && store.readRaw(message.id);
}
