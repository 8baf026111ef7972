import type { FrontContext } from '../front.js';
import type { Logger } from '../lib/log.js';
import type { ParseCache } from '../derived/parse-cache.js';
import type { ReleaseService } from '../relay/release-service.js';
import type { Credentials } from '../security/auth-file.js';
import type { SpamChecker } from '../spam/spam-checker.js';
import type { Delivery } from '../store/delivery.js';
import type { MailStore } from '../store/mail-store.js';
import { SearchIndex } from '../store/search/search-index.js';
import type { Api } from './api.js';
import { EventsHub } from './events-hub.js';
import { Metrics, type FrontCounters } from './metrics.js';
import type { HttpConfig } from './options.js';
import { TagCounts } from './tag-counts.js';
import { Waiters } from './waiters.js';

/** What every root of one HTTP front shares: one parse cache and one spam check. */
export interface SharedParts {
  context: FrontContext;
  config: HttpConfig;
  logger: Logger;
  parsed: ParseCache;
  version: string;
  startedAt: Date;
  uiCredentials: Credentials | null;
  spam: SpamChecker | undefined;
  /** Requests, WebSockets and waiters of every root together. */
  counters: FrontCounters;
}

/** What one root serves: a store, how mail gets into it, its release service, its path. */
export interface RootSource {
  store: MailStore;
  delivery: Delivery;
  release: ReleaseService | undefined;
  webroot: string;
  /** What the web inbox shows as the instance label (webui's Label); default --label. */
  label?: string;
  /** The team inbox served, when it is one. */
  inbox?: string;
}

/** One Mailpit-compatible root: the API's pieces over one store, and its live event stream. */
export interface HttpRoot {
  readonly api: Api;
  readonly hub: EventsHub;
  /** Closes its WebSockets, saying `why` (EventsHub.close), and lets go of the store's events. */
  stop(why?: string): void;
}

/**
 * The API and WebSocket hub over one store. Its metrics count that store only, so an
 * inbox's /api/v1/info shows its own totals, never the sandbox's. Without --inboxes there is one root at the
 * webroot; with them, one per inbox (made on first use) and one over every inbox.
 * The parse cache is shared: it keys entries by message id, which the all-inboxes
 * root shares with the inbox holding the message.
 */
export function createRoot(shared: SharedParts, source: RootSource): HttpRoot {
  const { store, release } = source;
  const { context, config, parsed } = shared;
  const metrics = new Metrics(store, context.activity, shared.counters);
  const api: Api = {
    store,
    delivery: source.delivery,
    config: { ...config, webroot: source.webroot, label: source.label ?? config.label },
    logger: shared.logger,
    clock: context.clock,
    metrics,
    parsed,
    waiters: new Waiters(store),
    tags: new TagCounts(store),
    search: new SearchIndex(store),
    startedAt: shared.startedAt,
    version: shared.version,
    uiCredentials: shared.uiCredentials,
    chaos: context.chaos,
    ...(release && { release }),
    ...(source.inbox !== undefined && { inbox: source.inbox }),
    ...(context.listeners && { listeners: context.listeners }),
    ...(context.ready && { ready: context.ready }),
    ...(shared.spam && { spam: shared.spam }),
  };
  const hub = new EventsHub({ store, metrics, ...(release && { release }), version: shared.version, maxBuffered: config.wsMaxBuffer });
  const unsubscribe = [
    store.on('removed', ({ messages }) => messages.forEach((m) => parsed.forget(m.id))),
  ];
  return {
    api,
    hub,
    stop(why) {
      hub.close(why);
      api.waiters.stop();
      api.tags.stop();
      api.search.stop();
      metrics.stop();
      for (const off of unsubscribe) off();
    },
  };
}
