import { describe, expect, it } from 'vitest';
import { summaryOfText } from '../../server/mime/body-text.js';
import type { MailStore } from '../../server/store/mail-store.js';
import { searchIn } from '../../server/store/search/compile.js';
import type { RemoveReason, StoredMessage, StoreEvents, StoreLimits } from '../../server/store/types.js';

/**
 * The behaviour every store backend must have. A backend's test file calls
 * `storeContract(name, factory)`; the factory builds an empty store with the given
 * limits and clock.
 */
export interface StoreFactoryOptions {
  limits: StoreLimits;
  clock: () => Date;
}
export type StoreFactory = (options: StoreFactoryOptions) => MailStore | Promise<MailStore>;

const mail = (n: number, extra = '') => Buffer.from(`From: alice@red.example\r\nTo: bob@blue.example\r\nSubject: message ${n}\r\n${extra}\r\nbody ${n}\r\n`);

/** Records every event of the given kinds, in order. */
function record<K extends keyof StoreEvents>(store: MailStore, ...kinds: K[]): Array<{ kind: K; payload: StoreEvents[K] }> {
  const seen: Array<{ kind: K; payload: StoreEvents[K] }> = [];
  for (const kind of kinds) store.on(kind, (payload) => seen.push({ kind, payload }));
  return seen;
}

