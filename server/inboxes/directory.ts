/**
 * The live inboxes of a sandbox (types.ts InboxDirectory): one store per inbox, the
 * users who may read them, routing, inboxes made and removed at run time (with a TTL),
 * and reloads of the file. The fronts ask it on every sign-in and request and keep no
 * copy, so a change here is seen at once.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { Logger } from '../lib/log.js';
import { TypedEmitter } from '../lib/typed-emitter.js';
import type { ReleaseService } from '../relay/release-service.js';
import { credentialsOf, type Credentials } from '../security/auth-file.js';
import { CheckedPasswords } from '../security/checked-passwords.js';
import { DeliveryService, type Delivery } from '../store/delivery.js';
import type { MailStore } from '../store/mail-store.js';
import type { OpenDatabaseStore } from '../store/shared-store.js';
import type { StoreLimits } from '../store/types.js';
import { localRegistry, wellFormedInboxes, type DynamicInbox, type DynamicInboxRegistry } from './dynamic-inboxes.js';
import { globalPruner } from './global-limits.js';
import { gatedDelivery, openInboxStore, type InboxStore } from './inbox-store.js';
import type { InboxesFile, InboxSpec } from './inboxes-file.js';
import { routingTable, type RoutingTable } from './router.js';
import { INBOX_NAME, type CreatedInbox, type CreateInboxError, type DirectoryEvents, type Inbox, type InboxDirectory, type Reader, type Route, type RouteInput } from './types.js';

/** Inboxes made through the admin API at once, at most: each holds a store and its services. */
export const MAX_DYNAMIC_INBOXES = 1_000;
/** bcrypt cost of a dynamic inbox's SMTP password: it is 24 random bytes, so the hash needs no strength of its own. */
const DYNAMIC_HASH_COST = 6;
/** Node's timers hold 32 bits of milliseconds; a longer TTL is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The background work of one inbox (body indexer, webhooks, release), started with it and stopped when it goes. */
export interface InboxServices {
  readonly release?: ReleaseService;
  stop(): Promise<void>;
}

/** `ready`: the inbox's journal is open (start nothing that writes in its folder before). */
export type InboxServicesFactory = (inbox: { name: string; store: MailStore; delivery: Delivery; ready: Promise<void> }) => InboxServices;

/** Timers, injected so tests can run a TTL out without waiting. */
export interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface InboxDirectoryOptions {
  file: InboxesFile;
  logger: Logger;
  /** Largest message each inbox takes (the settled --smtp-max-size: Infinity = none). */
  maxSize: number;
  clock?: () => Date;
  /** --data-dir: each inbox journaled under `<dir>/inboxes/<name>/`, dynamic inboxes listed beside them. */
  dataDir?: string | null;
  /** --max-messages / --max-bytes over all inboxes together (0 or Infinity = none). */
  globalLimits?: StoreLimits;
  services?: InboxServicesFactory;
  timers?: Timers;
  /** With --database: each inbox's store is the one of that name in the database. */
  database?: OpenDatabaseStore;
  /**
   * Where inboxes made through the admin API are kept (with --database, the database's
   * table, shared by every node); by default this process, and `dataDir` when given.
   */
  registry?: DynamicInboxRegistry;
}

/** The directory as the composition root holds it: reloads and shutdown besides the fronts' interface. */
export interface ManagedInboxDirectory extends InboxDirectory {
  /** The configuration now in force. */
  readonly file: InboxesFile;
  /** Applies a new file: inboxes gone are removed, new ones added, limits changed; routing and users swapped at once. */
  apply(file: InboxesFile): Promise<void>;
  /** Stops every inbox's services and closes the journals (mail kept). Idempotent. */
  close(): Promise<void>;
}

interface Live {
  inbox: Inbox;
  opened: InboxStore;
  services: InboxServices;
  /** Dynamic inboxes only. */
  saved?: DynamicInbox;
  offDelivered: () => void;
  timer?: unknown;
}

