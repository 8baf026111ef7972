/**
 * The package's main export: start a whole Letterbox inside a test process.
 *
 *   const box = await startLetterbox();            // every listener on 127.0.0.1, port 0
 *   await sendMail({ port: box.smtp.port, … });
 *   const hit = await box.client.waitForMessage({ query: 'to:bob@blue.com' });
 *   await box.stop();
 */
import { defaultConfig, optionTable, type Config } from './config.js';
import { createClient, type LetterboxClient } from './client/client.js';
import type { BoundListener } from './front.js';
import { listenFailure } from './lib/listen.js';
import { createLogger, type LogLevel } from './lib/log.js';
import { acceptValue, OptionError, parseDuration, type OptionSpec } from './lib/options.js';
import type { CreatedInbox, CreateInboxError, InboxDirectory } from './inboxes/types.js';
import type { Listener } from './lib/typed-emitter.js';
import { createSandbox } from './sandbox.js';
import type { MailStore } from './store/mail-store.js';
import type { StoreEvents } from './store/types.js';

/** A value as the Config holds it, or the text its flag takes (`'10MB'`, `'30s'`). */
type Given<T> = T | string;

/** Options of one group: `smtpMaxSize` is `smtp: { maxSize }`. */
type Group<P extends string> = {
  [K in keyof Config as K extends `${P}${infer Rest}` ? (Rest extends Capitalize<Rest> ? (Rest extends '' ? never : Uncapitalize<Rest>) : never) : never]?: Given<Config[K]>;
};

/** A listener group: where it binds (port 0 by default) plus that protocol's options; `false` turns it off. */
type ListenerGroup<P extends string> = false | ({ host?: string; port?: number } & Group<P>);

/** Which Config key holds each group's listener address. */
const LISTENER_KEYS = {
  smtp: 'smtp',
  smtps: 'smtps',
  http: 'listen',
  pop3: 'pop3',
  pop3s: 'pop3s',
  imap: 'imap',
  imaps: 'imaps',
} as const;

type GroupName = keyof typeof LISTENER_KEYS;

/**
 * Nested options: a group per listener, plus any flat Config option (`maxMessages`,
 * `hostname`, `webhookUrl`, …) as the CLI knows it. Each is checked as its flag is.
 */
export type LetterboxOptions = { [K in Exclude<keyof Config, GroupName | 'listen' | 'logLevel'>]?: Given<Config[K]> } & {
  [G in GroupName]?: ListenerGroup<G>;
} & {
  /** Default `silent`: a test's output stays its own. */
  logLevel?: LogLevel;
};

/**
 * An option Letterbox cannot run with: a bad value (in the words the same flag gets on
 * the command line), an unknown key, options that do not combine, or a listener that
 * cannot bind (naming the flag that moves it).
 */
export class LetterboxOptionError extends OptionError {
  override name = 'LetterboxOptionError';
}

/** A failure the caller can fix by changing options, as a LetterboxOptionError; anything else unchanged. */
function asOptionError(error: unknown): unknown {
  if (error instanceof LetterboxOptionError) return error;
  if (error instanceof OptionError) return new LetterboxOptionError(error.message, { cause: error });
  const line = listenFailure(error);
  return line === undefined ? error : new LetterboxOptionError(line, { cause: error });
}

