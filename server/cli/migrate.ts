/**
 * `letterbox migrate --data-dir DIR --database URL`: moves the mail of a --data-dir
 * journal into a PostgreSQL database, so a sandbox that ran alone can go on as
 * several nodes; with --inboxes, every inbox's journal into that inbox's store, and
 * the inboxes made through the API with their SMTP credentials. A journal is read back
 * as a start would (never written), then every message is delivered into the
 * database's store, oldest first, with its flags, tags, envelope and arrival time,
 * filed in the same folders of the same logins, and the folders and subscriptions come
 * along, and the release history of the messages moved. Messages keep their ids, so
 * links to them still work, unless the database holds one already (the same folder
 * moved twice with --append); UIDs are new.
 */
import { randomBytes } from 'node:crypto';
import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSavedInboxes, type DynamicInbox } from '../inboxes/dynamic-inboxes.js';
import { inboxFolder } from '../inboxes/inbox-store.js';
import { INBOX_NAME } from '../inboxes/types.js';
import { createLogger, silentLogger } from '../lib/log.js';
import { CATCH_ALL } from '../store/login.js';
import type { MailStore } from '../store/mail-store.js';
import { MemoryStore } from '../store/memory-store.js';
import { replay } from '../store/journal/durable-store.js';
import { damagedInTheMiddle, damageReport, type FrameDamage } from '../store/journal/frame-codec.js';
import { JournalFile } from '../store/journal/journal-file.js';
import { decodeRecords } from '../store/journal/record-codec.js';
import { file } from '../lib/options.js';
import { databaseUrl } from '../store/options.js';
import { DatabaseUnreachableError } from '../store/store-unavailable.js';
import type { ReleaseTable } from '../store/saved-releases.js';
import { MAX_PER_MESSAGE } from '../relay/release-history.js';
import { closeUnfinished, RELEASE_JOURNAL, savedReleases } from '../relay/release-journal.js';
import type { DatabaseStore } from '../store/shared-store.js';
import type { StoredMessage } from '../store/types.js';
import { commandArgs, commandOptions, EX, UsageError, type Command } from './io.js';
import { bytes, count } from './progress.js';

const USAGE = `Usage: letterbox migrate --data-dir DIR --database URL [--append]

Moves the mail kept in a --data-dir folder into a PostgreSQL database, where any
number of Letterbox nodes started with --database serve it as one sandbox. Every
message keeps its id, bytes, envelope, arrival time, flags, tags, folders and
release history; folders and subscriptions come along. With --inboxes, each inbox's
mail goes to that inbox, and inboxes made through the API keep their SMTP
credentials. The folder is only read. Stop the Letterbox using it first.

  --data-dir DIR     The folder a Letterbox ran with (env LETTERBOX_DATA_DIR)
  --database URL     postgres://user:password@host:5432/database (env LETTERBOX_DATABASE)
  --append           Add to a database that already holds mail (refused otherwise)
`;

/** The journal's file name in a --data-dir folder (durable-store.ts). */
const JOURNAL = 'journal.lbx';
/** Deliveries in flight at once: the store commits those waiting together. */
const WINDOW = 64;

interface MigrateArgs {
  dataDir: string;
  database: string;
  append: boolean;
}

function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): MigrateArgs | 'help' {
  const url = databaseUrl('');
  // The same checks as the server's --data-dir (no control characters).
  const folder = file('', 'DIR');
  let dataDir = env.LETTERBOX_DATA_DIR ? folder.parse(env.LETTERBOX_DATA_DIR, 'LETTERBOX_DATA_DIR') : '';
  let database = env.LETTERBOX_DATABASE ? url.parse(env.LETTERBOX_DATABASE, 'LETTERBOX_DATABASE') : '';
  let append = false;
  for (const { arg, name, value, flag } of commandOptions(argv)) {
    if (name === '--help' || name === '-h') return flag() && 'help';
    else if (name === '--data-dir') dataDir = folder.parse(value(), '--data-dir');
    else if (name === '--database') database = url.parse(value(), '--database');
    else if (name === '--append') append = flag();
    else throw new UsageError(`unexpected argument ${arg}`);
  }
  if (!dataDir) throw new UsageError('--data-dir is required');
  if (!database) throw new UsageError('--database is required');
  return { dataDir, database, append };
}

