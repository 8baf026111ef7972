import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import type { MemoryStore } from '../memory-store.js';
import type { StoredMessage } from '../types.js';
import { JournalFile } from './journal-file.js';
import { decodeRecords, encodeRecord, type JournalRecord } from './record-codec.js';

const JOURNAL = 'journal.lbx';

/**
 * `--data-dir`: the store stays in memory and every change is also appended to a
 * journal in that folder. A message's record is fsynced before its SMTP 250 (the SMTP
 * front awaits `store.flushed()`), so a crash at any moment loses nothing that was
 * acknowledged. At start the journal is replayed (same ids, UIDs and UIDVALIDITY)
 * and rewritten compactly, holding only what is still there.
 */
export async function makeDurable(store: MemoryStore, dataDir: string, logger: Logger): Promise<{ close(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, JOURNAL);
  const data = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  });
  const { records, validLength } = decodeRecords(data);
  if (validLength < data.length) logger.warn('journal had a torn tail (a crash mid-write); it was cut off', { bytes: data.length - validLength });
  replay(store, records);
  await JournalFile.replace(path, snapshotFrames(store));
  const journal = await JournalFile.open(path, Infinity);
  const detach = record(store, journal);
  store.setCommitter(() => journal.commit());
  logger.info('loaded the journal', { dataDir, messages: store.stats().messages });
  return {
    async close() {
      detach();
      store.setCommitter(() => Promise.resolve());
      await journal.close();
    },
  };
}

/** Replays records onto an empty store. */
export function replay(store: MemoryStore, records: Iterable<JournalRecord>): void {
  for (const r of records) {
    switch (r.t) {
      case 'folders':
        store.folders.restoreFolders(r.login, r.folders);
        break;
      case 'msg': {
        const message = store.restore({ ...r, receivedAt: new Date(r.receivedAt) });
        for (const place of r.places) store.folders.restorePlacement(message, place);
        break;
      }
      case 'file': {
        const message = store.get(r.id);
        if (message) store.folders.restorePlacement(message, r.place);
        break;
      }
      case 'unfile':
        // Messages this left unheld were removed by a `remove` record of their own.
        store.folders.unfile(r.login, r.folder, r.uids);
        break;
      case 'remove':
        store.remove(r.ids);
        break;
      case 'clear':
        store.clear();
        break;
      case 'state':
        store.restoreState(r.id, r);
        break;
    }
  }
}

/** The store as it is now, as the records that rebuild it. */
function* snapshotFrames(store: MemoryStore): Generator<Buffer> {
  for (const login of store.folders.logins()) {
    yield encodeRecord({ t: 'folders', login, folders: store.folders.snapshot(login) });
  }
  for (const message of store.messages()) yield encodeRecord(messageRecord(store, message));
}

function messageRecord(store: MemoryStore, message: StoredMessage): JournalRecord {
  return {
    t: 'msg',
    id: message.id,
    seq: message.seq,
    envelope: message.envelope,
    receivedAt: message.receivedAt.getTime(),
    client: message.client,
    flags: [...message.flags],
    tags: [...message.tags],
    modseq: message.modseq,
    places: store.folders.placementsOf(message),
    raw: message.raw,
  };
}

/** Appends a record for every change the store announces; returns the unsubscribe. */
function record(store: MemoryStore, journal: JournalFile): () => void {
  const write = (r: JournalRecord) => journal.append(encodeRecord(r));
  // Placements made while a message is being delivered travel in its `msg` record.
  let lastSeq = store.messages().at(-1)?.seq ?? 0;
  const state = (m: StoredMessage) => write({ t: 'state', id: m.id, flags: [...m.flags], tags: [...m.tags], modseq: m.modseq });
  const offs = [
    store.on('folders', ({ login }) => write({ t: 'folders', login, folders: store.folders.snapshot(login) })),
    store.on('filed', ({ login, folder, entry }) => {
      if (entry.message.seq > lastSeq) return;
      write({ t: 'file', id: entry.message.id, place: { login, folder, uid: entry.uid, counts: entry.counts } });
    }),
    store.on('delivered', ({ message }) => {
      lastSeq = message.seq;
      write(messageRecord(store, message));
    }),
    store.on('unfiled', ({ login, folder, uids }) => write({ t: 'unfile', login, folder, uids })),
    store.on('flags', ({ messages }) => messages.forEach(state)),
    store.on('tags', ({ messages }) => messages.forEach(state)),
    store.on('removed', ({ messages }) => write({ t: 'remove', ids: messages.map((m) => m.id) })),
    store.on('cleared', () => write({ t: 'clear' })),
  ];
  return () => offs.forEach((off) => off());
}
