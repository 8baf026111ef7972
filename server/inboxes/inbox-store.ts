import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import type { Delivery } from '../store/delivery.js';
import { makeDurable, type Durable } from '../store/journal/durable-store.js';
import type { MailStore } from '../store/mail-store.js';
import { MemoryStore } from '../store/memory-store.js';
import type { OpenDatabaseStore } from '../store/shared-store.js';
import type { StoreLimits } from '../store/types.js';

/**
 * One inbox's store: journaled under `<data-dir>/inboxes/<name>/` when there is a data
 * directory; with --database, the inbox's store in the database, shared by every node.
 */
export interface InboxStore {
  readonly store: MailStore;
  /** Resolves once the journal is open (at once without a data directory); rejects if it cannot be. */
  readonly ready: Promise<void>;
  /** Closes the journal; with `discard` its folder goes too (the inbox and its mail are gone). */
  close(discard: boolean): Promise<void>;
  /** False once the inbox's journal refused a write (Durable.writable); a database answers for itself (/readyz). */
  writable(): boolean;
}

export function inboxFolder(dataDir: string, name: string): string {
  return join(dataDir, 'inboxes', name);
}

/**
 * `fresh`: an inbox made now (admin API), whose folder, if one is left from an inbox of
 * the same name removed while the process was down, is emptied first. Nothing may be
 * delivered before `ready`: the journal's first snapshot would miss it (see gatedDelivery).
 */
export function openInboxStore(options: {
  name: string;
  limits: StoreLimits;
  clock: () => Date;
  dataDir: string | null;
  /** With --database (then there is no data directory). */
  database?: OpenDatabaseStore | undefined;
  fresh: boolean;
  logger: Logger;
  /** The removal of an inbox of the same name still emptying the folder: waited for first. */
  after?: Promise<void>;
}): InboxStore {
  const { name, dataDir, logger } = options;
  if (options.database) return openDatabaseInbox(options.database, options);
  const store = new MemoryStore({ limits: options.limits, clock: options.clock });
  if (!dataDir) return { store, ready: Promise.resolve(), close: () => Promise.resolve(), writable: () => true };
  const folder = inboxFolder(dataDir, name);
  const log = logger.child({ inbox: name });
  const opening: Promise<Durable> = (options.after ?? Promise.resolve())
    .then(() => (options.fresh ? rm(folder, { recursive: true, force: true }) : undefined))
    .then(() => makeDurable(store, folder, log));
  let durable: Durable | undefined;
  const ready = opening.then((opened) => void (durable = opened));
  ready.catch((error: unknown) => log.error('cannot open the journal of an inbox; its mail is refused until restart', { error }));
  return {
    store,
    ready,
    writable: () => durable?.writable() ?? true,
    async close(discard) {
      const durable = await opening.catch(() => undefined);
      await durable?.close();
      if (discard) await rm(folder, { recursive: true, force: true });
    },
  };
}

/**
 * An inbox's store in the database, loaded in the background (deliveries wait for it,
 * see gatedDelivery). A `fresh` inbox starts empty: mail an earlier inbox of that name
 * left in the database goes. Discarding the inbox is its removal by the directory,
 * which clears the store first, so every node sees the mail go.
 */
function openDatabaseInbox(open: OpenDatabaseStore, options: { name: string; limits: StoreLimits; fresh: boolean; logger: Logger; after?: Promise<void> }): InboxStore {
  const { name } = options;
  const opened = open(name, options.limits);
  const log = options.logger.child({ inbox: name });
  const ready = (options.after ?? Promise.resolve())
    .then(() => opened.load())
    .then(async () => {
      if (options.fresh && opened.store.stats().messages > 0) await opened.store.clear();
    });
  ready.catch((error: unknown) => log.error('cannot load an inbox from the database; its mail is refused until restart', { error }));
  return { store: opened.store, ready, close: () => ready.catch(() => undefined).then(() => opened.close()), writable: () => true };
}

/**
 * An inbox's delivery that holds messages until its journal is open, so an inbox made
 * through the API takes mail at once and still acknowledges none before it is on disk
 * (RFC 5321 §6.1). Once open, it is the delivery itself.
 */
export function gatedDelivery(delivery: Delivery, ready: Promise<void>): Delivery {
  let open = false;
  void ready.then(
    () => (open = true),
    () => undefined,
  );
  const notSaved = { ok: false, refusal: { reason: 'not-saved' } } as const;
  return {
    maxSize: delivery.maxSize,
    tooLarge: (bytes) => delivery.tooLarge(bytes),
    deliver: (input) => (open ? delivery.deliver(input) : ready.then(() => delivery.deliver(input), () => notSaved)),
    deliverAll: (inputs) => (open ? delivery.deliverAll(inputs) : ready.then(() => delivery.deliverAll(inputs), () => notSaved)),
  };
}
