import { mkdir, writeFile } from 'node:fs/promises';
import { frontConfigs, settleConfig, type Config, type FrontConfigs } from './config.js';
import { OptionError } from './lib/options.js';
import type { BoundListener, Front, FrontContext } from './front.js';
import { Activity } from './lib/activity.js';
import { createLogger, type Logger } from './lib/log.js';
import { loadTls, type TlsMaterial } from './lib/tls.js';
import { loadAuthFile, type Credentials } from './security/auth-file.js';
import { createPop3Front } from './pop3/pop3-front.js';
import { createRelayFront } from './relay/relay-front.js';
import type { ReleaseService } from './relay/release-service.js';
import { createImapFront } from './imap/imap-front.js';
import { createSmtpFront } from './smtp/smtp-front.js';
import { createHttpFront } from './http/http-front.js';
import { createMailProcessing } from './derived/body-indexer.js';
import { makeDurable } from './store/journal/durable-store.js';
import { DeliveryService } from './store/delivery.js';
import type { MailStore } from './store/mail-store.js';
import { MemoryStore } from './store/memory-store.js';
import type { DatabaseStore } from './store/shared-store.js';
import { createChaos } from './chaos/create-chaos.js';
import { createWebhooks } from './webhooks/webhook-service.js';
import type { ManagedInboxDirectory } from './inboxes/directory.js';
import { startInboxesMode, type InboxesMode } from './inboxes/inboxes-mode.js';

/** The outside world, injected so tests can replace it. */
export interface SandboxDeps {
  logger: Logger;
  clock: () => Date;
}

export interface Sandbox {
  readonly store: MailStore;
  readonly config: Config;
  /** The release service, when release is configured (without --inboxes; each inbox has its own). */
  readonly release: ReleaseService | undefined;
  /** With --inboxes: the inboxes, their users and routing. */
  readonly inboxes?: ManagedInboxDirectory;
  /** Re-reads the --inboxes file (SIGHUP); false when it is refused (the configuration in force is kept) or there is none. */
  reloadInboxes(): Promise<boolean>;
  /** Binds every listener; resolves with their addresses. Idempotent. */
  start(): Promise<BoundListener[]>;
  /** Stops every front (open SMTP transactions get `graceMs` to finish). Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The bound listeners once started. */
  readonly listeners: readonly BoundListener[];
}

/** Makes --data-dir if need be; a path that is a file, or that cannot be made, is an OptionError naming it. */
async function dataDirOf(path: string): Promise<void> {
  await mkdir(path, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new OptionError(`--data-dir: cannot keep mail in ${path}: ${error.code === 'EEXIST' || error.code === 'ENOTDIR' ? 'it, or a folder above it, is a file' : error.message}`);
  });
}