export interface Letterbox {
  /** Every bound listener by name (`smtp`, `http`, `pop3`, `imap`, `smtps`, …). */
  readonly addresses: Readonly<Record<string, { host: string; port: number }>>;
  /** The SMTP listener, when on. */
  readonly smtp: { host: string; port: number } | undefined;
  /** The web inbox and API root, e.g. `http://127.0.0.1:38211/`, when HTTP is on. */
  readonly url: string | undefined;
  /** A client bound to this instance (throws on use when HTTP is off). */
  readonly client: LetterboxClient;
  /** The store itself, for assertions that need no HTTP. */
  readonly store: MailStore;
  readonly config: Config;
  /** With the `inboxes` option: every inbox, its users and routing; undefined without. */
  readonly inboxes: InboxDirectory | undefined;
  /**
   * Makes an inbox, as `POST /api/v1/inboxes` does, with a fresh SMTP credential (shown
   * only here); with `ttl` (milliseconds or `'24h'`) it removes itself after that long.
   * Throws LetterboxInboxError (no `inboxes` option, a bad name or TTL, a name in use).
   */
  createInbox(name: string, options?: { ttl?: number | string }): CreatedInbox;
  /** Removes an inbox and its mail; false when there is none of that name. */
  deleteInbox(name: string): boolean;
  /** The store's typed events; returns an unsubscribe function. */
  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void;
  /** Stops every listener; open SMTP transactions get `graceMs` (default 0). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a Letterbox in this process; resolves once every listener is bound. */
export async function startLetterbox(options: LetterboxOptions = {}): Promise<Letterbox> {
  const given = toConfig(options);
  const logger = createLogger({ level: given.logLevel, format: given.logFormat });
  const { sandbox, listeners } = await createSandbox(given, { logger })
    .then(async (sandbox) => ({ sandbox, listeners: await sandbox.start() }))
    .catch((error: unknown) => {
      throw asOptionError(error);
    });
  const config = sandbox.config;
  const addresses = Object.fromEntries(listeners.map((l) => [l.name, { host: l.host, port: l.port }]));
  const http = listeners.find((l) => l.name === 'http');
  const url = http ? httpUrl(http, config.webroot) : undefined;
  const client = url ? createClient(url) : unboundClient();
  return {
    addresses,
    smtp: addresses.smtp,
    url,
    client,
    store: sandbox.store,
    config,
    inboxes: sandbox.inboxes,
    createInbox: (name, options = {}) => createInbox(sandbox.inboxes, name, options.ttl),
    deleteInbox: (name) => sandbox.inboxes?.remove(name) ?? false,
    on: (event, listener) => sandbox.store.on(event, listener),
    stop: (graceMs = 0) => sandbox.stop(graceMs),
  };
}

/** Why createInbox() made no inbox. */
export class LetterboxInboxError extends Error {
  override name = 'LetterboxInboxError';
  constructor(
    readonly reason: CreateInboxError['error'] | 'no-inboxes',
    message: string,
  ) {
    super(message);
  }
}

function createInbox(directory: InboxDirectory | undefined, name: string, ttl: number | string | undefined): CreatedInbox {
  if (!directory) throw new LetterboxInboxError('no-inboxes', 'this Letterbox was started without the inboxes option');
  const ttlMs = typeof ttl === 'string' ? parseDuration(ttl) : ttl;
  if (ttl !== undefined && (ttlMs === undefined || !Number.isSafeInteger(ttlMs) || ttlMs <= 0)) {
    throw new LetterboxInboxError('invalid-ttl', `ttl: expected a duration such as 24h or a number of milliseconds above 0, got ${JSON.stringify(ttl)}`);
  }
  const made = directory.create(name, ttlMs);
  if ('error' in made) throw new LetterboxInboxError(made.error, made.text);
  return made;
}

/**
 * Maps nested options onto the flat Config, with embedding defaults (loopback, port 0,
 * silent). Every value is checked as its flag would be; an unknown or misspelt key is
 * refused, never ignored. Throws LetterboxOptionError.
 */
export function toConfig(options: LetterboxOptions = {}): Config {
  const config: Record<string, unknown> = { ...defaultConfig(), logLevel: 'silent' };
  for (const key of Object.values(LISTENER_KEYS)) {
    // Listeners on by default move to an ephemeral loopback port; those off stay off unless asked for.
    if (config[key]) config[key] = { host: '127.0.0.1', port: 0 };
  }
  try {
    for (const [name, value] of Object.entries(options)) {
      if (value === undefined) continue;
      if (Object.hasOwn(LISTENER_KEYS, name)) applyGroup(config, name as GroupName, value);
      else setOption(config, name, value, name, [...Object.keys(LISTENER_KEYS), ...Object.keys(optionTable)]);
    }
  } catch (error) {
    throw asOptionError(error);
  }
  return config as Config;
}

function applyGroup(config: Record<string, unknown>, group: GroupName, value: unknown): void {
  const listenerKey = LISTENER_KEYS[group];
  if (value === false || value === null) {
    config[listenerKey] = null;
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new LetterboxOptionError(`option "${group}" must be an object or false`);
  const { host, port, ...rest } = value as { host?: unknown; port?: unknown } & Record<string, unknown>;
  config[listenerKey] = acceptValue(listenerKey, optionTable[listenerKey], { host: host === undefined || host === '' ? '127.0.0.1' : host, port: port ?? 0 });
  const fields = Object.keys(optionTable).flatMap((key) => {
    const tail = key.slice(group.length);
    return key.startsWith(group) && /^[A-Z]/.test(tail) ? [tail.charAt(0).toLowerCase() + tail.slice(1)] : [];
  });
  for (const [field, fieldValue] of Object.entries(rest)) {
    // Only the field as written in the group is its option: `MaxSize` is not `maxSize`.
    const key = fields.includes(field) ? group + field.charAt(0).toUpperCase() + field.slice(1) : `${group}.${field}`;
    if (fieldValue !== undefined) setOption(config, key, fieldValue, `${group}.${field}`, ['host', 'port', ...fields].map((f) => `${group}.${f}`));
  }
}

/** Sets one flat option after checking its value; an unknown key is refused with the nearest spelling it may mean. */
function setOption(config: Record<string, unknown>, key: string, value: unknown, shown: string, known: readonly string[]): void {
  const spec: OptionSpec<unknown> | undefined = Object.hasOwn(optionTable, key) ? optionTable[key as keyof typeof optionTable] : undefined;
  if (!spec) {
    const meant = known.find((name) => name.toLowerCase() === shown.toLowerCase());
    throw new LetterboxOptionError(`unknown option "${shown}"${meant ? ` (did you mean "${meant}"?)` : ''}`);
  }
  config[key] = acceptValue(key, spec, value);
}

function httpUrl(listener: BoundListener, webroot: string): string {
  const host = listener.host === '0.0.0.0' ? '127.0.0.1' : listener.host === '::' ? '::1' : listener.host;
  return `${listener.scheme ?? 'http'}://${host.includes(':') ? `[${host}]` : host}:${listener.port}${webroot}`;
}

/** A client whose every call explains that HTTP is off, instead of a confusing connection error. */
function unboundClient(): LetterboxClient {
  return createClient('http://127.0.0.1:9/', {
    fetch: () => Promise.reject(new Error('this Letterbox was started with http: false; its client has no server')),
  });
}

export { createClient, LetterboxApiError, LetterboxClient, WaitTimeoutError } from './client/client.js';
export type { ClientOptions, PageOptions, SearchOptions, Selection, WaitOptions } from './client/client.js';
export type * from './shapes/wire-types.js';
export type { Config } from './config.js';
export type { StoreEvents, StoredMessage } from './store/types.js';
export type { CreatedInbox, Inbox, InboxDirectory, Reader } from './inboxes/types.js';
