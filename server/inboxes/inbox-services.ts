/**
 * The background services every inbox runs for its own store, as the sandbox runs them
 * for its one store without --inboxes: the body indexer, webhooks, and release (with
 * its own history, kept in the inbox's folder under --data-dir). They start when the
 * inbox appears and stop when it goes. Every indexer uses the process's one worker
 * pool (derived/worker-pool.ts).
 */
import type { FrontConfigs } from '../config.js';
import type { Front, FrontContext } from '../front.js';
import { createMailProcessing } from '../derived/body-indexer.js';
import { createRelayFront } from '../relay/relay-front.js';
import { createWebhooks } from '../webhooks/webhook-service.js';
import type { InboxServices, InboxServicesFactory } from './directory.js';
import { inboxFolder } from './inbox-store.js';

export function inboxServices(context: Omit<FrontContext, 'store' | 'delivery'>, slices: Pick<FrontConfigs, 'relay' | 'webhooks'>): InboxServicesFactory {
  return ({ name, store, delivery, ready }): InboxServices => {
    const logger = context.logger.child({ inbox: name });
    const inboxContext: FrontContext = { ...context, store, delivery, logger };
    const dataDir = slices.relay.dataDir ? inboxFolder(slices.relay.dataDir, name) : slices.relay.dataDir;
    const relay = createRelayFront(inboxContext, { ...slices.relay, dataDir }, name);
    const fronts = [createMailProcessing(inboxContext), relay, createWebhooks(inboxContext, slices.webhooks, name)].filter((f): f is Front => f !== null);
    // Release keeps its history in the inbox's folder: started once the inbox's journal has made it.
    const started = ready.then(() => Promise.all(fronts.map((front) => front.start()))).catch((error: unknown) => logger.error('starting the services of an inbox failed', { error }));
    return {
      release: relay?.service,
      async stop() {
        await started;
        await Promise.all(fronts.map((front) => front.stop(0)));
      },
    };
  };
}
