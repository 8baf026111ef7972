import { hostname } from 'node:os';
import { duration, file, flag, integer, noLimitAtZero, oneOf, parseOptions, settleLimits, size, text, OptionError, type OptionGroup, type OptionSpec, type OptionValues } from './lib/options.js';
import { LOG_LEVELS } from './lib/log.js';
import { HTTP_READS, httpOptions, type HttpConfig } from './http/options.js';
import { imapOptions, type ImapConfig } from './imap/options.js';
import { pop3Options, type Pop3Config } from './pop3/options.js';
import { RELAY_READS, relayOptions, type RelayConfig } from './relay/options.js';
import { smtpOptions, type SmtpConfig } from './smtp/options.js';
import { chaosOptions, type ChaosConfig } from './chaos/options.js';
import { webhookOptions, type WebhookConfig } from './webhooks/options.js';
import { spamOptions } from './spam/options.js';
import { storeOptions } from './store/options.js';

/**
 * Every option of Letterbox, as flags and LETTERBOX_* variables. Each front keeps its
 * own table beside its code; this file only gathers them and checks how they combine.
 */
/**
 * The host name goes verbatim into the SMTP and POP3 greetings, the HELO of a release
 * and trace headers: a space, CR, LF or NUL in it would split or forge a protocol line
 * (RFC 5321 §4.1.2 Domain), so only what a domain or address literal is made of passes.
 */
function hostName(description: string, value: string): OptionSpec<string> {
  const spec = text(description, value, 'NAME');
  return {
    ...spec,
    shown: "this machine's host name",
    parse: (t, name) => {
      if (!/^[A-Za-z0-9_.:[\]-]{1,253}$/.test(t)) throw new OptionError(`${name}: expected a host name such as mail.example.com, got ${JSON.stringify(t.slice(0, 100))}`);
      return t;
    },
  };
}

const coreOptions = {
  listenAll: flag('Listeners given without a host listen on every interface instead of 127.0.0.1'),
  portsFile: file('Write the bound addresses to this file as JSON once listening'),
  label: text('A label for this instance, shown in the web inbox'),
  hostname: hostName('The name this instance uses in protocol greetings and trace headers', hostname() || 'letterbox'),
  maxMessages: noLimitAtZero(integer('Most messages kept; the oldest are pruned first. 0 = no limit', 5_000)),
  maxBytes: noLimitAtZero(size('Most bytes of mail kept; the oldest are pruned first. 0 = no limit', 1024 ** 3)),
  maxConnections: noLimitAtZero(integer('Most connections open at once on each protocol (SMTP, POP3, IMAP, HTTP); 0 = no limit', 2_000)),
  maxConnectionsPerIp: noLimitAtZero(integer('Most connections open at once from one client address on each protocol; 0 = no limit', 1_000)),
  dataDir: file('Keep the mail in this folder too, so it survives a restart or a crash (off: memory only)', 'DIR'),
  inboxes: file('Team inboxes: a JSON file of inboxes, their SMTP credentials and routing rules, and the users who may read them; re-read on SIGHUP and when it changes (off: one inbox)'),
  shutdownGrace: duration('On SIGINT/SIGTERM, how long open SMTP transactions may take to finish', 10_000),
  logLevel: oneOf('Log level', 'info', LOG_LEVELS),
  logFormat: oneOf('Log format', 'pretty', ['pretty', 'json'] as const),
};

export const optionTable = {
  ...coreOptions,
  ...storeOptions,
  ...smtpOptions,
  ...httpOptions,
  ...pop3Options,
  ...imapOptions,
  ...relayOptions,
  ...chaosOptions,
  ...webhookOptions,
  ...spamOptions,
};

/** The same options by front, as --help and the README list them. */
export const optionGroups: readonly OptionGroup[] = [
  { title: 'General', options: coreOptions },
  { title: 'Storage: several nodes on one PostgreSQL', options: storeOptions },
  { title: 'SMTP (and the TLS every protocol shares)', options: smtpOptions },
  { title: 'HTTP: web inbox and API', options: httpOptions },
  { title: 'POP3', options: pop3Options },
  { title: 'IMAP', options: imapOptions },
  { title: 'Release', options: relayOptions },
  { title: 'Test tools: webhooks, SpamAssassin, SMTP faults', options: { ...webhookOptions, ...spamOptions, ...chaosOptions } },
];

export type Config = OptionValues<typeof optionTable>;

/** The configuration from flags and environment, checked as a whole. Throws OptionError. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Config {
  return settleConfig(parseOptions(optionTable, argv, env));
}

/**
 * Fills in what options imply (a certificate file turns its TLS on; the web root gets
 * its slashes; a limit of 0 becomes Infinity) and checks how they combine; throws
 * OptionError. The composition root calls it too, so a Config built in code
 * (embedding, tests) means what the same flags would. Settling a settled Config
 * changes nothing.
 */
