import type { Chaos } from './chaos/chaos.js';
import type { Activity } from './lib/activity.js';
import type { Logger } from './lib/log.js';
import type { TlsMaterial } from './lib/tls.js';
import type { InboxDirectory } from './inboxes/types.js';
import type { NamedLocks } from './locks/named-locks.js';
import type { Credentials } from './security/auth-file.js';
import type { Delivery } from './store/delivery.js';
import type { MailStore } from './store/mail-store.js';
import type { ReleaseTables } from './store/saved-releases.js';
import type { StoreReadiness } from './store/store-unavailable.js';

/**
 * The options every listening front reads besides its own (part of its config slice).
 * Limits are settled: Infinity where 0 was given.
 */
export interface SharedConfig {
  hostname: string;
  listenAll: boolean;
  maxConnections: number;
  maxConnectionsPerIp: number;
}

/**
 * What the composition root hands every front: the store and the shared pieces. Each
 * front's options come beside it, as its own slice of the Config.
 */
export interface FrontContext {
  store: MailStore;
  /** The only way fronts put a message in the store (size limit, tags, commit before the answer). */
  delivery: Delivery;
  logger: Logger;
  /** Key and certificate for STARTTLS and implicit TLS, or null when TLS is off. */
  tls: TlsMaterial | null;
  /** Credentials from --smtp-auth-file, shared by SMTP, POP3 and IMAP; null = any password. */
  credentials: Credentials | null;
  clock: () => Date;
  /** Where fronts report open connections and refusals (shown in /metrics). */
  activity: Activity;
  /** Every bound listener of this instance once started (e.g. for mail-loop detection). */
  listeners?: () => readonly BoundListener[];
  /** SMTP fault injection (server/chaos), when enabled; the SMTP front consults it at each stage. */
  chaos?: Chaos;
  /**
   * With --inboxes: every inbox, its users and routing. `store` is then the union of all
   * inboxes and `delivery` the router (server/inboxes/routing-delivery.ts).
   */
  inboxes?: InboxDirectory;
  /** Whether the store can serve now (/readyz); absent: a store in this process, always ready. */
  ready?: StoreReadiness;
  /** Locks every node sharing the store honours (POP3 maildrops, IMAP logins); absent: this process's own. */
  locks?: NamedLocks;
  /** With --database: the release history every node shares, by inbox ('' without --inboxes). */
  releaseTables?: ReleaseTables;
}

/** A listener once bound, as printed at start and written to --ports-file. */
export interface BoundListener {
  /** `smtp`, `smtps`, `http`, `pop3`, `pop3s`, `imap`, `imaps`. */
  name: string;
  host: string;
  port: number;
  /** `https` on an HTTP listener serving TLS (--ui-tls), so the printed address says so. */
  scheme?: 'https';
}

/**
 * A front (or a background service): started and stopped by the composition root.
 * Both are awaitable and idempotent.
 */
export interface Front {
  readonly name: string;
  /** Binds its listeners (if any) and resolves with them. */
  start(): Promise<BoundListener[]>;
  /**
   * Stops accepting, lets work in flight finish for up to `graceMs`, then closes
   * what is left.
   */
  stop(graceMs: number): Promise<void>;
}
