/**
 * The package's main export: start a whole Letterbox inside a test process.
 *
 *   const box = await startLetterbox();            // every listener on 127.0.0.1, port 0
 *   await sendMail({ port: box.smtp.port, … });
 *   const hit = await box.client.waitForMessage({ query: 'to:bob@blue.com' });
 *   await box.stop();
 */
import { defaultConfig, type Config } from './config.js';
import { createClient, type LetterboxClient } from './client/client.js';
import type { BoundListener } from './front.js';
import { createLogger, type LogLevel } from './lib/log.js';
import type { Listener } from './lib/typed-emitter.js';
import { createSandbox } from './sandbox.js';
import type { MailStore } from './store/mail-store.js';
import type { StoreEvents } from './store/types.js';

/** Options of one group: `smtpMaxSize` is `smtp: { maxSize }`. */
type Group<P extends string> = {
  [K in keyof Config as K extends `${P}${infer Rest}` ? (Rest extends Capitalize<Rest> ? (Rest extends '' ? never : Uncapitalize<Rest>) : never) : never]?: Config[K];
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
 * `hostname`, `webhookUrl`, …) as the CLI knows it.
 */
export type LetterboxOptions = Partial<Omit<Config, GroupName | 'listen' | 'logLevel'>> & {
  [G in GroupName]?: ListenerGroup<G>;
} & {
  /** Default `silent`: a test's output stays its own. */
  logLevel?: LogLevel;
};

export class LetterboxOptionError extends Error {
  override name = 'LetterboxOptionError';
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
  /** The store's typed events; returns an unsubscribe function. */
  on<K extends keyof StoreEvents>(event: K, listener: Listener<StoreEvents[K]>): () => void;
  /** Stops every listener; open SMTP transactions get `graceMs` (default 0). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a Letterbox in this process; resolves once every listener is bound. */
export async function startLetterbox(options: LetterboxOptions = {}): Promise<Letterbox> {
  const given = toConfig(options);
  const logger = createLogger({ level: given.logLevel, format: given.logFormat });
  const sandbox = await createSandbox(given, { logger });
  const config = sandbox.config;
  const listeners = await sandbox.start();
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
    on: (event, listener) => sandbox.store.on(event, listener),
    stop: (graceMs = 0) => sandbox.stop(graceMs),
  };
}

/** Maps nested options onto the flat Config, with embedding defaults (loopback, port 0, silent). */
export function toConfig(options: LetterboxOptions = {}): Config {
  const config: Record<string, unknown> = { ...defaultConfig(), logLevel: 'silent' };
  const known = new Set(Object.keys(config));
  for (const key of Object.values(LISTENER_KEYS)) {
    // Listeners on by default move to an ephemeral loopback port; those off stay off unless asked for.
    if (config[key]) config[key] = { host: '127.0.0.1', port: 0 };
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const listenerKey = LISTENER_KEYS[name as GroupName] as string | undefined;
    if (listenerKey !== undefined) {
      applyGroup(config, known, name, listenerKey, value);
    } else if (known.has(name)) {
      config[name] = value;
    } else {
      throw new LetterboxOptionError(`unknown option "${name}"`);
    }
  }
  return config as Config;
}

function applyGroup(config: Record<string, unknown>, known: Set<string>, group: string, listenerKey: string, value: unknown): void {
  if (value === false || value === null) {
    config[listenerKey] = null;
    return;
  }
  if (typeof value !== 'object') throw new LetterboxOptionError(`option "${group}" must be an object or false`);
  const { host, port, ...rest } = value as { host?: unknown; port?: unknown } & Record<string, unknown>;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new LetterboxOptionError(`${group}.port must be a whole number from 0 to 65535`);
  }
  if (host !== undefined && typeof host !== 'string') throw new LetterboxOptionError(`${group}.host must be a string`);
  config[listenerKey] = { host: host || '127.0.0.1', port: port ?? 0 };
  for (const [field, fieldValue] of Object.entries(rest)) {
    const flatKey = group + field.charAt(0).toUpperCase() + field.slice(1);
    if (!known.has(flatKey)) throw new LetterboxOptionError(`unknown option "${group}.${field}"`);
    if (fieldValue !== undefined) config[flatKey] = fieldValue;
  }
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
export type * from './client/types.js';
export type { Config } from './config.js';
export type { StoreEvents, StoredMessage } from './store/types.js';
