import type { MemoryStore } from '../../../server/store/memory-store.js';
import { storedBytes } from '../../helpers/stored-bytes.js';

/** Everything a restart must keep, in a comparable shape. */
export async function picture(store: MemoryStore) {
  const raws = await storedBytes(store);
  return {
    messages: store.messages().map((m, i) => ({
      id: m.id,
      seq: m.seq,
      raw: raws[i]?.toString('base64'),
      envelope: m.envelope,
      receivedAt: m.receivedAt.getTime(),
      flags: [...m.flags].sort(),
      tags: m.tags,
      modseq: m.modseq,
    })),
    folders: Object.fromEntries(
      store.folders.logins().map((login) => [
        login,
        store.folders.list(login).map((f) => ({
          name: f.name,
          uidValidity: f.uidValidity,
          uidNext: f.uidNext,
          subscribed: f.subscribed,
          entries: f.entries.map((e) => [e.uid, e.message.id, e.counts]),
        })),
      ]),
    ),
    subscriptions: Object.fromEntries(store.folders.logins().map((login) => [login, [...store.folders.subscriptions(login)].sort()])),
    opened: store.folders.logins().filter((login) => store.folders.opened(login)),
    stats: store.stats(),
  };
}
