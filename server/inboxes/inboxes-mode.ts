/**
 * The sandbox with --inboxes: the directory built from the file, the routing delivery
 * the fronts use, and the reloads. The composition root (sandbox.ts) calls this
 * instead of building its one store.
 */
import { frontConfigs, type Config } from '../config.js';
import type { Front, FrontContext } from '../front.js';
import { releaseSettings } from '../relay/relay-front.js';
import type { Delivery } from '../store/delivery.js';
import type { MailStore } from '../store/mail-store.js';
import type { SharedDatabase } from '../store/shared-store.js';
import { createInboxDirectory, type ManagedInboxDirectory } from './directory.js';
import { inboxServices } from './inbox-services.js';
import { loadInboxesFile } from './inboxes-file.js';
import { inboxesReloader, type InboxesReloader } from './inboxes-reload.js';
import { routingDelivery } from './routing-delivery.js';
import { createUnionStore } from './union-store.js';

export interface InboxesMode {
  readonly directory: ManagedInboxDirectory;
  readonly delivery: Delivery;
  /** `context.store`: every inbox's mail, read-mostly (the admin "all inboxes" view, embedding). */
  readonly store: MailStore;
  readonly reloader: InboxesReloader;
  /** Watches the file while running; stopping closes every inbox (mail kept). */
  readonly front: Front;
}

/** Throws InboxesFileError for a file that is refused at start. */
export async function startInboxesMode(config: Config, shared: Omit<FrontContext, 'store' | 'delivery' | 'inboxes'>, database?: Pick<SharedDatabase, 'open' | 'inboxes'>): Promise<InboxesMode> {
  const slices = frontConfigs(config);
  // Checked once here rather than by each inbox's release service, halfway through opening them.
  releaseSettings(slices.relay);
  const file = await loadInboxesFile(config.inboxes);
  const logger = shared.logger.child({ service: 'inboxes' });
  const directory = await createInboxDirectory({
    file,
    logger,
    maxSize: config.smtpMaxSize,
    clock: shared.clock,
    dataDir: config.dataDir || null,
    ...(database && { database: database.open, registry: database.inboxes }),
    globalLimits: { maxMessages: config.maxMessages, maxBytes: config.maxBytes },
    services: inboxServices(shared, slices),
  });
  const union = createUnionStore(directory);
  const reloader = inboxesReloader(config.inboxes, directory, logger);
  return {
    directory,
    delivery: routingDelivery(directory, config.smtpMaxSize, logger),
    store: union,
    reloader,
    front: {
      name: 'inboxes',
      async start() {
        reloader.watch();
        return [];
      },
      async stop() {
        reloader.close();
        union.close();
        await directory.close();
      },
    },
  };
}