export function storeContract(name: string, makeStore: StoreFactory): void {
  let now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const clock = () => new Date(now);
  const open = (limits: Partial<StoreLimits> = {}) => makeStore({ limits: { maxMessages: 0, maxBytes: 0, ...limits }, clock });
  const deliver = (store: MailStore, n: number, to = ['bob@blue.example'], from = 'alice@red.example') =>
    store.deliver({ raw: mail(n), envelope: { mailFrom: from, rcptTo: to }, client: { address: '127.0.0.1', helo: 'client.test' } });
  /** Messages n = 0… (or those given), one after the other: each is committed before the next arrives. */
  const deliverEach = async (store: MailStore, ns: number | number[]) => {
    const delivered: StoredMessage[] = [];
    for (const n of typeof ns === 'number' ? Array.from({ length: ns }, (_, i) => i) : ns) delivered.push(await deliver(store, n));
    return delivered;
  };

  describe(`store contract: ${name}`, () => {
    describe('delivery', () => {
      it('keeps the exact bytes, envelope, arrival time and client, and announces the message', async () => {
        const store = await open();
        const events = record(store, 'delivered');
        now += 1000;
        const raw = Buffer.from('Subject: =?UTF-8?Q?h=C3=A9?=\r\nTo: Bob <bob@blue.example>\r\n\r\n\u00e9\n.\r\n', 'utf8');
        const message = await store.deliver({ raw, envelope: { mailFrom: '', rcptTo: ['bob@blue.example', 'x@y.example'] }, client: { address: '10.0.0.1' } });
        expect((await store.readRaw(message.id))?.equals(raw)).toBe(true);
        expect(message.envelope).toEqual({ mailFrom: '', rcptTo: ['bob@blue.example', 'x@y.example'] });
        expect(message.receivedAt.getTime()).toBe(now);
        expect(message.client).toMatchObject({ address: '10.0.0.1', helo: '', username: '', secure: false, via: 'smtp' });
        expect(message.summary.subject).toBe('hé');
        expect(message.summary.bcc).toEqual([{ name: '', address: 'x@y.example' }]);
        expect(store.get(message.id)).toBe(message);
        expect(events).toEqual([{ kind: 'delivered', payload: { message } }]);
        expect(store.stats()).toEqual({ messages: 1, unread: 1, bytes: raw.length });
      });

      it('gives unique, URL-safe ids', async () => {
        const store = await open();
        const ids = (await deliverEach(store, 2_000)).map((m) => m.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) {
          expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(encodeURIComponent(id)).toBe(id);
        }
      });

      it('keeps an id it is given (a message moved from another store), and refuses one it holds or one not of its form', async () => {
        const store = await open();
        const kept = 'Kept0123456789abcdefgh';
        const envelope = { mailFrom: 'alice@red.example', rcptTo: ['bob@blue.example'] };
        const moved = await store.deliver({ id: kept, raw: mail(1), envelope });
        expect(moved.id).toBe(kept);
        expect(store.get(kept)).toBe(moved);
        await expect(store.deliver({ id: kept, raw: mail(2), envelope })).rejects.toThrow(/a stored message has it/);
        for (const id of ['', 'short', `${kept}x`, 'Kept0123456789abcdef/h', 'Kept0123456789abcdef\r']) {
          await expect(store.deliver({ id, raw: mail(3), envelope })).rejects.toThrow(/not a message id/);
        }
        expect(store.messages()).toEqual([moved]);
        expect((await store.readRaw(kept))?.equals(mail(1))).toBe(true);
      });

      it('numbers messages with a strictly increasing seq that is never reused', async () => {
        const store = await open();
        const first = await deliverEach(store, [1, 2, 3]);
        await store.remove([first[2]?.id ?? ''], 'deleted');
        const next = await deliver(store, 4);
        const seqs = [...first, next].map((m) => m.seq);
        expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] ?? Infinity))).toBe(true);
        expect(store.messages().map((m) => m.seq)).toEqual([first[0]?.seq, first[1]?.seq, next.seq]);
      });
    });

    describe('reading', () => {
      it('pages newest first with match counts', async () => {
        const store = await open();
        const all = await deliverEach(store, 10);
        const newest = [...all].reverse();
        expect(store.list({ start: 0, limit: 3 }).items).toEqual(newest.slice(0, 3));
        expect(store.list({ start: 3, limit: 3 }).items).toEqual(newest.slice(3, 6));
        expect(store.list({ start: 9, limit: 3 }).items).toEqual(newest.slice(9));
        expect(store.list({ start: 20, limit: 3 }).items).toEqual([]);
        expect(store.list({ limit: 0 }).items).toEqual(newest);
        const page = store.list({ start: 1, limit: 2, filter: (m) => m.seq % 2 === 0 });
        expect(page.items).toEqual(newest.filter((m) => m.seq % 2 === 0).slice(1, 3));
        expect(page.matched).toBe(5);
        expect(store.list({ limit: 5 }).matched).toBe(10);
        expect(store.latest()).toBe(all[9]);
        expect(store.latest((m) => m.summary.subject === 'message 4')).toBe(all[4]);
      });

      it('lists only messages received before a time', async () => {
        const store = await open();
        const early = await deliver(store, 1);
        now += 60_000;
        await deliver(store, 2);
        expect(store.list({ before: new Date(now) }).items).toEqual([early]);
      });
    });

    describe('flags and tags', () => {
      it('counts unread messages and announces only real flag changes', async () => {
        const store = await open();
        const [a, b, c] = (await deliverEach(store, [1, 2, 3])) as [StoredMessage, StoredMessage, StoredMessage];
        const events = record(store, 'flags');
        const modseq = a.modseq;
        expect(await store.setFlags([a.id, b.id], 'add', ['\\Seen'])).toHaveLength(2);
        expect(store.stats().unread).toBe(1);
        expect(store.get(a.id)?.flags.has('\\Seen')).toBe(true);
        expect(store.get(a.id)?.modseq).toBeGreaterThan(modseq);
        expect(await store.setFlags([a.id], 'add', ['\\Seen'])).toEqual([]);
        expect(await store.setFlags([a.id, 'no-such-id'], 'remove', ['\\Seen'])).toHaveLength(1);
        expect(await store.setFlags([c.id], 'replace', ['\\Flagged', '\\Seen'])).toHaveLength(1);
        expect([...(store.get(c.id)?.flags ?? [])].sort()).toEqual(['\\Flagged', '\\Seen']);
        expect(store.stats().unread).toBe(1);
        expect(store.list({ limit: 0 }).matchedUnread).toBe(1);
        expect(events.map((e) => e.payload.messages.length)).toEqual([2, 1, 1]);
      });

      it('normalises tags, announces changes and lists every tag in use', async () => {
        const store = await open();
        const [a, b] = (await deliverEach(store, [1, 2])) as [StoredMessage, StoredMessage];
        const events = record(store, 'tags');
        await store.setTags([a.id], [' urgent ', 'billing', 'urgent', '']);
        expect(store.get(a.id)?.tags).toEqual(['billing', 'urgent']);
        expect(await store.setTags([a.id], ['urgent', 'billing'])).toEqual([]);
        await store.setTags([b.id], ['alpha']);
        expect(store.tags()).toEqual(['alpha', 'billing', 'urgent']);
        expect(events).toHaveLength(2);
      });
    });

    describe('removal', () => {
      it('removes by id with a reason, ignoring unknown ids', async () => {
        const store = await open();
        const [a, b] = (await deliverEach(store, [1, 2])) as [StoredMessage, StoredMessage];
        const events = record(store, 'removed');
        expect(await store.remove([a.id, 'nope', a.id], 'deleted')).toBe(1);
        expect(store.get(a.id)).toBeUndefined();
        expect(store.messages()).toEqual([b]);
        expect(events).toEqual([{ kind: 'removed', payload: { messages: [a], reason: 'deleted' } }]);
        expect(store.stats()).toEqual({ messages: 1, unread: 1, bytes: (await store.readRaw(b.id))?.length });
      });

      it('clears everything with one event and keeps numbering', async () => {
        const store = await open();
        const last = (await deliverEach(store, [1, 2, 3]))[2];
        const events = record(store, 'cleared', 'removed');
        expect(await store.clear()).toBe(3);
        expect(events).toEqual([{ kind: 'cleared', payload: { count: 3 } }]);
        expect(store.stats()).toEqual({ messages: 0, unread: 0, bytes: 0 });
        expect(store.folder('bob@blue.example', 'INBOX')?.entries).toEqual([]);
        expect((await deliver(store, 4)).seq).toBeGreaterThan(last?.seq ?? Infinity);
      });
    });

    describe('limits', () => {
      const prunedIds = (events: Array<{ payload: { messages: StoredMessage[]; reason: RemoveReason } }>) =>
        events.filter((e) => e.payload.reason === 'pruned').flatMap((e) => e.payload.messages.map((m) => m.id));

      it('prunes the oldest past the most messages and announces it', async () => {
        const store = await open({ maxMessages: 3 });
        const events = record(store, 'removed');
        const all = await deliverEach(store, 5);
        expect(store.messages()).toEqual(all.slice(2));
        expect(prunedIds(events)).toEqual(all.slice(0, 2).map((m) => m.id));
        expect(store.folder('bob@blue.example', 'INBOX')?.entries.map((e) => e.message)).toEqual(all.slice(2));
      });

      it('prunes the oldest past the most bytes, always keeping the newest', async () => {
        const size = mail(0).length;
        const store = await open({ maxBytes: size * 2 + 1 });
        const events = record(store, 'removed');
        const all = await deliverEach(store, 4);
        expect(store.messages()).toEqual(all.slice(2));
        expect(store.stats().bytes).toBe(size * 2);
        expect(prunedIds(events)).toEqual(all.slice(0, 2).map((m) => m.id));
        const huge = await store.deliver({ raw: Buffer.alloc(size * 10, 0x61), envelope: { mailFrom: 'a@red.example', rcptTo: ['b@blue.example'] } });
        expect(store.messages()).toEqual([huge]);
      });

      it('prunes when the limits are lowered, by the time flushed() resolves', async () => {
        const store = await open();
        const all = await deliverEach(store, 4);
        const events = record(store, 'removed');
        store.setLimits({ maxMessages: 1 });
        await store.flushed();
        expect(store.messages()).toEqual(all.slice(3));
        expect(prunedIds(events)).toHaveLength(3);
      });
    });

    describe('folders', () => {
      it("files each message in its recipients' INBOX and its sender's Sent, with per-folder UIDs", async () => {
        const store = await open();
        const filed = record(store, 'filed');
        const one = await deliver(store, 1, ['bob@blue.example', 'Carol@Blue.Example']);
        const two = await deliver(store, 2, ['bob@blue.example']);
        const bob = store.folder('bob@blue.example', 'INBOX');
        const carol = store.folder('carol@blue.example', 'inbox');
        const sent = store.folder('ALICE@red.example', 'Sent');
        expect(bob?.entries.map((e) => [e.uid, e.message])).toEqual([[1, one], [2, two]]);
        expect(bob?.uidNext).toBe(3);
        expect(carol?.entries.map((e) => [e.uid, e.message])).toEqual([[1, one]]);
        expect(carol?.uidNext).toBe(2);
        expect(sent?.entries.map((e) => e.message)).toEqual([one, two]);
        expect(store.folder('anything', 'INBOX')?.entries.map((e) => e.message)).toEqual([one, two]);
        expect(bob?.uidValidity).toBe(store.folder('bob@blue.example', 'INBOX')?.uidValidity);
        expect(filed.some((e) => e.payload.login === 'carol@blue.example' && e.payload.folder === 'INBOX')).toBe(true);
        expect(store.listFolders('dan@blue.example').map((f) => f.name)).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Drafts', 'Trash']));
      });

      it('removes a message that its only recipient expunges, and keeps one another recipient still holds', async () => {
        const store = await open();
        const single = await deliver(store, 1, ['bob@blue.example']);
        const shared = await deliver(store, 2, ['bob@blue.example', 'carol@blue.example']);
        const removed = record(store, 'removed');
        await store.expunge('bob@blue.example', 'INBOX', [1, 2]);
        expect(store.get(single.id)).toBeUndefined();
        expect(removed).toEqual([{ kind: 'removed', payload: { messages: [single], reason: 'expunged' } }]);
        expect(store.get(shared.id)).toBe(shared);
        expect(store.folder('carol@blue.example', 'INBOX')?.entries.map((e) => e.message)).toEqual([shared]);
        expect(store.folder('alice@red.example', 'Sent')?.entries.map((e) => e.message)).toEqual([shared]);
        await store.expunge('carol@blue.example', 'INBOX', [1]);
        expect(store.get(shared.id)).toBeUndefined();
      });

      it('keeps a message copied to another folder when it leaves the INBOX, and unfiles it everywhere on removal', async () => {
        const store = await open();
        const message = await deliver(store, 1, ['bob@blue.example']);
        const copied = await store.copyToFolder('bob@blue.example', 'Archive', [message]);
        expect(Array.isArray(copied) && copied.map((e) => e.uid)).toEqual([1]);
        expect(await store.copyToFolder('bob@blue.example', 'Nope', [message])).toBe('missing');
        await store.expunge('bob@blue.example', 'INBOX', [1]);
        expect(store.get(message.id)).toBe(message);
        const unfiled = record(store, 'unfiled');
        await store.remove([message.id], 'deleted');
        expect(store.folder('bob@blue.example', 'Archive')?.entries).toEqual([]);
        expect(unfiled.map((e) => e.payload.folder).sort()).toEqual(['Archive', 'INBOX', 'Sent']);
      });

      it('expunging in the catch-all INBOX deletes everywhere', async () => {
        const store = await open();
        const message = await deliver(store, 1, ['bob@blue.example', 'carol@blue.example']);
        await store.expunge('catchall', 'INBOX', [message.seq]);
        expect(store.get(message.id)).toBeUndefined();
        expect(store.folder('carol@blue.example', 'INBOX')?.entries).toEqual([]);
      });

      it("opens a login's standard folders once: announced when made, kept as they are after", async () => {
        const store = await open();
        const changes = record(store, 'folders');
        await store.openFolders('Kim@Blue.example');
        expect(changes).toEqual([{ kind: 'folders', payload: { login: 'kim@blue.example' } }]);
        const opened = store.listFolders('kim@blue.example').map((f) => [f.name, f.uidValidity, f.specialUse]);
        expect(opened).toContainEqual(['INBOX', expect.any(Number), expect.any(String)]);
        expect(opened.map(([, , use]) => use)).toEqual(expect.arrayContaining(['\\Sent', '\\Drafts', '\\Trash']));
        await store.openFolders('kim@blue.example');
        await store.flushed();
        expect(changes).toHaveLength(1);
        expect(store.listFolders('kim@blue.example').map((f) => [f.name, f.uidValidity, f.specialUse])).toEqual(opened);
      });

      it('creates, renames and deletes folders (RFC 3501 §6.3)', async () => {
        const store = await open();
        const changes = record(store, 'folders');
        const login = 'bob@blue.example';
        const created = await store.createFolder(login, 'Projects/2026');
        expect(typeof created === 'object' && created.name).toBe('Projects/2026');
        expect(store.folder(login, 'Projects')).toBeDefined();
        expect(await store.createFolder(login, 'Projects')).toBe('exists');
        expect(await store.createFolder(login, 'a//b')).toBe('invalid');
        for (const bad of ['a\rb', 'a\u0000b', 'x/\nInjected', 'del\u007f']) expect(await store.createFolder(login, bad)).toBe('invalid');
        const message = await deliver(store, 1, [login]);
        await store.copyToFolder(login, 'Projects/2026', [message]);
        const renamed = await store.renameFolder(login, 'Projects', 'Work');
        expect(typeof renamed === 'object' && renamed.name).toBe('Work');
        expect(store.folder(login, 'Work/2026')?.entries.map((e) => e.message)).toEqual([message]);
        expect(store.folder(login, 'Projects/2026')).toBeUndefined();
        expect(await store.renameFolder(login, 'Sent', 'Elsewhere')).toBe('protected');
        expect(await store.renameFolder(login, 'Work', 'Work/2026/Work')).toBe('invalid');
        expect(await store.renameFolder(login, 'Work', 'Work\r2')).toBe('invalid');
        // INBOX as the first level of a name is INBOX in any case (RFC 3501 §5.1).
        const underInbox = await store.createFolder(login, 'inbox/Done');
        expect(typeof underInbox === 'object' && underInbox.name).toBe('INBOX/Done');
        expect(store.folder(login, 'Inbox/Done')).toBeDefined();
        expect(store.listFolders(login).map((f) => f.name)).not.toContain('inbox');
        expect(store.folder(login, 'inboxes')).toBeUndefined();
        expect(await store.deleteFolder(login, 'INBOX')).toBe('protected');
        expect(await store.deleteFolder(login, 'Nope')).toBe('missing');
        // The message is still in the INBOX, so deleting the folder orphans nothing.
        expect(await store.deleteFolder(login, 'Work/2026')).toBeUndefined();
        expect(store.get(message.id)).toBe(message);
        expect(store.folder(login, 'Work/2026')).toBeUndefined();
        expect(changes.length).toBeGreaterThanOrEqual(3);
      });

      it('renaming INBOX moves its messages to the new folder and leaves INBOX empty', async () => {
        const store = await open();
        const login = 'bob@blue.example';
        const message = await deliver(store, 1, [login]);
        await store.renameFolder(login, 'INBOX', 'Old');
        expect(store.folder(login, 'INBOX')?.entries).toEqual([]);
        expect(store.folder(login, 'Old')?.entries.map((e) => e.message)).toEqual([message]);
        expect(store.get(message.id)).toBe(message);
        // The folder alone held it: deleting the folder removes it from the store (RFC 3501 §6.3.4).
        const removed = record(store, 'removed');
        expect(await store.deleteFolder(login, 'Old')).toBeUndefined();
        expect(store.get(message.id)).toBeUndefined();
        expect(removed).toEqual([{ kind: 'removed', payload: { messages: [message], reason: 'expunged' } }]);
      });

      it('moves entries between folders (RFC 6851), keeping what the catch-all INBOX moves out', async () => {
        const store = await open();
        const login = 'bob@blue.example';
        const [one, two] = await deliverEach(store, [1, 2]);
        const moved = await store.moveToFolder(login, 'INBOX', [2, 1, 9], 'Archive');
        expect(typeof moved === 'object' && moved.from).toEqual([2, 1]);
        expect(typeof moved === 'object' && moved.to.map((e) => [e.uid, e.message])).toEqual([[1, two], [2, one]]);
        expect(store.folder(login, 'INBOX')?.entries).toEqual([]);
        expect(store.get(one!.id)).toBe(one);
        expect(await store.moveToFolder(login, 'INBOX', [1], 'Nope')).toBe('missing');
        // Out of the catch-all's INBOX into a folder of its own: the message stays in the store.
        const fromCatchAll = await store.moveToFolder('catchall', 'INBOX', [two!.seq], 'Archive');
        expect(typeof fromCatchAll === 'object' && fromCatchAll.to.map((e) => e.message)).toEqual([two]);
        expect(store.get(two!.id)).toBe(two);
        expect(store.folder('catchall', 'INBOX')?.entries.map((e) => e.message)).toEqual([one]);
        // Only what left the source is reported as taken out of it.
        expect(typeof moved === 'object' && moved.left).toEqual([2, 1]);
        expect(typeof fromCatchAll === 'object' && fromCatchAll.left).toEqual([two!.seq]);
        const withinCatchAll = await store.moveToFolder('catchall', 'INBOX', [one!.seq], 'INBOX');
        expect(typeof withinCatchAll === 'object' && withinCatchAll.left).toEqual([]);
      });

      it('keeps subscriptions apart from folders (RFC 3501 §6.3.6–6.3.9) and creates special-use folders (RFC 6154)', async () => {
        const store = await open();
        const login = 'bob@blue.example';
        const drafts = await store.createFolder(login, 'Notes', '\\Drafts');
        expect(typeof drafts === 'object' && drafts.specialUse).toBe('\\Drafts');
        expect(await store.subscribeFolder(login, 'Notes', true)).toBe(true);
        expect(store.folder(login, 'Notes')?.subscribed).toBe(true);
        expect(await store.subscribeFolder(login, 'Nope', true)).toBe('missing');
        await store.deleteFolder(login, 'Notes');
        // A subscription outlives its folder, and can still be dropped.
        expect(store.subscriptions(login).has('Notes')).toBe(true);
        expect(await store.subscribeFolder(login, 'Notes', false)).toBe(true);
        expect(store.subscriptions(login).has('Notes')).toBe(false);
        expect(await store.subscribeFolder(login, 'Notes', false)).toBe('missing');
      });

      it('tells every folder a message is filed in', async () => {
        const store = await open();
        const message = await deliver(store, 1, ['bob@blue.example', 'carol@blue.example']);
        await store.copyToFolder('bob@blue.example', 'Archive', [message]);
        const places = store.placementsOf(message).map(({ login, folder, uid }) => `${login} ${folder} ${uid}`);
        expect(places).toEqual(expect.arrayContaining(['bob@blue.example INBOX 1', 'carol@blue.example INBOX 1', 'bob@blue.example Archive 1']));
      });

      it('hands out mod-sequences above every one given before (RFC 7162 §3.1)', async () => {
        const store = await open();
        const message = await deliver(store, 1);
        const start = store.modseq;
        expect(start).toBeGreaterThanOrEqual(message.modseq);
        const expunge = await store.nextModseq();
        expect(expunge).toBeGreaterThan(start);
        expect(store.modseq).toBe(expunge);
        expect(await store.nextModseq(10)).toBeGreaterThanOrEqual(expunge + 10);
        const [changed] = await store.setFlags([message.id], 'add', ['\\Flagged']);
        expect(changed?.modseq).toBeGreaterThan(expunge + 9);
      });

      it('serves the exact bytes of a message through readRaw until it is gone', async () => {
        const store = await open();
        const message = await deliver(store, 1);
        expect((await store.readRaw(message.id))?.equals(mail(1))).toBe(true);
        expect(message.size).toBe(mail(1).length);
        await store.remove([message.id]);
        expect(await store.readRaw(message.id)).toBeUndefined();
      });

      it('keeps UIDs increasing in a folder after removals (RFC 3501 §2.3.1.1)', async () => {
        const store = await open();
        const login = 'bob@blue.example';
        // Opened by a client, as one that saw these UIDs did: the folders stay when empty.
        await store.openFolders(login);
        await deliver(store, 1, [login]);
        await deliver(store, 2, [login]);
        await store.expunge(login, 'INBOX', [2]);
        const third = await deliver(store, 3, [login]);
        expect(store.folder(login, 'INBOX')?.entries.map((e) => [e.uid, e.message.id])).toEqual([[1, expect.any(String)], [3, third.id]]);
        await store.clear();
        expect(store.folder(login, 'INBOX')?.uidNext).toBe(4);
      });
    });

    describe('forgetting logins no client opened', () => {
      it('forgets the folders of a recipient and a sender once their last message leaves, and makes them anew with a greater UIDVALIDITY', async () => {
        const store = await open();
        const announced = record(store, 'folders');
        const first = await deliver(store, 1, ['dan@blue.example'], 'erin@red.example');
        const old = store.folder('dan@blue.example', 'INBOX');
        expect(old?.entries.map((e) => e.message.id)).toEqual([first.id]);
        expect(store.hasFolders('erin@red.example')).toBe(true);
        await store.remove([first.id]);
        expect(store.hasFolders('dan@blue.example')).toBe(false);
        expect(store.hasFolders('erin@red.example')).toBe(false);
        expect(announced.map((e) => e.payload.login)).toEqual(expect.arrayContaining(['dan@blue.example', 'erin@red.example']));
        // An expunge naming a forgotten login (a late client, a replayed record) makes no folders.
        await store.expunge('dan@blue.example', 'INBOX', [1]);
        expect(store.hasFolders('dan@blue.example')).toBe(false);
        // The catch-all is never forgotten.
        expect(store.hasFolders('anyone')).toBe(true);
        const again = await deliver(store, 2, ['dan@blue.example']);
        const made = store.folder('dan@blue.example', 'INBOX');
        expect(made?.entries.map((e) => [e.uid, e.message.id])).toEqual([[1, again.id]]);
        expect(made?.uidValidity).toBeGreaterThan(old?.uidValidity as number);
      });

      it('keeps the folders of only the logins that the messages it holds name, however many came and went', async () => {
        const store = await open({ maxMessages: 3 });
        for (let n = 0; n < 40; n++) await deliver(store, n, [`to${n}@blue.example`], `from${n}@red.example`);
        const kept = Array.from({ length: 40 }, (_, n) => n).filter((n) => store.hasFolders(`to${n}@blue.example`) || store.hasFolders(`from${n}@red.example`));
        expect(kept).toEqual([37, 38, 39]);
      });

      it('keeps a login a client opened, empty or not, with its UIDs going on', async () => {
        const store = await open();
        await store.openFolders('Carol@Blue.Example');
        const first = await deliver(store, 1, ['carol@blue.example']);
        const validity = store.folder('carol@blue.example', 'INBOX')?.uidValidity;
        await store.remove([first.id]);
        await store.clear();
        expect(store.hasFolders('carol@blue.example')).toBe(true);
        await deliver(store, 2, ['carol@blue.example']);
        const inbox = store.folder('carol@blue.example', 'INBOX');
        expect(inbox?.uidValidity).toBe(validity);
        expect(inbox?.entries.map((e) => e.uid)).toEqual([2]);
      });

      it('closes a login the last client left: forgotten now if empty or once its mail has left, kept if a client made folders or subscriptions there', async () => {
        const store = await open();
        await store.openFolders('kim@blue.example');
        await store.closeFolders('kim@blue.example');
        expect(store.hasFolders('kim@blue.example')).toBe(false);
        await store.openFolders('lee@blue.example');
        const held = await deliver(store, 1, ['lee@blue.example']);
        await store.closeFolders('lee@blue.example');
        expect(store.hasFolders('lee@blue.example')).toBe(true);
        await store.remove([held.id]);
        expect(store.hasFolders('lee@blue.example')).toBe(false);
        await store.openFolders('max@blue.example');
        expect(await store.createFolder('max@blue.example', 'Projects')).toMatchObject({ name: 'Projects' });
        await store.closeFolders('max@blue.example');
        await store.openFolders('ned@blue.example');
        expect(await store.subscribeFolder('ned@blue.example', 'Junk', false)).toBe(true);
        await store.closeFolders('ned@blue.example');
        const both = await deliver(store, 2, ['max@blue.example', 'ned@blue.example']);
        await store.remove([both.id]);
        expect([store.hasFolders('max@blue.example'), store.hasFolders('ned@blue.example')]).toEqual([true, true]);
        // Closing what is not opened, or the catch-all, changes nothing.
        await store.closeFolders('nobody@blue.example');
        await store.closeFolders('anyone');
        expect([store.hasFolders('nobody@blue.example'), store.hasFolders('anyone')]).toEqual([false, true]);
      });

      it('keeps a login once a client opens it, even if mail made its folders first', async () => {
        const store = await open();
        const first = await deliver(store, 1, ['frank@blue.example']);
        const validity = store.folder('frank@blue.example', 'INBOX')?.uidValidity;
        await store.openFolders('frank@blue.example');
        await store.expunge('frank@blue.example', 'INBOX', [1]);
        expect(store.get(first.id)).toBeUndefined();
        expect(store.folder('frank@blue.example', 'INBOX')?.uidValidity).toBe(validity);
      });
    });

    describe('body search', () => {
      /** A message whose body the indexer summarised as `text` (what it hands setBody). */
      const indexed = async (store: MailStore, n: number, text: string) => {
        const message = await deliver(store, n);
        await store.setBody(message.id, summaryOfText(text, 0, 0));
        return message.id;
      };
      /** The ids a Mailpit search finds, newest first, asked as the API asks (searchIn). */
      const found = async (store: MailStore, query: string) => {
        const search = await searchIn(store, query);
        if (!search.ok) throw new Error(search.error);
        return store.list({ limit: 0, filter: search.filter }).items.map((m) => m.id);
      };

      it('finds a phrase across a line break, whatever its case and white space', async () => {
        const store = await open();
        const broken = await indexed(store, 1, 'Dear Bob,\r\n\r\nThe Invoice\r\n\t  Number is 42.');
        const comma = await indexed(store, 2, 'the invoice, number 42');
        expect(await found(store, '"invoice number"')).toEqual([broken]);
        expect(await found(store, 'INVOICE "number is 42"')).toEqual([broken]);
        expect(await found(store, '-"invoice number" invoice')).toEqual([comma]);
      });

      it('folds non-ASCII text the same way (Unicode case, composed and decomposed letters)', async () => {
        const store = await open();
        // The body spells ü decomposed (u + U+0308), the search composed; É upper, é lower.
        const german = await indexed(store, 1, 'Grüße aus Ko\u0308ln und ÉCOLE');
        const greek = await indexed(store, 2, 'ΚΑΛΗΜΈΡΑ κόσμε');
        expect(await found(store, 'köln')).toEqual([german]);
        expect(await found(store, 'GRÜSSE')).toEqual([]);
        expect(await found(store, 'grüße')).toEqual([german]);
        expect(await found(store, '"und école"')).toEqual([german]);
        expect(await found(store, 'καλημέρα')).toEqual([greek]);
        expect(await found(store, 'ü')).toEqual([german]);
      });

      it('takes %, _ and \\ in a needle as themselves', async () => {
        const store = await open();
        const percent = await indexed(store, 1, 'rate 100% done');
        await indexed(store, 2, 'rate 100x done, 1000 done');
        const underscore = await indexed(store, 3, 'snake_case');
        await indexed(store, 4, 'snakeXcase');
        const backslash = await indexed(store, 5, 'C:\\temp\\x');
        expect(await found(store, '100%')).toEqual([percent]);
        expect(await found(store, '"0% d"')).toEqual([percent]);
        expect(await found(store, 'e_c')).toEqual([underscore]);
        expect(await found(store, 'c:\\temp')).toEqual([backslash]);
        expect(await found(store, '\\x')).toEqual([backslash]);
        expect(await found(store, '%')).toEqual([percent]);
        expect(await found(store, '_')).toEqual([underscore]);
      });

      it('searches a body holding characters a database text type refuses (U+0000)', async () => {
        const store = await open();
        const id = await indexed(store, 1, 'before\u0000after');
        expect(await found(store, 'after')).toEqual([id]);
        expect(await found(store, 'before\u0000after')).toEqual([id]);
      });

      it('finds nothing of a message not indexed yet, nor of one removed', async () => {
        const store = await open();
        await deliver(store, 1);
        const kept = await indexed(store, 2, 'quarterly report');
        const removed = await indexed(store, 3, 'quarterly report');
        expect(await found(store, 'quarterly')).toEqual([removed, kept]);
        await store.remove([removed]);
        expect(await found(store, 'quarterly')).toEqual([kept]);
      });

      it('finds nothing of what was cleared, and the new messages after', async () => {
        const store = await open();
        await indexed(store, 1, 'weekly digest');
        await store.clear();
        expect(await found(store, 'digest')).toEqual([]);
        const after = await indexed(store, 2, 'weekly digest');
        expect(await found(store, 'digest')).toEqual([after]);
      });

      it('replaces the text when a body is indexed again', async () => {
        const store = await open();
        const id = await indexed(store, 1, 'first draft');
        await store.setBody(id, summaryOfText('final version', 0, 0));
        expect(await found(store, 'draft')).toEqual([]);
        expect(await found(store, 'final')).toEqual([id]);
      });
    });
  });
}
