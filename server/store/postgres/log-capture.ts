import { foldersRecord, messageFields } from '../journal/durable-store.js';
import type { MemoryStore } from '../memory-store.js';
import type { StoredMessage, StoreEvents } from '../types.js';
import { indexedBody } from './body-text.js';
import { summaryToJson, type LogRecord } from './log-record.js';

export const STORE_EVENTS = ['delivered', 'indexed', 'flags', 'tags', 'removed', 'cleared', 'filed', 'unfiled', 'folders'] as const satisfies ReadonlyArray<keyof StoreEvents>;

/**
 * Turns what a node's index announces while a local write is applied into log
 * records, as the journal records a memory store (journal/durable-store.ts).
 * `into()` is the current write's list, or undefined when no local write is being
 * applied (remote records being replayed are in the log already). Returns the
 * unsubscribe.
 */
export function captureRecords(index: MemoryStore, into: () => LogRecord[] | undefined): () => void {
  const add = (record: LogRecord) => into()?.push(record);
  const state = (m: StoredMessage) => add({ t: 'state', id: m.id, flags: [...m.flags], tags: [...m.tags], modseq: m.modseq });
  const offs = [
    index.on('folders', ({ login }) => add(foldersRecord(index, login))),
    index.on('filed', ({ login, folder, entry }) => add({ t: 'file', id: entry.message.id, place: { login, folder, uid: entry.uid, counts: entry.counts } })),
    index.on('delivered', ({ message }) => {
      const records = into();
      if (!records) return;
      // A new message is filed before it is announced: its `msg` record carries those placements.
      for (let i = records.length - 1; i >= 0; i--) {
        const r = records[i];
        if (r?.t === 'file' && r.id === message.id) records.splice(i, 1);
      }
      records.push(messageRecord(index, message));
    }),
    index.on('unfiled', ({ login, folder, uids, modseq }) => add({ t: 'unfile', login, folder, uids, modseq })),
    index.on('flags', ({ messages }) => messages.forEach(state)),
    index.on('tags', ({ messages }) => messages.forEach(state)),
    index.on('removed', ({ messages, reason }) => add({ t: 'remove', ids: messages.map((m) => m.id), reason })),
    index.on('cleared', () => add({ t: 'clear' })),
    index.on('indexed', ({ message }) => message.body && add({ t: 'body', id: message.id, body: indexedBody(message.body) })),
  ];
  return () => offs.forEach((off) => off());
}

export function messageRecord(index: MemoryStore, message: StoredMessage): LogRecord {
  return { ...messageFields(index, message), size: message.size, summary: summaryToJson(message.summary) };
}
