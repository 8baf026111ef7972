/**
 * Team inboxes (--inboxes FILE; DESIGN.md "Team inboxes"): named partitions of one
 * sandbox. Each inbox is a store of its own, so every front built on a store works
 * inside an inbox unchanged, and nothing one inbox holds can reach another's routes.
 * A message routed to several inboxes is filed in each; its bytes are one Buffer,
 * shared.
 *
 * Without --inboxes there is no directory: one store, today's behaviour.
 */
import type { Listener } from '../lib/typed-emitter.js';
import type { ReleaseService } from '../relay/release-service.js';
import type { Delivery } from '../store/delivery.js';
import type { MailStore } from '../store/mail-store.js';
import type { Envelope } from '../store/types.js';

/** `[a-z0-9][a-z0-9-]{0,62}`: safe in a URL path, a folder name and a log line as it is. */
export const INBOX_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One inbox, live. */
export interface Inbox {
  readonly name: string;
  /** Only this inbox's mail; its limits are the inbox's own (maxMessages, maxBytes). */
  readonly store: MailStore;
  /** Puts a message in this inbox only (size limit, tags, commit before the answer). */
  readonly delivery: Delivery;
  /** This inbox's release service (its own history and auto-release), when release is configured. */
  readonly release: ReleaseService | undefined;
  /** When an inbox made through the admin API with a TTL removes itself; undefined otherwise. */
  readonly expiresAt: Date | undefined;
  /** Made through the admin API (or createInbox()), not read from the file. */
  readonly dynamic: boolean;
}

/** A user of the `users` section, signed in. */
export interface Reader {
  readonly name: string;
  /** `"inboxes": ["*"]`: every inbox, now and later, and the admin API. */
  readonly all: boolean;
}

/** What routing a message decided (routing order: headers, then SMTP AUTH, then recipients, then `unrouted`). */
export type Route =
  /** Inbox names, at least one, sorted, without repeats. */
  | { ok: true; inboxes: string[] }
  /** `"unrouted": "refuse"` and no rule matched: SMTP 550 5.7.1, HTTP 422. */
  | { ok: false; text: string };

export interface RouteInput {
  /** The message as received: header rules read its header block. */
  readonly raw: Buffer;
  readonly envelope: Envelope;
  /** The SMTP AUTH user name, or '' when the client did not authenticate. */
  readonly authUser: string;
}

/** What the admin API returns for a new inbox: its SMTP credential, made once and never shown again. */
export interface CreatedInbox {
  readonly inbox: Inbox;
  readonly smtpUser: string;
  readonly smtpPassword: string;
  /**
   * Settles once the inbox is kept where its mail is (the data directory, the database):
   * false when another node made an inbox of that name first (this one is then gone);
   * rejects when it cannot be kept (the database is away; this one is then gone too).
   */
  readonly kept: Promise<boolean>;
}

export type CreateInboxError = { error: 'invalid-name' | 'invalid-ttl' | 'exists' | 'limit'; text: string };

export interface DirectoryEvents extends Record<string, unknown> {
  /** An inbox appeared (file reload, admin API, start). */
  added: { inbox: Inbox };
  /** An inbox and all its mail went away (file reload, admin API, TTL). Its store is closed after the event. */
  removed: { inbox: Inbox };
  /** A new file is in force: who may read which inbox may have changed. */
  reloaded: Record<string, never>;
}

/**
 * Every inbox of a sandbox, who may read which, and where mail goes. The fronts ask it
 * at sign-in (IMAP, POP3, HTTP Basic auth) and per request; they keep no copy of the
 * file's contents, so a reload takes effect on the next sign-in or request.
 */
export interface InboxDirectory {
  on<K extends keyof DirectoryEvents>(event: K, listener: Listener<DirectoryEvents[K]>): () => void;

  /** Every inbox now, sorted by name. */
  list(): Inbox[];
  /** Whether every inbox can still make its mail durable (no journal has refused a write): /readyz. */
  writable(): boolean;
  get(name: string): Inbox | undefined;

  /** A user of the `users` section whose password is right (plain or bcrypt); undefined otherwise, in the same time for unknown users. */
  signIn(user: string, password: string): Promise<Reader | undefined>;
  /** The inboxes a reader may read now, sorted by name. */
  readable(reader: Reader): Inbox[];
  /** Whether a reader may read this inbox now (false for an inbox that does not exist). */
  mayRead(reader: Reader, inbox: string): boolean;
  /** Whether a reader may read every inbox now (`"*"`): a reload may have taken it back since sign-in. */
  readsAll(reader: Reader): boolean;

  /** SMTP AUTH: true when this is some inbox's `smtp` credential (or a dynamic inbox's). */
  smtpSignIn(user: string, password: string): Promise<boolean>;
  /** Where a message goes. */
  route(input: RouteInput): Route;

  /** The admin API: a new inbox, with a fresh SMTP credential; removed by itself after `ttlMs` when given. */
  create(name: string, ttlMs: number | undefined): CreatedInbox | CreateInboxError;
  /** Removes an inbox and its mail; false when there is none of that name. */
  remove(name: string): boolean;
}