export function settleConfig(given: Config): Config {
  const config = settleLimits(optionTable, given);
  if ((config.smtpTlsCert || config.smtpTlsKey) && config.smtpTls === 'off') config.smtpTls = 'files';
  if ((config.uiTlsCert || config.uiTlsKey) && config.uiTls === 'off') config.uiTls = 'files';
  if (!config.webroot.startsWith('/')) config.webroot = '/' + config.webroot;
  if (!config.webroot.endsWith('/')) config.webroot += '/';
  checkConfig(config);
  return config;
}

function checkConfig(config: Config): void {
  // Both would be the one source of truth; a journal moves into the database with `letterbox migrate`.
  if (config.database && config.dataDir) {
    throw new OptionError('--database and --data-dir cannot be combined: with --database the mail lives in PostgreSQL (move a --data-dir journal there with "letterbox migrate")');
  }
  // With --inboxes, SMTP AUTH checks the inboxes' own credentials: an auth file or
  // accept-any given beside it would be silently ignored, so the pair is refused.
  if (config.inboxes && (config.smtpAuthFile || config.smtpAuthAcceptAny)) {
    throw new OptionError(`--inboxes and ${config.smtpAuthFile ? '--smtp-auth-file' : '--smtp-auth-accept-any'} cannot be combined: with --inboxes, SMTP credentials are the inboxes' "smtp" entries`);
  }
  if (config.smtpTls === 'files' && !(config.smtpTlsCert && config.smtpTlsKey)) {
    throw new OptionError('--smtp-tls files needs both --smtp-tls-cert and --smtp-tls-key');
  }
  if (config.uiTls === 'files' && !(config.uiTlsCert && config.uiTlsKey)) {
    throw new OptionError('--ui-tls files needs both --ui-tls-cert and --ui-tls-key');
  }
  if (config.smtpTls === 'off') {
    // Every TLS listener and every "require TLS" switch shares the one certificate.
    const needTls = (
      [
        ['--smtps', config.smtps],
        ['--smtp-require-tls', config.smtpRequireTls],
        ['--pop3s', config.pop3s],
        ['--pop3-require-tls', config.pop3RequireTls],
        ['--imaps', config.imaps],
        ['--imap-require-tls', config.imapRequireTls],
      ] as const
    ).filter(([, value]) => Boolean(value));
    if (needTls.length > 0) {
      throw new OptionError(`${needTls.map(([name]) => name).join(' and ')} ${needTls.length > 1 ? 'need' : 'needs'} TLS: give --smtp-tls-cert/--smtp-tls-key or --smtp-tls self-signed`);
    }
  }
}

/** The defaults, as a test or an embedding starts from. */
export function defaultConfig(): Config {
  return loadConfig([], {});
}

/** The options every listening front reads besides its own. */
const SHARED = ['hostname', 'listenAll', 'maxConnections', 'maxConnectionsPerIp'] as const;

function keysOf<Table extends object>(table: Table): Array<keyof Table & string> {
  return Object.keys(table) as Array<keyof Table & string>;
}

function pick<K extends keyof Config>(config: Config, keys: readonly K[]): Pick<Config, K> {
  return Object.fromEntries(keys.map((key) => [key, config[key]])) as Pick<Config, K>;
}

/** Each front's slice, as the composition root hands them out. */
export interface FrontConfigs {
  smtp: SmtpConfig;
  pop3: Pop3Config;
  imap: ImapConfig;
  http: HttpConfig;
  relay: RelayConfig;
  webhooks: WebhookConfig;
  chaos: ChaosConfig;
}

/**
 * Each front's own slice of a settled Config: its table's options and the few shared
 * ones it reads, and nothing else. A front's slice type lives beside its options; the
 * compiler checks here that each slice holds what its front asks for.
 */
export function frontConfigs(config: Config): FrontConfigs {
  return {
    smtp: pick(config, [...keysOf(smtpOptions), ...SHARED]),
    pop3: pick(config, [...keysOf(pop3Options), ...SHARED]),
    imap: pick(config, [...keysOf(imapOptions), ...SHARED]),
    http: pick(config, [...keysOf(httpOptions), ...SHARED, ...HTTP_READS]),
    relay: pick(config, [...keysOf(relayOptions), ...RELAY_READS]),
    webhooks: pick(config, [...keysOf(webhookOptions), 'label']),
    chaos: pick(config, keysOf(chaosOptions)),
  };
}
