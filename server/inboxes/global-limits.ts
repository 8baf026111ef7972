import type { MailStore } from '../store/mail-store.js';
import type { StoreLimits } from '../store/types.js';

/**
 * --max-messages and --max-bytes over every inbox together: past either, the oldest
 * message of all inboxes goes first (reason `pruned`), as one store prunes its own.
 * The newest message always stays. Checked once after each burst of deliveries (a
 * microtask), so every listener of a delivery has seen it before anything is pruned.
 */
export function globalPruner(limits: StoreLimits, stores: () => readonly MailStore[]): () => void {
  const { maxMessages, maxBytes } = limits;
  const limited = (n: number) => n > 0 && Number.isFinite(n);
  if (!limited(maxMessages) && !limited(maxBytes)) return () => undefined;
  let scheduled = false;
  const prune = () => {
    scheduled = false;
    const all = stores();
    let messages = 0;
    let bytes = 0;
    for (const store of all) {
      const stats = store.stats();
      messages += stats.messages;
      bytes += stats.bytes;
    }
    while (messages > 1 && ((limited(maxMessages) && messages > maxMessages) || (limited(maxBytes) && bytes > maxBytes))) {
      let oldest: { store: MailStore; at: number } | undefined;
      for (const store of all) {
        const head = store.messages()[0];
        if (head && (!oldest || head.receivedAt.getTime() < oldest.at)) oldest = { store, at: head.receivedAt.getTime() };
      }
      const head = oldest?.store.messages()[0];
      if (!oldest || !head) break;
      oldest.store.remove([head.id], 'pruned');
      messages--;
      bytes -= head.size;
    }
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(prune);
  };
}
