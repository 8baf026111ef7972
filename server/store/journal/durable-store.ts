import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';
import { heldBytes, type MemoryStore } from '../memory-store.js';
import type { PlacementRecord } from '../folders.js';
import type { StoredMessage } from '../types.js';
import { Compaction, COMPACTION_FLOOR } from './compaction.js';
import { JournalFile } from './journal-file.js';
import { noticeDamage } from './damage-notice.js';
import { decodeRecords, encodeRecord, type JournalRecord } from './record-codec.js';

const JOURNAL = 'journal.lbx';
/** Roughly what a message's record holds besides its bytes (envelope, flags, placements as JSON). */
const RECORD_OVERHEAD = 512;

export interface DurableOptions {
  /** Bytes the journal may always grow to before it is compacted while running. */
  compactionFloor?: number;
}

export interface Durable {
  /** Resolves when no compaction is running. */
  compacted(): Promise<void>;
  /** False once the disk refused a write: nothing is made durable any more (/readyz says so). */
  writable(): boolean;
  close(): Promise<void>;
}

/** How far mod-sequences jump when a journal is read back (see makeDurable). */
const MODSEQ_RESTART_GAP = 2 ** 32;

/**
 * `--data-dir`: the store stays in memory and every change is also appended to a
 * journal in that folder. A message's record is fsynced before its SMTP 250 (the SMTP
 * front awaits `store.flushed()`), so a crash at any moment loses nothing that was
 * acknowledged. At start the journal is replayed (same ids, UIDs and UIDVALIDITY)
 * and rewritten compactly, holding only what is still there; while running it is
 * compacted the same way whenever churn has grown it well past the live data.
 */
export async function makeDurable(store: MemoryStore, dataDir: string, logger: Logger, options: DurableOptions = {}): Promise<Durable> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, JOURNAL);
  const data = await JournalFile.read(path);
  const { records, validLength, damage } = decodeRecords(data);
  const { unknown } = replay(store, records);
  await noticeDamage(path, 'journal', damage, data.length - validLength, logger, { recordsRecovered: records.length, recordsNamingWhatWasSkipped: unknown });
  // Mod-sequences handed out but never saved (an expunge's own, RFC 7162 §3.2.10) must not
  // be handed out again: jumping past them keeps an IMAP client's value from before the
  // restart below anything new, so QRESYNC answers it from what it knows to be gone.
  if (records.length > 0) await store.nextModseq(MODSEQ_RESTART_GAP);
  const journal = await JournalFile.create(path, snapshotFrames(store));
  const compaction = new Compaction(journal, {
    liveBytes: () => {
      const { bytes, messages } = store.stats();
      return bytes + messages * RECORD_OVERHEAD;
    },
    snapshot: () => snapshotFrames(store),
    floor: options.compactionFloor ?? COMPACTION_FLOOR,
    name: JOURNAL,
    logger,
  });
  const detach = record(store, journal, compaction);
  let reported = false;
  store.setCommitter(
    () =>
      journal.commit().catch((error: unknown) => {
        // The journal takes no write after one failed (JournalFile): said once, loudly.
        if (!reported) logger.error('the journal cannot be written; new mail is refused (SMTP 451) until Letterbox is restarted', { dataDir, error: String(error) });
        reported = true;
        throw error;
      }),
    () => journal.failed,
  );
  logger.info('loaded the journal', { dataDir, messages: store.stats().messages });
  return {
    compacted: () => compaction.idle(),
    writable: () => journal.failed === undefined,
    async close() {
      detach();
      store.setCommitter(() => Promise.resolve());
      await journal.close();
    },
  };
}

/** What replay left out. */
export interface Replayed {
  /**
   * Records, and placements in a message's record, naming a message or folder the store
   * does not hold: what a record skipped as damaged (frame-codec.ts) would have made.
   * A whole journal has none.
   */
  unknown: number;
}

/** Replays records onto an empty store; a record naming what is not there is left out, counted. */
export function replay(store: MemoryStore, records: Iterable<JournalRecord>): Replayed {
  let unknown = 0;
  // Only asked once the login has folders: asking for a folder of a login without any makes them.
  const hasFolder = (login: string, folder: string) => store.hasFolders(login) && store.folder(login, folder) !== undefined;
  const place = (id: string, placement: PlacementRecord) => {
    if (hasFolder(placement.login, placement.folder)) return store.restorePlacement(id, placement);
    unknown++;
    // A login whose folders record was skipped gets its standard folders made afresh (new
    // UIDVALIDITYs), so its mail is still in its INBOX; another folder of its is gone.
    if (!store.hasFolders(placement.login)) store.restorePlacement(id, placement);
  };
  for (const r of records) {
    switch (r.t) {
      case 'folders':
        store.folders.restoreFolders(r.login, r.folders, r.subscriptions, r.opened);
        break;
      case 'msg': {
        // Twice the same id (only damage can do that) would hold one message twice.
        if (store.get(r.id)) {
          unknown++;
          break;
        }
        const message = store.restore({ ...r, receivedAt: new Date(r.receivedAt) });
        for (const placement of r.places) place(message.id, placement);
        break;
      }
      case 'file':
        if (store.get(r.id)) place(r.id, r.place);
        else unknown++;
        break;
      case 'unfile':
        // Messages this left unheld were removed by a `remove` record of their own.
        if (hasFolder(r.login, r.folder)) store.folders.unfile(r.login, r.folder, r.uids, r.modseq);
        else unknown++;
        break;
      case 'remove': {
        const held = r.ids.filter((id) => store.get(id));
        unknown += r.ids.length - held.length;
        store.removeNow(held);
        break;
      }
      case 'clear':
        store.clearNow();
        break;
      case 'state':
        if (store.get(r.id)) store.restoreState(r.id, r);
        else unknown++;
        break;
    }
  }
  // No session outlives the process: logins still opened were left by a crash. And
  // journals written before logins were forgotten hold every address mail ever reached.
  for (const login of store.folders.logins()) store.folders.close(login);
  store.folders.forgetUnused();
  return { unknown };
}