/** A journal to move: the sandbox's own (inbox ''), or a team inbox's with --inboxes. */
interface Source {
  inbox: string;
  /** The folder holding its journal and release history. */
  folder: string;
}

/**
 * The journals a --data-dir folder holds: the sandbox's own (journal.lbx), and with
 * --inboxes each inbox's (inboxes/<name>/journal.lbx, inbox-store.ts).
 */
async function sourcesIn(dataDir: string): Promise<Source[]> {
  const exists = (folder: string) => access(join(folder, JOURNAL)).then(() => true, () => false);
  const sources: Source[] = (await exists(dataDir)) ? [{ inbox: '', folder: dataDir }] : [];
  const names = await readdir(join(dataDir, 'inboxes')).catch(() => [] as string[]);
  for (const name of names.filter((n) => INBOX_NAME.test(n)).sort()) {
    if (await exists(inboxFolder(dataDir, name))) sources.push({ inbox: name, folder: inboxFolder(dataDir, name) });
  }
  return sources;
}

export const migrateCommand: Command = async (argv, io) => {
  // A bad value (an --database refused as the server refuses it) is a usage error, said with the usage.
  const read = commandArgs('migrate', USAGE, parseArgs, argv, io);
  if (!read.ok) return read.exit;
  const { dataDir, database, append } = read.args;
  const warn = (line: string) => io.stderr.write(`letterbox migrate: ${line}\n`);
  const sources = await sourcesIn(dataDir);
  if (sources.length === 0) {
    warn(`no journal in ${dataDir} (${JOURNAL}, or inboxes/<name>/${JOURNAL} with --inboxes, is what a Letterbox started with --data-dir writes)`);
    return EX.NOINPUT;
  }
  const made = await madeThroughApi(dataDir, warn);
  const { connectSharedDatabase } = await import('../store/shared-store.js');
  let shared: Awaited<ReturnType<typeof connectSharedDatabase>> | undefined;
  /** Each source with the store it goes to. */
  const moves: Array<{ source: Source; target: DatabaseStore }> = [];
  try {
    shared = await connectSharedDatabase({ url: database, cacheBytes: 16 * 1024 ** 2, logger: silentLogger, clock: () => new Date() });
    for (const source of sources) {
      // Nothing is pruned on the way: the limits are the nodes' business once they run.
      const target = shared.open(source.inbox, { maxMessages: Infinity, maxBytes: Infinity });
      moves.push({ source, target });
      await target.load();
    }
  } catch (error) {
    for (const { target } of moves) await target.close().catch(() => undefined);
    await shared?.close();
    if (!(error instanceof DatabaseUnreachableError)) throw error;
    warn(error.message);
    return EX.UNAVAILABLE;
  }
  try {
    for (const { source, target } of moves) {
      const held = target.store.stats().messages;
      if (held > 0 && !append) {
        const where = source.inbox ? ` in inbox ${source.inbox}` : '';
        warn(`the database already holds ${count(held)} messages${where}; nothing was moved (add --append to add these to them)`);
        return EX.CANTCREAT;
      }
    }
    for (const { source, target } of moves) {
      const journal = await readJournal(join(source.folder, JOURNAL), warn);
      const moved = await moveAll(journal, target.store);
      io.stdout.write(
        `moved ${count(moved.messages)} messages (${bytes(moved.bytes)}) and ${count(moved.folders)} folders of ${count(moved.logins)} logins from ${source.folder} into the database${source.inbox ? `, inbox ${source.inbox}` : ''}\n`,
      );
      const releases = await moveReleases(join(source.folder, RELEASE_JOURNAL), moved.ids, shared.releases(source.inbox, MAX_PER_MESSAGE), warn);
      if (releases > 0) io.stdout.write(`moved ${count(releases)} releases of those messages, each with its attempts and transcripts\n`);
    }
    if (made.length > 0) {
      let kept = 0;
      for (const inbox of made) if (await shared.inboxes.add(inbox)) kept++;
      const there = made.length - kept;
      io.stdout.write(`kept ${count(kept)} inboxes made through the API, with their SMTP credentials and expiry${there > 0 ? ` (${count(there)} of that name were in the database already)` : ''}\n`);
    }
    return EX.OK;
  } catch (error) {
    warn(`stopped: ${error instanceof Error ? error.message : String(error)} (messages moved so far stay; run again with --append after removing them, or into an empty database)`);
    return EX.TEMPFAIL;
  } finally {
    for (const { target } of moves) await target.close();
    await shared.close();
  }
};

