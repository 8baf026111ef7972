import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { createInboxDirectory, type ManagedInboxDirectory } from '../../server/inboxes/directory.js';
import { parseInboxesFile } from '../../server/inboxes/inboxes-file.js';
import { createUnionStore } from '../../server/inboxes/union-store.js';
import { silentLogger } from '../../server/lib/log.js';
import type { MailStore } from '../../server/store/mail-store.js';
import type { StoredMessage, StoreEvents } from '../../server/store/types.js';
import { bytesOf } from '../helpers/stored-bytes.js';

let now = Date.UTC(2026, 11, 7, 9, 0, 0);
const clock = () => new Date(now);

let opened: ManagedInboxDirectory[] = [];
afterEach(async () => {
  await Promise.all(opened.map((d) => d.close()));
  opened = [];
});

/** A directory of the named inboxes (each with `maxMessages` of its own), and a way to reach each inbox's store. */
async function directoryOf(names: string[], maxMessages = 0) {
  const inboxes = Object.fromEntries(names.map((name) => [name, { recipients: [`*@${name}.test`], maxMessages }]));
  const directory = await createInboxDirectory({ file: parseInboxesFile(JSON.stringify({ inboxes })), logger: silentLogger, maxSize: Infinity, clock });
  opened.push(directory);
  const store = (name: string): MailStore => {
    const inbox = directory.get(name);
    if (!inbox) throw new Error(`no inbox ${name}`);
    return inbox.store;
  };
  return { directory, store };
}

const mail = (subject: string) => Buffer.from(`From: app@shop.test\r\nTo: bob@blue.test\r\nSubject: ${subject}\r\n\r\nbody of ${subject}\r\n`);

/** Delivers through the inbox's own store, a second apart, as routing would. */
async function send(store: MailStore, subject: string): Promise<StoredMessage> {
  now += 1000;
  return store.deliver({ raw: mail(subject), envelope: { mailFrom: 'app@shop.test', rcptTo: ['bob@blue.test'] } });
}

/** One recorded event, told apart by its kind. */
type Seen<K extends keyof StoreEvents> = { [P in K]: { kind: P; payload: StoreEvents[P] } }[K];

function record<K extends keyof StoreEvents>(store: MailStore, ...kinds: K[]): Array<Seen<K>> {
  const seen: Array<Seen<K>> = [];
  for (const kind of kinds) store.on(kind, (payload) => seen.push({ kind, payload } as Seen<K>));
  return seen;
}

const subjects = (messages: readonly StoredMessage[]) => messages.map((m) => m.summary.subject);

