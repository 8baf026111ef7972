import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../server/store/memory-store.js';
import type { RemoveReason, StoredMessage } from '../../server/store/types.js';

/**
 * DESIGN.md "Deleting", as POP3 UPDATE applies it through `store.expunge(login, 'INBOX', uids)`:
 * an address login's deletion takes the message out of that login's INBOX, and a
 * message no counting placement holds leaves the store; the catch-all deletes everywhere.
 */
describe('the deletion rule behind POP3 DELE + QUIT', () => {
  function setup() {
    const store = new MemoryStore({ limits: { maxMessages: 0, maxBytes: 0 } });
    const removed: Array<{ ids: string[]; reason: RemoveReason }> = [];
    store.on('removed', ({ messages, reason }) => removed.push({ ids: messages.map((m) => m.id), reason }));
    const deliver = (to: string[], from = 'alice@red.com') =>
      store.deliver({ raw: Buffer.from(`Subject: ${to.join(',')}\r\n\r\nx\r\n`), envelope: { mailFrom: from, rcptTo: to } });
    const uid = (login: string, message: StoredMessage) => store.folder(login, 'INBOX')?.entries.find((e) => e.message === message)?.uid ?? -1;
    const inbox = (login: string) => store.folder(login, 'INBOX')?.entries.map((e) => e.message.id);
    return { store, removed, deliver, uid, inbox };
  }

  it('a message for one recipient leaves the store when that recipient deletes it', async () => {
    const { store, removed, deliver, uid } = setup();
    const message = await deliver(['bob@blue.com']);
    await store.expunge('bob@blue.com', 'INBOX', [uid('bob@blue.com', message)]);
    expect(store.get(message.id)).toBeUndefined();
    expect(removed).toEqual([{ ids: [message.id], reason: 'expunged' }]);
    // Its placement in the sender's Sent does not keep it (Sent is derived from MAIL FROM).
    expect(store.folder('alice@red.com', 'Sent')?.entries).toHaveLength(0);
  });

  it('a message for two recipients stays for the other one', async () => {
    const { store, removed, deliver, uid, inbox } = setup();
    const message = await deliver(['bob@blue.com', 'Carol@Blue.com']);
    await store.expunge('bob@blue.com', 'INBOX', [uid('bob@blue.com', message)]);
    expect(store.get(message.id)).toBeDefined();
    expect(inbox('bob@blue.com')).toEqual([]);
    expect(inbox('carol@blue.com')).toEqual([message.id]);
    expect(inbox('catch-all')).toEqual([message.id]);
    expect(removed).toEqual([]);
    await store.expunge('carol@blue.com', 'INBOX', [uid('carol@blue.com', message)]);
    expect(store.get(message.id)).toBeUndefined();
  });

  it('a recipient listed twice (in any case) holds the message once', async () => {
    const { store, deliver, uid } = setup();
    const message = await deliver(['bob@blue.com', 'BOB@blue.com']);
    expect(store.folder('bob@blue.com', 'INBOX')?.entries).toHaveLength(1);
    await store.expunge('bob@blue.com', 'INBOX', [uid('bob@blue.com', message)]);
    expect(store.get(message.id)).toBeUndefined();
  });

  it('a copy in another folder of the same login keeps the message', async () => {
    const { store, deliver, uid } = setup();
    const message = await deliver(['bob@blue.com']);
    await store.copyToFolder('bob@blue.com', 'Archive', [message]);
    await store.expunge('bob@blue.com', 'INBOX', [uid('bob@blue.com', message)]);
    expect(store.get(message.id)).toBeDefined();
    expect(store.folder('bob@blue.com', 'Archive')?.entries.map((e) => e.message.id)).toEqual([message.id]);
  });

  it('the catch-all deletes everywhere, like the web inbox', async () => {
    const { store, removed, deliver, uid, inbox } = setup();
    const message = await deliver(['bob@blue.com', 'carol@blue.com']);
    const other = await deliver(['dan@red.com']);
    await store.expunge('admin', 'INBOX', [uid('admin', message)]);
    expect(store.get(message.id)).toBeUndefined();
    expect(inbox('bob@blue.com')).toEqual([]);
    expect(inbox('carol@blue.com')).toEqual([]);
    expect(inbox('anyone')).toEqual([other.id]);
    expect(removed).toEqual([{ ids: [message.id], reason: 'expunged' }]);
  });

  it('expunging a UID twice, or one that never existed, changes nothing', async () => {
    const { store, removed, deliver, uid } = setup();
    const message = await deliver(['bob@blue.com', 'carol@blue.com']);
    const bobUid = uid('bob@blue.com', message);
    await store.expunge('bob@blue.com', 'INBOX', [bobUid]);
    await store.expunge('bob@blue.com', 'INBOX', [bobUid, 999]);
    expect(store.get(message.id)).toBeDefined();
    expect(removed).toEqual([]);
  });
});
