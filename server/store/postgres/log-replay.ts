import type { MemoryStore } from '../memory-store.js';
import type { StoredMessage, StoreEvents } from '../types.js';
import { indexedBody } from './body-text.js';
import { summaryFromJson, type LogRecord } from './log-record.js';

export type Announce = <K extends keyof StoreEvents>(event: K, payload: StoreEvents[K]) => void;

/**
 * Applies log records to a node's index: those other nodes wrote, or at start the
 * whole log. The index announces what its own methods change (removed, unfiled,
 * cleared, indexed); what it restores silently (a message, a placement, flags and
 * tags, folders) is announced here the way the writing node's index announced it, so
 * every front of every node hears of every change. A message is announced as
 * `remote`: this node did not accept it.
 */
export function applyRecords(index: MemoryStore, records: Iterable<LogRecord>, announce: Announce): void {
  // A flag change on many messages is many records; announced as one event, as it was.
  let flagged: StoredMessage[] = [];
  let tagged: StoredMessage[] = [];
  const announceStates = () => {
    if (flagged.length > 0) announce('flags', { messages: flagged });
    if (tagged.length > 0) announce('tags', { messages: tagged });
    flagged = [];
    tagged = [];
  };
  const file = (id: string, place: { login: string; folder: string; uid: number; counts: boolean }) => {
    index.restorePlacement(id, place);
    const entry = index.folderEntry(place.login, place.folder, place.uid);
    if (entry?.message.id === id) announce('filed', { login: place.login, folder: place.folder, entry });
  };
  for (const r of records) {
    if (r.t !== 'state') announceStates();
    switch (r.t) {
      case 'msg': {
        const message = index.restore({ ...r, receivedAt: new Date(r.receivedAt), summary: summaryFromJson(r.summary) });
        for (const place of r.places) file(message.id, place);
        announce('delivered', { message, remote: true });
        break;
      }
      case 'state': {
        const message = index.get(r.id);
        if (!message) break;
        const flags = [...message.flags].sort().join(' ');
        const tags = message.tags.join('\0');
        index.restoreState(r.id, r);
        if ([...message.flags].sort().join(' ') !== flags) flagged.push(message);
        if (message.tags.join('\0') !== tags) tagged.push(message);
        break;
      }
      case 'file':
        file(r.id, r.place);
        break;
      case 'folders':
        index.folders.restoreFolders(r.login, r.folders, r.subscriptions, r.opened);
        announce('folders', { login: r.login });
        break;
      case 'unfile':
        // Messages this left unheld were removed by a `remove` record of their own.
        index.folders.unfile(r.login, r.folder, r.uids, r.modseq);
        break;
      case 'remove':
        void index.remove(r.ids, r.reason);
        break;
      case 'clear':
        void index.clear();
        break;
      case 'body':
        void index.setBody(r.id, indexedBody(r.body));
        break;
      case 'modseq':
        if (r.modseq > index.modseq) void index.nextModseq(r.modseq - index.modseq);
        break;
      case 'snapshot':
        // Only a rebuild reads these, onto an empty index (PgStore #rebuild).
        break;
    }
  }
  announceStates();
}
