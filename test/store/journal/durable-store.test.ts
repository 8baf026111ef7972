import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../server/lib/log.js';
import { SPECIAL_FOLDERS } from '../../../server/store/folders.js';
import { makeDurable } from '../../../server/store/journal/durable-store.js';
import { encodeRecord, type JournalRecord } from '../../../server/store/journal/record-codec.js';
import { MemoryStore } from '../../../server/store/memory-store.js';
import { picture } from './store-picture.js';

const limits = { maxMessages: 0, maxBytes: 0 };
const mail = (n: number, to = 'bob@blue.com') =>
  Buffer.from(`From: alice@red.com\r\nTo: ${to}\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`);

describe('--data-dir journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'letterbox-journal-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function open() {
    const store = new MemoryStore({ limits });
    const durable = await makeDurable(store, dir, silentLogger);
    return { store, durable };
  }

  it('brings back messages, flags, tags, folders, ids and UIDs after a restart', async () => {
    const first = await open();
    const { store } = first;
    const delivered = await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        store.deliver({ raw: mail(n, n % 3 === 0 ? 'carol@blue.com' : 'bob@blue.com'), envelope: { mailFrom: 'alice@red.com', rcptTo: [n % 3 === 0 ? 'carol@blue.com' : 'bob@blue.com'] } }),
      ),
    );
    await store.setFlags([delivered[1]!.id, delivered[2]!.id], 'add', ['\\Seen', '\\Flagged']);
    await store.setTags([delivered[4]!.id], ['invoice', 'urgent']);
    expect(await store.createFolder('bob@blue.com', 'Projects/2026')).not.toBe('exists');
    await store.copyToFolder('bob@blue.com', 'Projects/2026', [delivered[5]!]);
    await store.renameFolder('bob@blue.com', 'Projects', 'Work');
    // UID 4 is message 5, still held by its copy in Work/2026: it leaves INBOX only.
    await store.expunge('bob@blue.com', 'INBOX', [1, 2, 4]);
    expect(store.get(delivered[5]!.id)).toBeDefined();
    await store.remove([delivered[7]!.id]);
    await store.subscribeFolder('bob@blue.com', 'Junk', false);
    // A subscription outlives its folder (RFC 3501 §6.3.9), and a restart.
    await store.createFolder('bob@blue.com', 'Gone');
    await store.subscribeFolder('bob@blue.com', 'Gone', true);
    await store.deleteFolder('bob@blue.com', 'Gone');
    await store.flushed();
    const before = await picture(store);
    await first.durable.close();

    const second = await open();
    expect(await picture(second.store)).toEqual(before);
    expect(before.subscriptions['bob@blue.com']).toContain('Gone');
    expect(before.subscriptions['bob@blue.com']).not.toContain('Junk');
    // New mail after a restart continues the numbering instead of reusing it.
    const next = await second.store.deliver({ raw: mail(99), envelope: { mailFrom: 'x@y.z', rcptTo: ['bob@blue.com'] } });
    expect(next.seq).toBeGreaterThan(Math.max(...before.messages.map((m) => m.seq)));
    const inbox = second.store.folder('bob@blue.com', 'INBOX')!;
    expect(inbox.entries.at(-1)?.uid).toBe(before.folders['bob@blue.com']!.find((f) => f.name === 'INBOX')!.uidNext);
    await second.store.flushed();
    await second.durable.close();
  });

  it('keeps across a restart the logins a client made folders in, and forgets the others once mail left them', async () => {
    const first = await open();
    await first.store.openFolders('carol@blue.com');
    await first.store.createFolder('carol@blue.com', 'Kept');
    await first.store.openFolders('fay@blue.com');
    const sent = await Promise.all(['carol@blue.com', 'dan@blue.com', 'erin@blue.com'].map((to, n) => first.store.deliver({ raw: mail(n, to), envelope: { mailFrom: 'alice@red.com', rcptTo: [to] } })));
    const carol = first.store.folder('carol@blue.com', 'INBOX')?.uidValidity;
    const erin = first.store.folder('erin@blue.com', 'INBOX')?.uidValidity as number;
    await first.store.remove([sent[1]!.id]);
    expect(first.store.hasFolders('dan@blue.com')).toBe(false);
    await first.store.flushed();
    await first.durable.close();

    const second = await open();
    expect(second.store.hasFolders('dan@blue.com')).toBe(false);
    expect(second.store.folder('erin@blue.com', 'INBOX')?.uidValidity).toBe(erin);
    await second.store.remove([sent[0]!.id, sent[2]!.id]);
    // Carol made a folder of her own: kept, with its UIDVALIDITYs; erin's were only made by mail.
    expect(second.store.folder('carol@blue.com', 'INBOX')?.uidValidity).toBe(carol);
    expect(second.store.hasFolders('erin@blue.com')).toBe(false);
    // Opened when the process ended, with no folder of its own: no session outlived it.
    expect(second.store.hasFolders('fay@blue.com')).toBe(false);
    const again = await second.store.deliver({ raw: mail(3, 'erin@blue.com'), envelope: { mailFrom: 'alice@red.com', rcptTo: ['erin@blue.com'] } });
    expect(second.store.folder('erin@blue.com', 'INBOX')?.uidValidity).toBeGreaterThan(erin);
    await second.store.flushed();
    const before = await picture(second.store);
    await second.durable.close();

    const third = await open();
    expect(await picture(third.store)).toEqual(before);
    expect(third.store.folder('erin@blue.com', 'INBOX')?.entries.map((e) => e.message.id)).toEqual([again.id]);
  });

  it('forgets, at the first start, the empty folders of logins a journal of an earlier version kept for every address', async () => {
    const folders = (base: number) => SPECIAL_FOLDERS.map(({ name, use }, i) => ({ name, specialUse: use, uidValidity: base + i, uidNext: 3, subscribed: true }));
    const raw = mail(1, 'kept@blue.com');
    const records: JournalRecord[] = [
      { t: 'folders', login: 'gone@blue.com', folders: folders(100) },
      // A folder a client made: kept, empty as it is.
      { t: 'folders', login: 'made@blue.com', folders: [...folders(300), { name: 'Projects', specialUse: '', uidValidity: 306, uidNext: 1, subscribed: false }] },
      { t: 'folders', login: 'kept@blue.com', folders: folders(200) },
      { t: 'msg', id: 'Kept0123456789abcdefgh', seq: 1, envelope: { mailFrom: '', rcptTo: ['kept@blue.com'] }, receivedAt: 0, client: { address: '', helo: '', username: '', secure: false, via: 'smtp' }, flags: [], tags: [], modseq: 1, places: [{ login: 'kept@blue.com', folder: 'INBOX', uid: 2, counts: true }], raw },
    ];
    await writeFile(join(dir, 'journal.lbx'), Buffer.concat(records.map(encodeRecord)));
    const { store, durable } = await open();
    expect(store.hasFolders('gone@blue.com')).toBe(false);
    expect(store.folder('made@blue.com', 'Projects')?.uidValidity).toBe(306);
    expect(store.folder('kept@blue.com', 'INBOX')?.entries.map((e) => [e.uid, e.message.id])).toEqual([[2, 'Kept0123456789abcdefgh']]);
    expect(store.folder('kept@blue.com', 'INBOX')?.uidValidity).toBe(200);
    await durable.close();
  });

  it('keeps a folder in UID order through restarts when newer mail was filed in it before older mail', async () => {
    const first = await open();
    const [older, newer] = [await first.store.deliver({ raw: mail(1), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } }), await first.store.deliver({ raw: mail(2), envelope: { mailFrom: 'alice@red.com', rcptTo: ['bob@blue.com'] } })];
    await first.store.createFolder('bob@blue.com', 'Archive');
    // UID 1 for the newer message, 2 and 3 for the older one: a compacted journal lists messages oldest first.
    await first.store.copyToFolder('bob@blue.com', 'Archive', [newer]);
    await first.store.copyToFolder('bob@blue.com', 'Archive', [older, older]);
    const filed = (store: MemoryStore) => store.folder('bob@blue.com', 'Archive')?.entries.map((e) => [e.uid, e.message.id]);
    const before = filed(first.store);
    expect(before).toEqual([[1, newer.id], [2, older.id], [3, older.id]]);
    await first.store.flushed();
    await first.durable.close();
    // The first restart compacts the journal; the second reads the compacted one.
    for (let restart = 0; restart < 2; restart++) {
      const again = await open();
      expect(filed(again.store)).toEqual(before);
      await again.durable.close();
    }
  });

  it('keeps every committed record when the last one was torn by a crash', async () => {
    const first = await open();
    for (let n = 0; n < 5; n++) first.store.deliver({ raw: mail(n), envelope: { mailFrom: 'a@b.c', rcptTo: ['bob@blue.com'] } });
    await first.store.flushed();
    const before = await picture(first.store);
    await first.durable.close();
    const path = join(dir, 'journal.lbx');
    const size = (await stat(path)).size;
    // Half a frame: a length that promises more than follows.
    await appendFile(path, Buffer.from([0, 0, 1, 0, 1, 2, 3, 4, 5, 6]));

    const second = await open();
    expect(await picture(second.store)).toEqual(before);
    await second.durable.close();
    expect((await readFile(path)).length).toBe(size);
  });
});