describe('the union of every inbox', () => {
  it('merges the inboxes oldest first and pages them newest first, with counts', async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    await send(store('shop'), 's1');
    await send(store('billing'), 'b1');
    await send(store('shop'), 's2');
    await send(store('billing'), 'b2');
    expect(subjects(union.messages())).toEqual(['s1', 'b1', 's2', 'b2']);
    expect(subjects(union.list({ limit: 3 }).items)).toEqual(['b2', 's2', 'b1']);
    expect(subjects(union.list({ start: 3, limit: 3 }).items)).toEqual(['s1']);
    expect(union.list({ limit: 1 })).toMatchObject({ matched: 4, matchedUnread: 4 });
    const filtered = union.list({ filter: (m) => m.summary.subject.startsWith('s') });
    expect(subjects(filtered.items)).toEqual(['s2', 's1']);
    expect(filtered.matched).toBe(2);
    expect(union.latest()?.summary.subject).toBe('b2');
    expect(union.latest((m) => m.summary.subject === 's1')?.summary.subject).toBe('s1');
    expect(union.stats()).toEqual({ messages: 4, unread: 4, bytes: ['s1', 'b1', 's2', 'b2'].reduce((n, s) => n + mail(s).length, 0) });
  });

  it('finds any inbox message by id with its inbox, and numbers messages across inboxes without a repeat', async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    const one = await send(store('shop'), 'one');
    const two = await send(store('billing'), 'two');
    // Each inbox numbers from 1; the union's numbers stay unique and increasing (wait-for's `after`).
    expect(one.seq).toBe(two.seq);
    const seqs = union.messages().map((m) => m.seq);
    expect(seqs[1]).toBeGreaterThan(seqs[0] ?? Infinity);
    const found = union.get(two.id);
    expect(found?.id).toBe(two.id);
    expect((await bytesOf(union, found))?.equals(mail('two'))).toBe(true);
    expect(found?.envelope).toEqual(two.envelope);
    expect(union.inboxOf(one.id)).toBe('shop');
    expect(union.inboxOf(two.id)).toBe('billing');
    expect(union.get('no-such-id')).toBeUndefined();
    expect((await union.readRaw(one.id))?.equals(mail('one'))).toBe(true);
    expect(await union.readRaw('no-such-id')).toBeUndefined();
  });

  it('merges what the inboxes already hold by arrival time', async () => {
    const { directory, store } = await directoryOf(['a', 'b', 'c']);
    await send(store('b'), 'first');
    await send(store('a'), 'second');
    await send(store('c'), 'third');
    await send(store('b'), 'fourth');
    const union = createUnionStore(directory);
    expect(subjects(union.messages())).toEqual(['first', 'second', 'third', 'fourth']);
    expect(union.inboxOf(union.messages()[0]?.id ?? '')).toBe('b');
  });

  it("re-announces every inbox's changes as its own", async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    const events = record(union, 'delivered', 'flags', 'tags', 'indexed', 'removed', 'cleared');
    const a = await send(store('shop'), 'a');
    const b = await send(store('billing'), 'b');
    await store('shop').setFlags([a.id], 'add', ['\\Seen']);
    await store('billing').setTags([b.id], ['invoice']);
    await store('billing').setBody(b.id, { snippet: 'hi', attachments: 0, inline: 0, searchText: 'hi' });
    await store('shop').remove([a.id]);
    expect(events.map((e) => e.kind)).toEqual(['delivered', 'delivered', 'flags', 'tags', 'indexed', 'removed']);
    const [delivered, , flags, tags, indexed, removed] = events;
    expect(delivered?.kind === 'delivered' && delivered.payload.message.id).toBe(a.id);
    expect(flags?.kind === 'flags' && flags.payload.messages.map((m) => [m.id, m.flags.has('\\Seen')])).toEqual([[a.id, true]]);
    expect(tags?.kind === 'tags' && tags.payload.messages.map((m) => [m.id, m.tags])).toEqual([[b.id, ['invoice']]]);
    expect(indexed?.kind === 'indexed' && indexed.payload.message.body?.snippet).toBe('hi');
    expect(removed?.kind === 'removed' && [removed.payload.reason, removed.payload.messages.map((m) => m.id)]).toEqual(['deleted', [a.id]]);
    expect(union.get(a.id)).toBeUndefined();
    // The message an event names is the one the union serves.
    expect(indexed?.kind === 'indexed' && indexed.payload.message).toBe(union.get(b.id));
  });

  it("follows an inbox's own limit: what it prunes leaves the union, announced as pruned", async () => {
    const { directory, store } = await directoryOf(['shop', 'billing'], 2);
    const union = createUnionStore(directory);
    const removed = record(union, 'removed');
    const first = await send(store('shop'), 's1');
    await send(store('billing'), 'b1');
    await send(store('shop'), 's2');
    await send(store('shop'), 's3');
    expect(subjects(union.messages())).toEqual(['b1', 's2', 's3']);
    expect(removed.map((e) => [e.payload.reason, e.payload.messages.map((m) => m.id)])).toEqual([['pruned', [first.id]]]);
  });

  it('makes each change in the inbox holding the message', async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    const a = await send(store('shop'), 'a');
    const b = await send(store('billing'), 'b');
    const c = await send(store('billing'), 'c');
    const changed = await union.setFlags([a.id, b.id, 'no-such-id', a.id], 'add', ['\\Seen']);
    expect(changed.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    expect(changed.every((m) => union.get(m.id) === m)).toBe(true);
    expect(store('shop').get(a.id)?.flags.has('\\Seen')).toBe(true);
    expect(store('billing').get(b.id)?.flags.has('\\Seen')).toBe(true);
    expect(union.stats().unread).toBe(1);
    expect(union.list({ limit: 1 }).matchedUnread).toBe(1);
    expect(await union.setFlags([a.id], 'add', ['\\Seen'])).toEqual([]);

    expect((await union.setTags([a.id, c.id], [' urgent ', 'ops'])).map((m) => m.tags)).toEqual([['ops', 'urgent'], ['ops', 'urgent']]);
    expect(store('billing').tags()).toEqual(['ops', 'urgent']);
    await store('billing').setTags([b.id], ['alpha']);
    expect(union.tags()).toEqual(['alpha', 'ops', 'urgent']);

    await union.setBody(c.id, { snippet: 'indexed', attachments: 1, inline: 0, searchText: 'indexed' });
    expect(store('billing').get(c.id)?.body?.attachments).toBe(1);

    expect(await union.remove([a.id, c.id, 'no-such-id'])).toBe(2);
    expect(store('shop').stats().messages).toBe(0);
    expect(store('billing').messages().map((m) => m.id)).toEqual([b.id]);
    expect(union.messages().map((m) => m.id)).toEqual([b.id]);
  });

  it('clears every inbox, announced as one cleared', async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    await send(store('shop'), 'a');
    await send(store('billing'), 'b');
    await send(store('billing'), 'c');
    const events = record(union, 'cleared', 'removed');
    expect(await union.clear()).toBe(3);
    expect(events).toEqual([{ kind: 'cleared', payload: { count: 3 } }]);
    expect(union.stats()).toEqual({ messages: 0, unread: 0, bytes: 0 });
    expect(store('shop').stats().messages + store('billing').stats().messages).toBe(0);
    // One inbox emptied on its own is, for the union, that inbox's messages removed.
    const kept = await send(store('shop'), 'kept');
    const gone = await send(store('billing'), 'gone');
    await store('billing').clear();
    expect(events.slice(1).map((e) => e.kind === 'removed' && e.payload.messages.map((m) => m.id))).toEqual([[gone.id]]);
    expect(union.messages().map((m) => m.id)).toEqual([kept.id]);
  });

  it('refuses new mail: it enters through routing', async () => {
    const { directory } = await directoryOf(['shop']);
    const union = createUnionStore(directory);
    await expect(union.deliver({ raw: mail('x'), envelope: { mailFrom: '', rcptTo: ['bob@blue.test'] } })).rejects.toThrow(/routing/);
    expect(union.stats().messages).toBe(0);
  });

  it('follows inboxes as they come and go', async () => {
    const { directory, store } = await directoryOf(['shop']);
    const union = createUnionStore(directory);
    const events = record(union, 'delivered', 'removed');
    const kept = await send(store('shop'), 'kept');
    directory.create('mr-1', undefined);
    const fresh = await send(store('mr-1'), 'fresh');
    expect(subjects(union.list().items)).toEqual(['fresh', 'kept']);
    expect(union.inboxOf(fresh.id)).toBe('mr-1');
    const gone = store('mr-1');
    directory.remove('mr-1');
    expect(union.messages().map((m) => m.id)).toEqual([kept.id]);
    expect(events.map((e) => e.kind)).toEqual(['delivered', 'delivered', 'removed']);
    expect(events[2]?.kind === 'removed' && events[2].payload.messages.map((m) => m.id)).toEqual([fresh.id]);
    // A removed inbox is no longer followed: nothing it does reaches the union.
    await send(gone, 'late');
    expect(events).toHaveLength(3);
    expect(union.stats().messages).toBe(1);
    union.close();
    await send(store('shop'), 'after close');
    expect(events).toHaveLength(3);
  });

  it('has no folders, and its mod-sequence is the highest of its inboxes', async () => {
    const { directory, store } = await directoryOf(['shop', 'billing']);
    const union = createUnionStore(directory);
    const a = await send(store('shop'), 'a');
    await send(store('billing'), 'b');
    await store('shop').setFlags([a.id], 'add', ['\\Flagged']);
    expect(union.modseq).toBe(Math.max(store('shop').modseq, store('billing').modseq));
    const next = await union.nextModseq(5);
    expect(next).toBeGreaterThanOrEqual(store('shop').modseq + 5);
    expect(union.modseq).toBe(next);
    expect(union.listFolders('bob@blue.test')).toEqual([]);
    expect(union.folder('bob@blue.test', 'INBOX')).toBeUndefined();
    expect(union.folderEntry('bob@blue.test', 'INBOX', 1)).toBeUndefined();
    expect(await union.createFolder('bob@blue.test', 'Work')).toBe('missing');
    expect(await union.copyToFolder('bob@blue.test', 'Work', union.messages())).toBe('missing');
    expect(await union.moveToFolder('bob@blue.test', 'INBOX', [1], 'Work')).toBe('missing');
    expect(union.placementsOf(union.messages()[0] as StoredMessage)).toEqual([]);
    await union.expunge('bob@blue.test', 'INBOX', [1]);
    expect(union.stats().messages).toBe(2);
    await union.flushed();
  });

  const LIMIT = 3;
  const step = fc.oneof(
    fc.record({ op: fc.constant('send' as const), inbox: fc.nat(2) }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), viaUnion: fc.boolean() }),
    fc.record({ op: fc.constant('clear' as const), inbox: fc.nat(2) }),
  );

  // Against a model (every message with its inbox, in arrival order): deliveries, each
  // inbox's own pruning at LIMIT, removals through the union or the inbox, an inbox emptied.
  test.prop([fc.array(step, { maxLength: 40 })], { numRuns: 60 })('keeps the merged order, pages and lookups equal to a model', async (steps) => {
    const names = ['a', 'b', 'c'];
    const { directory, store } = await directoryOf(names, LIMIT);
    const union = createUnionStore(directory);
    let model: Array<{ id: string; inbox: string }> = [];
    for (const s of steps) {
      if (s.op === 'send') {
        const inbox = names[s.inbox] as string;
        model.push({ id: (await send(store(inbox), `m${model.length}`)).id, inbox });
        const held = model.filter((m) => m.inbox === inbox);
        if (held.length > LIMIT) model = model.filter((m) => m !== held[0]);
      } else if (s.op === 'remove' && model.length > 0) {
        const gone = model[s.pick % model.length] as { id: string; inbox: string };
        expect(s.viaUnion ? await union.remove([gone.id]) : await store(gone.inbox).remove([gone.id])).toBe(1);
        model = model.filter((m) => m !== gone);
      } else if (s.op === 'clear') {
        await store(names[s.inbox] as string).clear();
        model = model.filter((m) => m.inbox !== names[s.inbox]);
      }
      const ids = model.map((m) => m.id);
      expect(union.messages().map((m) => m.id)).toEqual(ids);
      expect(union.list({ start: 1, limit: 2 }).items.map((m) => m.id)).toEqual([...ids].reverse().slice(1, 3));
      expect(union.stats().messages).toBe(ids.length);
      for (const m of model) expect(union.inboxOf(m.id)).toBe(m.inbox);
      const seqs = union.messages().map((m) => m.seq);
      expect(seqs.every((seq, i) => i === 0 || seq > (seqs[i - 1] as number))).toBe(true);
    }
  });
});