/**
 * The inboxes made through the API (`inboxes/dynamic.json`), checked as a start checks
 * them: an entry that is not well formed is told and left. A damaged file is told and
 * none is moved (a start would set it aside; this command only reads).
 */
async function madeThroughApi(dataDir: string, warn: (line: string) => void): Promise<DynamicInbox[]> {
  const saved = await readSavedInboxes(dataDir, createLogger({ level: 'warn', format: 'pretty', write: warn }));
  if ('inboxes' in saved) return saved.inboxes;
  warn(`${saved.path} is damaged (${saved.damaged.message}); the inboxes made through the API are not moved`);
  return [];
}

/**
 * The journal read back into a store of its own, as a start with --data-dir would, but
 * leaving the folder exactly as it is: no file is made, changed or deleted (a start
 * deletes a compaction's leftover and rewrites a damaged journal, keeping a copy).
 * Damage is told: what was read past is not moved, and a start would do the same.
 */
export async function readJournal(path: string, warn: (line: string) => void): Promise<MemoryStore> {
  const data = await JournalFile.readOnly(path);
  const { records, validLength, damage } = decodeRecords(data);
  const store = new MemoryStore({ limits: { maxMessages: Infinity, maxBytes: Infinity } });
  const { unknown } = replay(store, records);
  if (damagedInTheMiddle(damage)) {
    const parts = [...damageSaid(damage, data.length - validLength), ...(unknown > 0 ? [`${unknown} records naming what those held were left out`] : [])];
    warn(`${path} is damaged in the middle: ${parts.join('; ')}. The ${records.length} records read are moved; the file is left as it is`);
  } else if (validLength < data.length) {
    warn(`the journal ends with ${data.length - validLength} bytes of a write cut short (a crash); what came before is moved`);
  }
  return store;
}

/** A journal's damage, as the parts of a sentence (frame-codec.ts damageReport). */
function damageSaid(damage: FrameDamage, tornBytes: number): string[] {
  const report = damageReport(damage, tornBytes);
  return [
    ...(report.framesSkipped > 0 ? [`${report.framesSkipped} damaged frames (${report.bytesSkipped} bytes, at offset+length ${report.skipped}) were skipped`] : []),
    ...(report.framesRepaired > 0 ? [`${report.framesRepaired} frames with a damaged length were read back whole`] : []),
    ...(report.bytesUnreadable > 0 ? [`the last ${report.bytesUnreadable} bytes could not be read past the damage`] : []),
    ...(report.tornTailBytes > 0 ? [`it ends with ${report.tornTailBytes} bytes of a write cut short`] : []),
  ];
}

interface Moved {
  /** The id each message moved has in the database, by its id in the journal. */
  ids: Map<string, string>;
  messages: number;
  bytes: number;
  folders: number;
  logins: number;
}

