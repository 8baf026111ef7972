import type { MemoryStore } from '../memory-store.js';
import type { StoredMessage } from '../types.js';
import type { Announce } from './log-replay.js';

/**
 * Announces how `after` differs from `before`, as the events the changes between them
 * made where they were applied one by one: for a node rebuilt from a compacted log's
 * snapshot past what it held (PgStore #rebuild), whose fronts (a WebSocket, an IMAP
 * session's numbering) would otherwise not hear of what the snapshot folded together.
 * Removals first, so an IMAP session never numbers a UID twice.
 */
export function announceChanges(before: MemoryStore, after: MemoryStore, announce: Announce): void {
  // Asking an index for a login's folders makes them if it has none (and `after` would log them): only logins it has.
  const [hadLogins, hasLogins] = [new Set(before.folders.logins()), new Set(after.folders.logins())];
  for (const login of hadLogins) {
    for (const folder of before.listFolders(login)) {
      const now = hasLogins.has(login) ? after.folder(login, folder.name) : undefined;
      const kept = new Map(now?.entries.map((e) => [e.uid, e.message.id]));
      const uids = folder.entries.filter((e) => kept.get(e.uid) !== e.message.id).map((e) => e.uid);
      if (uids.length > 0) announce('unfiled', { login, folder: folder.name, uids, modseq: after.modseq });
    }
  }
  const gone = before.messages().filter((m) => !after.get(m.id));
  if (gone.length > 0) announce('removed', { messages: gone, reason: 'deleted' });

  const flagged: StoredMessage[] = [];
  const tagged: StoredMessage[] = [];
  for (const message of after.messages()) {
    const old = before.get(message.id);
    if (!old) {
      announce('delivered', { message, remote: true });
      continue;
    }
    if ([...old.flags].sort().join(' ') !== [...message.flags].sort().join(' ')) flagged.push(message);
    if (old.tags.join('\0') !== message.tags.join('\0')) tagged.push(message);
  }
  if (flagged.length > 0) announce('flags', { messages: flagged });
  if (tagged.length > 0) announce('tags', { messages: tagged });

  for (const login of hasLogins) {
    announce('folders', { login });
    for (const folder of after.listFolders(login)) {
      const was = hadLogins.has(login) ? before.folder(login, folder.name) : undefined;
      const had = new Map(was?.entries.map((e) => [e.uid, e.message.id]));
      for (const entry of folder.entries) if (had.get(entry.uid) !== entry.message.id) announce('filed', { login, folder: folder.name, entry });
    }
  }
}