/**
 * The store as it is now, as the records that rebuild it. It is taken at once, so
 * changes made while the frames are being written do not show in it (those go to the
 * journal as records of their own); the records are made as the frames are read. Taking
 * it holds everything else up, so it copies only what changes in place: where each
 * message is filed, and its mod-sequence. Its flags and tags are replaced on a change,
 * never changed (memory-store.ts), so holding them keeps their value; the rest of a
 * message never changes.
 */
function snapshotFrames(store: MemoryStore): Iterable<Buffer> {
  const folders = store.folders.logins().map((login) => foldersRecord(store, login));
  const places = store.placementsOfAll();
  const messages = store.messages().map((message, i): TakenMessage => ({ message, places: places[i] ?? [], flags: message.flags, tags: message.tags, modseq: message.modseq }));
  return (function* () {
    for (const r of folders) yield encodeRecord(r);
    for (const taken of messages) yield encodeRecord(messageRecord(taken));
  })();
}

/** What a message's `msg` record is made of, as it was when taken. */
interface TakenMessage {
  message: StoredMessage;
  places: PlacementRecord[];
  flags: ReadonlySet<string>;
  tags: readonly string[];
  modseq: number;
}

function taken(store: MemoryStore, message: StoredMessage): TakenMessage {
  return { message, places: store.placementsOf(message), flags: message.flags, tags: message.tags, modseq: message.modseq };
}

export function foldersRecord(store: MemoryStore, login: string): Extract<JournalRecord, { t: 'folders' }> {
  const { folders } = store;
  return { t: 'folders', login, folders: folders.snapshot(login), subscriptions: [...folders.subscriptions(login)], opened: folders.opened(login) };
}

/** A message's `msg` record but for its bytes (which the PostgreSQL store keeps apart). */
export function messageFields(store: MemoryStore, message: StoredMessage): Omit<Extract<JournalRecord, { t: 'msg' }>, 'raw'> {
  return fieldsOf(taken(store, message));
}

function fieldsOf({ message, places, flags, tags, modseq }: TakenMessage): Omit<Extract<JournalRecord, { t: 'msg' }>, 'raw'> {
  return {
    t: 'msg',
    id: message.id,
    seq: message.seq,
    envelope: message.envelope,
    receivedAt: message.receivedAt.getTime(),
    client: message.client,
    flags: [...flags],
    tags: [...tags],
    modseq,
    places,
  };
}

function messageRecord(taken: TakenMessage): JournalRecord {
  // A journaled store keeps its bytes; an index-only one here is a wiring mistake, and
  // an empty body written in their place would lose the message at the next start.
  const held = heldBytes(taken.message);
  if (!held) throw new Error(`the journal needs the bytes of message ${taken.message.id}, and its store does not hold them`);
  return { ...fieldsOf(taken), raw: held.raw };
}

/** Appends a record for every change the store announces; returns the unsubscribe. */
function record(store: MemoryStore, journal: JournalFile, compaction: Compaction): () => void {
  const write = (r: JournalRecord) => {
    journal.append(encodeRecord(r));
    compaction.check();
  };
  // Placements made while a message is being delivered travel in its `msg` record.
  let lastSeq = store.messages().at(-1)?.seq ?? 0;
  const state = (m: StoredMessage) => write({ t: 'state', id: m.id, flags: [...m.flags], tags: [...m.tags], modseq: m.modseq });
  const offs = [
    store.on('folders', ({ login }) => write(foldersRecord(store, login))),
    store.on('filed', ({ login, folder, entry }) => {
      if (entry.message.seq > lastSeq) return;
      write({ t: 'file', id: entry.message.id, place: { login, folder, uid: entry.uid, counts: entry.counts } });
    }),
    store.on('delivered', ({ message }) => {
      lastSeq = message.seq;
      write(messageRecord(taken(store, message)));
    }),
    store.on('unfiled', ({ login, folder, uids, modseq }) => write({ t: 'unfile', login, folder, uids, modseq })),
    store.on('flags', ({ messages }) => messages.forEach(state)),
    store.on('tags', ({ messages }) => messages.forEach(state)),
    store.on('removed', ({ messages }) => write({ t: 'remove', ids: messages.map((m) => m.id) })),
    store.on('cleared', () => write({ t: 'clear' })),
  ];
  return () => offs.forEach((off) => off());
}