async function moveAll(source: MemoryStore, target: MailStore): Promise<Moved> {
  const moved: Moved = { ids: new Map(), messages: 0, bytes: 0, folders: 0, logins: 0 };
  // Folders first, so every message has where to go; then what each login subscribed to.
  for (const login of source.folders.logins()) {
    moved.logins++;
    for (const folder of source.listFolders(login)) {
      if (target.folder(login, folder.name)) continue;
      const made = await target.createFolder(login, folder.name, folder.specialUse);
      if (typeof made === 'string') throw new Error(`cannot make the folder ${folder.name} of ${login}: ${made}`);
      moved.folders++;
    }
    for (const name of source.subscriptions(login)) if (target.folder(login, name)) await target.subscribeFolder(login, name, true);
  }
  // In arrival order, a window at a time: the store takes deliveries in the order they are made.
  const inFlight = new Set<Promise<void>>();
  for (const message of source.messages()) {
    const raw = await source.readRaw(message.id);
    if (!raw) continue;
    const one = moveOne(source, target, message, raw).then((id) => {
      moved.ids.set(message.id, id);
      moved.messages++;
      moved.bytes += raw.length;
    });
    inFlight.add(one);
    void one.finally(() => inFlight.delete(one)).catch(() => undefined);
    if (inFlight.size >= WINDOW) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return moved;
}

/** Where a message is filed, as `login\0folder`, leaving out the catch-all's INBOX (every message is there). */
function places(store: MailStore, message: StoredMessage): Map<string, { login: string; folder: string; uid: number }> {
  const found = new Map<string, { login: string; folder: string; uid: number }>();
  for (const place of store.placementsOf(message)) {
    if (place.login === CATCH_ALL && place.folder === 'INBOX') continue;
    found.set(`${place.login}\0${place.folder}`, place);
  }
  return found;
}

/**
 * Delivered as it first arrived (filed by its envelope), then filed where it has been
 * copied or moved since and taken out of where it is no more, copies first so it is
 * never left in no folder.
 */
async function moveOne(source: MemoryStore, target: MailStore, message: StoredMessage, raw: Buffer): Promise<string> {
  const copy = await target.deliver({
    // Its own id, unless the database has a message under it (this folder moved before, --append).
    ...(target.get(message.id) === undefined && { id: message.id }),
    raw,
    envelope: message.envelope,
    client: message.client,
    receivedAt: message.receivedAt,
    flags: message.flags,
    tags: message.tags,
  });
  const wanted = places(source, message);
  const now = places(target, copy);
  for (const [key, place] of wanted) {
    if (now.has(key)) continue;
    const filed = await target.copyToFolder(place.login, place.folder, [copy]);
    if (typeof filed === 'string') throw new Error(`cannot file a message in ${place.folder} of ${place.login}: ${filed}`);
  }
  for (const [key, place] of now) if (!wanted.has(key)) await target.expunge(place.login, place.folder, [place.uid]);
  return copy.id;
}

/**
 * The release history kept beside the journal (relay/release-journal.ts), of the
 * messages moved, under the ids they have in the database; a release the stop cut
 * short is closed as a start with --data-dir would. The file is read, never written;
 * damage is told, as the mail journal's is. Returns how many moved.
 */
async function moveReleases(path: string, ids: ReadonlyMap<string, string>, table: ReleaseTable, warn: (line: string) => void): Promise<number> {
  const { releases, tornBytes, damage } = savedReleases(await JournalFile.readOnly(path));
  if (damagedInTheMiddle(damage)) {
    warn(`${path} is damaged in the middle: ${damageSaid(damage, tornBytes).join('; ')}. The ${releases.length} releases read are moved; the file is left as it is`);
  }
  const saves: Array<Promise<void>> = [];
  for (const record of releases) {
    const messageId = ids.get(record.messageId);
    if (messageId === undefined) continue;
    closeUnfinished(record);
    // Its own id with its message's; a new one with a message that got a new id (moved twice, --append).
    const id = messageId === record.messageId ? record.id : randomBytes(8).toString('hex');
    saves.push(table.save({ id, messageId, requestedAt: record.requestedAt, record: { ...record, id, messageId } }));
  }
  await Promise.all(saves);
  return saves.length;
}
