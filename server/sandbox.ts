import { writeFile } from 'node:fs/promises';
import { frontConfigs, settleConfig, type Config } from './config.js';
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
import { createChaos } from './chaos/create-chaos.js';
import { createWebhooks } from './webhooks/webhook-service.js';

/** The outside world, injected so tests can replace it. */
export interface SandboxDeps {
  logger: Logger;
  clock: () => Date;
}

export interface Sandbox {
  readonly store: MailStore;
  readonly config: Config;
  /** The release service, when release is configured. */
  readonly release: ReleaseService | undefined;
  /** Binds every listener; resolves with their addresses. Idempotent. */
  start(): Promise<BoundListener[]>;
  /** Stops every front (open SMTP transactions get `graceMs` to finish). Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The bound listeners once started. */
  readonly listeners: readonly BoundListener[];
}

/** The composition root: one store, every front wired to it. */
export async function createSandbox(given: Config, deps: Partial<SandboxDeps> = {}): Promise<Sandbox> {
  const config = settleConfig(given);
  const logger = deps.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  const clock = deps.clock ?? (() => new Date());
  const store = new MemoryStore({ limits: { maxMessages: config.maxMessages, maxBytes: config.maxBytes }, clock });
  const tls: TlsMaterial | null = await loadTls({
    mode: config.smtpTls,
    certFile: config.smtpTlsCert,
    keyFile: config.smtpTlsKey,
    hostname: config.hostname,
    option: '--smtp-tls',
  });
  const durable = config.dataDir ? await makeDurable(store, config.dataDir, logger) : undefined;
  const credentials: Credentials | null = config.smtpAuthFile ? await loadAuthFile(config.smtpAuthFile) : null;
  const delivery = new DeliveryService({ store, maxSize: config.smtpMaxSize, logger });
  const slices = frontConfigs(config);
  const context: FrontContext = { store, delivery, logger, tls, credentials, clock, activity: new Activity(), listeners: () => listeners, chaos: createChaos(slices.chaos) };
  // Each front is built from the shared context; a front whose listeners are all off is null.
  // Release comes first: the HTTP front is handed its service (the one http → relay edge).
  const relay = createRelayFront(context, slices.relay);
  const fronts = [
    createMailProcessing(context),
    createHttpFront(context, slices.http, relay?.service),
    createSmtpFront(context, slices.smtp),
    relay,
    createPop3Front(context, slices.pop3),
    createImapFront(context, slices.imap),
    createWebhooks(context, slices.webhooks),
  ].filter((front): front is Front => front !== null);

  let listeners: BoundListener[] = [];
  let starting: Promise<BoundListener[]> | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (graceMs = 10_000) => {
    stopping ??= Promise.all(fronts.map((front) => front.stop(graceMs))).then(() => durable?.close());
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
      if (config.portsFile) await writeFile(config.portsFile, JSON.stringify(portsJson(listeners), null, 2) + '\n');
      return listeners;
    })();
    return starting;
  };

  return {
    store,
    config,
    release: relay?.service,
    start,
    stop,
    get listeners() {
      return listeners;
    },
  };
}

/** `{ "smtp": { "host": …, "port": … }, "http": { …, "scheme": "https" }, … }`, the shape of --ports-file. */
export function portsJson(listeners: readonly BoundListener[]): Record<string, { host: string; port: number; scheme?: string }> {
  return Object.fromEntries(listeners.map((l) => [l.name, { host: l.host, port: l.port, ...(l.scheme && { scheme: l.scheme }) }]));
}