/** The composition root: one store, every front wired to it. */
export async function createSandbox(given: Config, deps: Partial<SandboxDeps> = {}): Promise<Sandbox> {
  const config = settleConfig(given);
  const logger = deps.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const clock = deps.clock ?? (() => new Date());
  const tls: TlsMaterial | null = await loadTls({
    mode: config.smtpTls,
    certFile: config.smtpTlsCert,
    keyFile: config.smtpTlsKey,
    hostname: config.hostname,
    option: '--smtp-tls',
  });
  const credentials: Credentials | null = config.smtpAuthFile ? await loadAuthFile(config.smtpAuthFile) : null;
  if (config.dataDir) await dataDirOf(config.dataDir);
  const slices = frontConfigs(config);
  const common = { logger, tls, credentials, clock, activity: new Activity(), listeners: () => listeners, chaos: createChaos(slices.chaos) };
  // --database: every node on it is one sandbox (the stores, /readyz and POP3's locks are the database's).
  // Loaded only then: a sandbox in memory needs no database client.
  const database = config.database
    ? await (await import('./store/shared-store.js')).connectSharedDatabase({ url: config.database, cacheBytes: config.cacheSize, logger, clock })
    : undefined;
  const limits = { maxMessages: config.maxMessages, maxBytes: config.maxBytes };
  let single: DatabaseStore | undefined;
  const abandon = async (error: unknown): Promise<never> => {
    await single?.close().catch(() => undefined);
    await database?.close().catch(() => undefined);
    throw error;
  };
  // With --inboxes every inbox is a store of its own with its own background services;
  // the fronts get the directory, the router and the union of all inboxes.
  const inboxes = config.inboxes ? await startInboxesMode(config, { ...common, ...(database && { releaseTables: database.releases }) }, database).catch(abandon) : undefined;
  single = database && !inboxes ? database.open('', limits) : undefined;
  await single?.load().catch(abandon);
  const store = inboxes?.store ?? single?.store ?? new MemoryStore({ limits, clock });
  const durable = config.dataDir && !inboxes && store instanceof MemoryStore ? await makeDurable(store, config.dataDir, logger) : undefined;
  const delivery = inboxes?.delivery ?? new DeliveryService({ store, maxSize: config.smtpMaxSize, logger });
  const context: FrontContext = {
    ...common,
    store,
    delivery,
    ...(inboxes && { inboxes: inboxes.directory }),
    ...(database && { ready: database.ready, locks: database.locks, releaseTables: database.releases }),
    // With --data-dir: not ready once a journal refused a write (the disk is full), until a restart.
    ...(durable && { ready: () => Promise.resolve(durable.writable()) }),
    ...(inboxes && config.dataDir && { ready: () => Promise.resolve(inboxes.directory.writable()) }),
  };
  // A front that cannot be built (a release setting refused) lets go of the stores and the database opened for it.
  const { relay, fronts } = await Promise.resolve()
    .then(() => buildFronts(context, slices, inboxes))
    .catch(async (error: unknown) => {
      await inboxes?.front.stop(0);
      await durable?.close();
      return abandon(error);
    });

  let listeners: BoundListener[] = [];
  let starting: Promise<BoundListener[]> | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (graceMs = 10_000) => {
    // The inboxes (their services and journals) close once no front can deliver to them.
    const [last, others] = [inboxes?.front, fronts.filter((front) => front !== inboxes?.front)];
    stopping ??= Promise.all(others.map((front) => front.stop(graceMs)))
      .then(() => last?.stop(graceMs))
      .then(() => durable?.close())
      .then(() => single?.close())
      .then(() => database?.close());
    return stopping;
  };

  const start = () => {
    starting ??= (async () => {
      try {
        const bound = await Promise.all(fronts.map((front) => front.start()));
        listeners = bound.flat();
      } catch (error) {
        await stop(0);
        throw error;
      }
      if (config.portsFile) {
        await writeFile(config.portsFile, JSON.stringify(portsJson(listeners), null, 2) + '\n').catch(async (error: unknown) => {
          // Whoever waits for the file would wait for ever: the start fails, saying why.
          await stop(0);
          throw new OptionError(`--ports-file: cannot write ${config.portsFile}: ${error instanceof Error ? error.message : String(error)}`);
        });
      }
      return listeners;
    })();
    return starting;
  };

  return {
    store,
    config,
    release: relay?.service,
    inboxes: inboxes?.directory,
    reloadInboxes: () => inboxes?.reloader.reload() ?? Promise.resolve(false),
    start,
    stop,
    get listeners() {
      return listeners;
    },
  };
}

/**
 * Each front built from the shared context; a front whose listeners are all off is null.
 * Release comes first: the HTTP front is handed its service (the one http → relay edge).
 * With inboxes, indexing, release and webhooks run per inbox (inbox-services.ts).
 */
function buildFronts(context: FrontContext, slices: FrontConfigs, inboxes: InboxesMode | undefined) {
  const relay = inboxes ? null : createRelayFront(context, slices.relay);
  const fronts = [
    inboxes ? inboxes.front : createMailProcessing(context),
    createHttpFront(context, slices.http, relay?.service),
    createSmtpFront(context, slices.smtp),
    relay,
    createPop3Front(context, slices.pop3),
    createImapFront(context, slices.imap),
    inboxes ? null : createWebhooks(context, slices.webhooks),
  ].filter((front): front is Front => front !== null);
  return { relay, fronts };
}

/** `{ "smtp": { "host": …, "port": … }, "http": { …, "scheme": "https" }, … }`, the shape of --ports-file. */
export function portsJson(listeners: readonly BoundListener[]): Record<string, { host: string; port: number; scheme?: string }> {
  return Object.fromEntries(listeners.map((l) => [l.name, { host: l.host, port: l.port, ...(l.scheme && { scheme: l.scheme }) }]));
}
