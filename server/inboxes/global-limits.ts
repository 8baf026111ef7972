import type { Logger } from '../lib/log.js';
import type { MailStore } from '../store/mail-store.js';
import type { StoredMessage, StoreLimits } from '../store/types.js';

/**
 * --max-messages and --max-bytes over every inbox together: past either, the oldest
 * message of all inboxes goes first (reason `pruned`), as one store prunes its own.
 * The newest message always stays. Checked once after each burst of deliveries (a
 * microtask), so every listener of a delivery has seen it before anything is pruned.
 */
export function globalPruner(limits: StoreLimits, stores: () => readonly MailStore[], logger: Logger): () => void {
  const { maxMessages, maxBytes } = limits;
  const limited = (n: number) => n > 0 && Number.isFinite(n);
  if (!limited(maxMessages) && !limited(maxBytes)) return () => undefined;
  let scheduled = false;
  const prune = () => {
    scheduled = false;
    for (const { store, message } of oldestPastLimits(stores(), (messages, bytes) => (limited(maxMessages) && messages > maxMessages) || (limited(maxBytes) && bytes > maxBytes))) {
      // Oldest first, one at a time, as a store prunes its own.
      void store.remove([message.id], 'pruned').catch((error: unknown) => logger.error('pruning a message past the global limits failed', { id: message.id, error }));
    }
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(prune);
  };
}

/**
 * The messages to prune, oldest of all stores first, while `over` says the rest is past
 * the limits. Chosen before any is removed: a store's removal may land later.
 */
function oldestPastLimits(all: readonly MailStore[], over: (messages: number, bytes: number) => boolean): Array<{ store: MailStore; message: StoredMessage }> {
  let messages = 0;
  let bytes = 0;
  for (const store of all) {
    const stats = store.stats();
    messages += stats.messages;
    bytes += stats.bytes;
  }
  // Each store's messages are oldest first: one cursor per store walks them.
  const cursors = all.map((store) => ({ store, messages: store.messages(), next: 0 }));
  const chosen: Array<{ store: MailStore; message: StoredMessage }> = [];
  while (messages > 1 && over(messages, bytes)) {
    let oldest: { cursor: (typeof cursors)[number]; message: StoredMessage } | undefined;
    for (const cursor of cursors) {
      const head = cursor.messages[cursor.next];
      if (head && (!oldest || head.receivedAt.getTime() < oldest.message.receivedAt.getTime())) oldest = { cursor, message: head };
    }
    if (!oldest) break;
    oldest.cursor.next++;
    chosen.push({ store: oldest.cursor.store, message: oldest.message });
    messages--;
    bytes -= oldest.message.size;
  }
  return chosen;
}
