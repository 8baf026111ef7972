import type { MailStore } from '../../../server/store/mail-store.js';
import type { StoreEvents } from '../../../server/store/types.js';

const EVENTS: Array<keyof StoreEvents> = ['delivered', 'indexed', 'flags', 'tags', 'removed', 'cleared', 'filed', 'unfiled', 'folders'];

/** What every node of one sandbox must agree on, in a comparable shape (logins given: reading a login's folders makes them). */
export function clusterPicture(store: MailStore, logins: string[]) {
  return {
    messages: store.messages().map((m) => ({
      id: m.id,
      seq: m.seq,
      size: m.size,
      envelope: m.envelope,
      receivedAt: m.receivedAt.getTime(),
      subject: m.summary.subject,
      flags: [...m.flags].sort(),
      tags: m.tags,
      modseq: m.modseq,
      body: m.body,
    })),
    folders: logins.map((login) =>
      store.listFolders(login).map((f) => ({
        name: f.name,
        uidValidity: f.uidValidity,
        uidNext: f.uidNext,
        subscribed: f.subscribed,
        entries: f.entries.map((e) => [e.uid, e.message.id, e.counts]),
      })),
    ),
    subscriptions: logins.map((login) => [...store.subscriptions(login)].sort()),
    stats: store.stats(),
    modseq: store.modseq,
  };
}

/** Resolves once `ready()` holds, checking now and after each event the store announces. */
export function until(store: MailStore, ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (ready()) return resolve();
    const offs = EVENTS.map((event) =>
      store.on(event, () => {
        if (!ready()) return;
        offs.forEach((off) => off());
        resolve();
      }),
    );
  });
}
