import type { Hono } from 'hono';
import type { Chaos } from '../chaos/chaos.js';
import type { BoundListener } from '../front.js';
import type { Reader } from '../inboxes/types.js';
import type { Logger } from '../lib/log.js';
import type { ParseCache } from '../derived/parse-cache.js';
import type { ReleaseService } from '../relay/release-service.js';
import type { Credentials } from '../security/auth-file.js';
import type { SpamChecker } from '../spam/spam-checker.js';
import type { Delivery } from '../store/delivery.js';
import type { MailStore } from '../store/mail-store.js';
import type { SearchIndex } from '../store/search/search-index.js';
import type { StoreReadiness } from '../store/store-unavailable.js';
import type { Metrics } from './metrics.js';
import type { HttpConfig } from './options.js';
import type { TagCounts } from './tag-counts.js';
import type { Waiters } from './waiters.js';

/** What every route module is handed: the store and the HTTP front's shared pieces. */
export interface Api {
  store: MailStore;
  /** How POST /api/v1/send puts a message in the store, as SMTP does. */
  delivery: Delivery;
  config: HttpConfig;
  logger: Logger;
  parsed: ParseCache;
  metrics: Metrics;
  waiters: Waiters;
  tags: TagCounts;
  search: SearchIndex;
  clock: () => Date;
  startedAt: Date;
  version: string;
  /** Credentials for HTTP Basic auth (--ui-auth-file), or null when the UI is open. */
  uiCredentials: Credentials | null;
  /** Every bound listener of the instance, once started (the inbox shows where SMTP listens). */
  listeners?: () => readonly BoundListener[];
  /** SMTP fault injection, when enabled (routes/chaos.ts). */
  chaos?: Chaos;
  /** The release service, handed in by the composition root; absent when release is off. */
  release?: ReleaseService;
  /** With --inboxes: the name of the inbox this root serves (absent for all of them, or without). */
  inbox?: string;
  /** The SpamAssassin check, when --enable-spamassassin names a spamd (routes/spam-check.ts). */
  spam?: SpamChecker;
  /** Whether the store can serve now, for /readyz; absent: always. */
  ready?: StoreReadiness;
}

/** Per-request values set by the front's middleware. */
export interface HttpEnv {
  Variables: {
    /** The HTTP Basic user, or '' when auth is off. */
    username: string;
    clientAddress: string;
    /** With --inboxes: the signed-in user of the `users` section (absent on the open probes). */
    reader?: Reader;
  };
}

/** A route module registers its routes on the app (paths relative to the webroot). */
export type RouteModule = (app: Hono<HttpEnv>, api: Api) => void;