export async function createInboxDirectory(options: InboxDirectoryOptions): Promise<ManagedInboxDirectory> {
  const { logger, maxSize } = options;
  const clock = options.clock ?? (() => new Date());
  const dataDir = options.dataDir || null;
  const timers = options.timers ?? realTimers;
  const events = new TypedEmitter<DirectoryEvents>();
  const live = new Map<string, Live>();
  let file = options.file;
  // Kept across rebuilds: an inbox made or removed does not make every user check again.
  const checked = new CheckedPasswords();
  let readers: Credentials = credentialsOf(new Map(), checked);
  let smtp: Credentials = credentialsOf(new Map(), checked);
  let table: RoutingTable = routingTable(file, new Map());
  let closed = false;
  const registry = options.registry ?? localRegistry(dataDir, logger);
  /** Names this node is making, until the registry has said whether it got them. */
  const creating = new Set<string>();
  const pruneGlobally = globalPruner(options.globalLimits ?? { maxMessages: 0, maxBytes: 0 }, () => [...live.values()].map((l) => l.inbox.store), logger);

  /** Users, SMTP credentials and routing from the file and the dynamic inboxes now. */
  const rebuild = () => {
    readers = credentialsOf(new Map([...file.users.values()].map((u) => [u.name, u.password])), checked);
    const secrets = new Map<string, string>();
    const owners = new Map<string, string>();
    for (const l of live.values()) {
      if (l.saved) {
        secrets.set(l.saved.smtpUser, l.saved.smtpHash);
        owners.set(l.saved.smtpUser, l.saved.name);
      }
    }
    // A file credential wins over a dynamic one of the same user name (which holds 8 random hex digits, so only a file naming it can clash).
    for (const spec of file.inboxes.values()) {
      if (!live.has(spec.name)) continue;
      for (const { user, secret } of spec.smtp) {
        secrets.set(user, secret);
        owners.set(user, spec.name);
      }
    }
    smtp = credentialsOf(secrets, checked);
    // Only live inboxes route: a file inbox removed through the API takes nothing until the file is read again.
    const inboxes = new Map([...file.inboxes].filter(([name]) => live.has(name)));
    const unrouted = file.unrouted.refuse || live.has(file.unrouted.inbox) ? file.unrouted : ({ refuse: true } as const);
    table = routingTable({ ...file, inboxes, unrouted }, owners);
  };

  const limitsOf = (spec: InboxSpec | undefined): StoreLimits => ({ maxMessages: spec?.maxMessages ?? 0, maxBytes: spec?.maxBytes ?? 0 });

  /**
   * Opens an inbox's store and starts its services; `fresh` for one made now through the
   * API, whose store waits for `kept` (the registry has given it the name).
   */
  const open = (name: string, spec: InboxSpec | undefined, saved: DynamicInbox | undefined, fresh: boolean, kept?: Promise<unknown>): Live => {
    const before = removing.get(name);
    const after = kept ? Promise.all([before, kept]).then(() => undefined) : before;
    // Heard by the store's opening, which a store in memory has none of: this keeps a refusal from going unheard.
    after?.catch(() => undefined);
    const opened = openInboxStore({ name, limits: limitsOf(spec), clock, dataDir, database: options.database, fresh, logger, after });
    const delivery = gatedDelivery(new DeliveryService({ store: opened.store, maxSize, logger: logger.child({ inbox: name }) }), opened.ready);
    const services = options.services?.({ name, store: opened.store, delivery, ready: opened.ready }) ?? { stop: () => Promise.resolve() };
    const inbox: Inbox = {
      name,
      store: opened.store,
      delivery,
      release: services.release,
      expiresAt: saved?.expiresAt != null ? new Date(saved.expiresAt) : undefined,
      dynamic: saved !== undefined,
    };
    return { inbox, opened, services, saved, offDelivered: opened.store.on('delivered', pruneGlobally) };
  };

  const add = (entry: Live) => {
    live.set(entry.inbox.name, entry);
    if (entry.saved?.expiresAt != null) arm(entry, entry.saved.expiresAt);
    events.emit('added', { inbox: entry.inbox });
  };

  /** Removes the inbox after its TTL; a TTL past a timer's reach is waited for in steps. */
  const arm = (entry: Live, at: number) => {
    const left = at - clock().getTime();
    if (left <= 0) {
      queueMicrotask(() => {
        if (live.get(entry.inbox.name) === entry && remove(entry.inbox.name)) logger.info('an inbox expired and was removed', { inbox: entry.inbox.name });
      });
      return;
    }
    entry.timer = timers.setTimeout(() => arm(entry, at), Math.min(left, MAX_TIMER_MS));
  };

  /** Removed inboxes whose folders are still being emptied, by name: a new inbox of that name waits. */
  const removing = new Map<string, Promise<void>>();
  /** Saving the dynamic list and closing removed inboxes run on; close() waits for them. */
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const drop = async (entry: Live, discard: boolean) => {
    if (entry.timer !== undefined) timers.clearTimeout(entry.timer);
    entry.offDelivered();
    await entry.services.stop().catch((error: unknown) => logger.error('stopping the services of an inbox failed', { inbox: entry.inbox.name, error }));
    if (discard) await entry.inbox.store.clear().catch((error: unknown) => logger.error('emptying a removed inbox failed', { inbox: entry.inbox.name, error }));
    await entry.opened.close(discard).catch((error: unknown) => logger.error('closing the journal of an inbox failed', { inbox: entry.inbox.name, error }));
  };

  /** Takes an inbox out: gone from routing at once, `removed` announced, then its store closed, emptied first if `discard` says so. */
  const unlist = (entry: Live, discard: Promise<boolean>) => {
    const name = entry.inbox.name;
    live.delete(name);
    rebuild();
    events.emit('removed', { inbox: entry.inbox });
    const work = discard.then((empty) => drop(entry, empty));
    removing.set(name, work);
    track(work.finally(() => removing.get(name) === work && removing.delete(name)));
  };

  /**
   * Removes an inbox and its mail. An inbox made through the API is emptied by the node
   * whose removal took it out of the registry, so with several nodes (a TTL runs out on
   * each) its mail is emptied once.
   */
  const remove = (name: string): boolean => {
    const entry = live.get(name);
    if (!entry) return false;
    const forgotten = entry.saved
      ? registry.remove(entry.saved).catch((error: unknown) => {
          logger.error('cannot forget an inbox made through the API; it comes back while it is kept', { inbox: name, error });
          return false;
        })
      : Promise.resolve(true);
    unlist(entry, forgotten);
    return true;
  };

  /** Brings the inboxes made through the API in line with the registry: other nodes made or removed some. */
  const reconcile = (kept: readonly DynamicInbox[]) => {
    if (closed || !started) return;
    const byName = new Map(kept.map((inbox) => [inbox.name, inbox]));
    for (const entry of [...live.values()]) {
      const name = entry.inbox.name;
      // The node that removed it empties the mail; a new inbox of the same name has another SMTP user.
      if (entry.saved && !creating.has(name) && byName.get(name)?.smtpUser !== entry.saved.smtpUser) unlist(entry, Promise.resolve(false));
    }
    for (const inbox of kept) {
      if (!live.has(inbox.name) && !file.inboxes.has(inbox.name) && !creating.has(inbox.name)) add(open(inbox.name, undefined, inbox, false));
    }
    rebuild();
  };
  /** Entries of the registry that are not well formed (isDynamicInbox), told once each. */
  const refused = new Set<string>();
  /** The registry's inboxes that are well formed: a row another version or a hand wrote is left out and logged. */
  const listed = async () => wellFormedInboxes(await registry.list(), logger, {}, refused);
  /** Whether the inboxes of the start are in: before, the start's own reading of the registry is the one. */
  let started = false;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  const sync = () => {
    if (syncing) {
      syncAgain = true;
      return;
    }
    const work = (async () => {
      do {
        syncAgain = false;
        reconcile(await listed());
      } while (syncAgain && !closed);
    })()
      .catch((error: unknown) => logger.warn('cannot read the inboxes other nodes made; will try again', { error }))
      .finally(() => (syncing = undefined));
    syncing = work;
    track(work);
  };

  const readerSpec = (reader: Reader) => file.users.get(reader.name);

  const directory: ManagedInboxDirectory = {
    on: (event, listener) => events.on(event, listener),
    get file() {
      return file;
    },

    list: () => [...live.values()].map((l) => l.inbox).sort((a, b) => (a.name < b.name ? -1 : 1)),
    writable: () => [...live.values()].every((l) => l.opened.writable()),
    get: (name) => live.get(name)?.inbox,

    async signIn(user, password) {
      if (!(await readers.verify(user, password))) return undefined;
      const spec = file.users.get(user);
      return spec ? { name: spec.name, all: spec.all } : undefined;
    },
    readable(reader) {
      const spec = readerSpec(reader);
      if (!spec) return [];
      return directory.list().filter((inbox) => spec.all || spec.inboxes.includes(inbox.name));
    },
    mayRead(reader, name) {
      const spec = readerSpec(reader);
      return spec !== undefined && live.has(name) && (spec.all || spec.inboxes.includes(name));
    },
    readsAll: (reader) => readerSpec(reader)?.all === true,

    smtpSignIn: (user, password) => smtp.verify(user, password),
    route: (input: RouteInput): Route => table.route(input),

    create(name, ttlMs): CreatedInbox | CreateInboxError {
      if (closed) return { error: 'limit', text: 'the sandbox is stopping' };
      if (!INBOX_NAME.test(name)) return { error: 'invalid-name', text: 'an inbox name is a-z, 0-9 and "-", at most 63 characters, starting with a letter or digit' };
      if (live.has(name) || file.inboxes.has(name)) return { error: 'exists', text: `there is already an inbox named ${name}` };
      if ([...live.values()].filter((l) => l.saved).length >= MAX_DYNAMIC_INBOXES) return { error: 'limit', text: `at most ${MAX_DYNAMIC_INBOXES} inboxes can be made through the API` };
      if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) return { error: 'invalid-ttl', text: 'the TTL must be a positive whole number of milliseconds' };
      // The user name carries the inbox name for logs, and a random part so it never matches a file credential.
      const smtpUser = `${name}.${randomBytes(4).toString('hex')}`;
      const smtpPassword = randomBytes(24).toString('base64url');
      const saved: DynamicInbox = {
        name,
        smtpUser,
        smtpHash: bcrypt.hashSync(smtpPassword, DYNAMIC_HASH_COST),
        expiresAt: ttlMs === undefined ? null : clock().getTime() + ttlMs,
      };
      creating.add(name);
      const kept = registry.add(saved).finally(() => creating.delete(name));
      const entry = open(name, undefined, saved, true, kept.then((got) => {
        if (!got) throw new Error(`another node made an inbox named ${name} first`);
      }));
      add(entry);
      rebuild();
      void kept.then(
        (got) => {
          if (got || live.get(name) !== entry) return;
          // Another node took the name a moment before: its inbox (and credential) is the one.
          unlist(entry, Promise.resolve(false));
          sync();
        },
        (error: unknown) => {
          logger.error('cannot keep an inbox made through the API; it is removed', { inbox: name, error });
          if (live.get(name) === entry) unlist(entry, Promise.resolve(false));
        },
      );
      logger.info('an inbox was made', { inbox: name, ...(saved.expiresAt !== null && { expiresAt: new Date(saved.expiresAt).toISOString() }) });
      return { inbox: entry.inbox, smtpUser, smtpPassword, kept };
    },
    remove,

    async apply(next) {
      const clash = [...next.inboxes.keys()].find((name) => live.get(name)?.saved);
      if (clash !== undefined) throw new Error(`the inbox ${clash} was made through the API; remove it first to define it in the file`);
      const gone = [...live.values()].filter((l) => !l.saved && !next.inboxes.has(l.inbox.name));
      const added = [...next.inboxes.values()].filter((spec) => !live.has(spec.name));
      // New inboxes' journals are read before the inboxes go live, so nothing delivered races the replay.
      const opened = added.map((spec) => open(spec.name, spec, undefined, false));
      const failed = (await Promise.allSettled(opened.map((entry) => entry.opened.ready))).some((r) => r.status === 'rejected');
      if (failed || closed) {
        await Promise.all(opened.map((entry) => drop(entry, false)));
        if (failed) throw new Error('the journal of a new inbox could not be opened');
        return;
      }
      file = next;
      for (const spec of next.inboxes.values()) live.get(spec.name)?.inbox.store.setLimits(limitsOf(spec));
      for (const entry of opened) add(entry);
      rebuild();
      for (const entry of gone) remove(entry.inbox.name);
      events.emit('reloaded', {});
    },

    async close() {
      if (closed) return;
      closed = true;
      const all = [...live.values()];
      live.clear();
      await Promise.all([...all.map((entry) => drop(entry, false)), ...inFlight]);
      await registry.close();
    },
  };

  rebuild();
  // Listening first: an inbox another node makes while the list is read is heard of.
  await registry.watch?.(sync);
  const saved = await listed().catch(async (error: unknown) => {
    await registry.close();
    throw error;
  });
  const initial = [
    ...[...file.inboxes.values()].map((spec) => open(spec.name, spec, undefined, false)),
    ...saved.filter((s) => !file.inboxes.has(s.name)).map((s) => open(s.name, undefined, s, false)),
  ];
  const results = await Promise.allSettled(initial.map((entry) => entry.opened.ready));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.all(initial.map((entry) => drop(entry, false)));
    await registry.close();
    throw failure.reason;
  }
  for (const entry of initial) add(entry);
  rebuild();
  started = true;
  // What other nodes did while this one opened its inboxes.
  if (registry.watch) sync();
  return directory;
}
