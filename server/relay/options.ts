import { isIP } from 'node:net';
import { parseHostPort, type HostPort } from '../lib/host-port.js';
import { duration, flag, hostPortText, integer, list, numberText, OptionError, parseDuration, text, timerDuration, type OptionSpec, type OptionValues } from '../lib/options.js';
import type { ReleaseRate } from './release-rate.js';

/** `host:port` of a smarthost, or null when not given. */
function smarthost(description: string): OptionSpec<HostPort | null> {
  return {
    description: description + '; HOST:PORT (port 587 = STARTTLS, 465 = implicit TLS)',
    default: null,
    shown: 'off',
    metavar: 'HOST:PORT',
    format: hostPortText,
    parse: (t, name) => {
      if (!t.trim()) return null;
      if (!/:\d+$/.test(t.trim())) throw new OptionError(`${name}: expected HOST:PORT, got "${t}"`);
      try {
        return parseHostPort(t);
      } catch (error) {
        throw new OptionError(`${name}: ${(error as Error).message}`);
      }
    },
  };
}

/** A DNS server `ip` or `ip:port` (node:dns takes both), or '' for the system's. */
function dnsServer(description: string): OptionSpec<string> {
  return {
    description,
    default: '',
    shown: 'system resolver',
    metavar: 'IP[:PORT]',
    parse: (t, name) => {
      const value = t.trim();
      // ip, ip:port, [v6] or [v6]:port, the forms node:dns takes, with an address that is one (not 999.1.1.1).
      const parts = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value) ?? (isIP(value) === 6 ? [value, value] : /^([^:]+)(?::(\d{1,5}))?$/.exec(value));
      const port = parts?.[2] === undefined ? 53 : Number(parts[2]);
      if (!parts || isIP(parts[1] ?? '') === 0 || port < 1 || port > 65535) throw new OptionError(`${name}: expected an IP address with an optional :PORT, got "${t}"`);
      return value;
    },
  };
}

/** A bounded retry schedule: the waits before each retry, e.g. `1m,5m,15m,1h`. */
function schedule(description: string, value: number[]): OptionSpec<number[]> {
  return {
    description,
    default: value,
    shown: value.map((ms) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`)).join(','),
    metavar: 'DURATION,…',
    format: (v) => {
      const parts = Array.isArray(v) ? v.map((ms) => numberText(ms, 'ms')) : [];
      return Array.isArray(v) && parts.every((part) => part !== undefined) ? parts.join(',') : undefined;
    },
    parse: (t, name) => {
      // No waits at all: a temporary failure is final at once.
      if (t.trim() === '') return [];
      const parts = t.split(',').map((s) => s.trim());
      // An empty item ("1m,,5m") is a slip, not a retry fewer.
      if (parts.length > 20 || parts.some((part) => parseDuration(part) === undefined)) throw new OptionError(`${name}: expected up to 20 durations such as 1m,5m,30m, got "${t}"`);
      // Each is a timer's wait: 999h would overflow it and retry at once.
      return parts.map((part) => timerDuration(part, name));
    },
  };
}

const RATE_WINDOWS: Record<string, number> = { s: 1_000, min: 60_000, h: 3_600_000 };
/** Past this a limit is no limit; a typo such as 1e9999 is refused rather than read as Infinity. */
const MAX_RATE = 1_000_000;

/** A rate given in code, `{ count, windowMs }` or null/0 for none, as option text. */
function rateText(value: unknown): string | undefined {
  if (value === null || value === 0) return '0';
  if (typeof value !== 'object') return undefined;
  const { count, windowMs } = value as { count?: unknown; windowMs?: unknown };
  const unit = Object.entries(RATE_WINDOWS).find(([, ms]) => ms === windowMs)?.[0];
  return unit === undefined ? undefined : `${numberText(count) ?? String(count)}/${unit}`;
}

/** Releases per time, `N/s`, `N/min` or `N/h`; `0` turns the limit off (null). */
function rate(description: string, value: ReleaseRate): OptionSpec<ReleaseRate | null> {
  return {
    description: description + '; N/s, N/min or N/h, 0 = no limit',
    default: value,
    shown: value.text,
    metavar: 'N/min',
    format: rateText,
    parse: (t, name) => {
      const trimmed = t.trim();
      if (trimmed === '0') return null;
      const match = /^([1-9]\d{0,6})\/(s|min|h)$/.exec(trimmed);
      const count = Number(match?.[1]);
      const windowMs = RATE_WINDOWS[match?.[2] ?? ''];
      if (!match || windowMs === undefined || count > MAX_RATE) {
        throw new OptionError(`${name}: expected N/s, N/min or N/h with N from 1 to ${MAX_RATE} (e.g. 60/min), or 0 for no limit, got "${t}"`);
      }
      return { count, windowMs, text: trimmed };
    },
  };
}

/**
 * Release options. Release is off until either a smarthost or MX delivery is
 * configured; MX delivery also needs an allow-list so a stray release cannot mail
 * the world.
 */
export const relayOptions = {
  releaseSmarthost: smarthost('Release through this SMTP relay'),
  releaseSmarthostUser: text('User name for AUTH PLAIN/LOGIN at the smarthost', '', 'USER'),
  releaseSmarthostPassword: text('Password for AUTH at the smarthost', '', 'PASSWORD'),
  releaseSmarthostTls: flag('Connect to the smarthost with implicit TLS (RFC 8314); port 465 always does, others use STARTTLS'),
  releaseAllowInsecure: flag('Let smarthost release go without TLS and accept certificates that do not verify'),
  releaseMx: flag('Release by DNS MX lookup, straight to each recipient domain (needs --release-allow)'),
  releaseAllow: list('Recipients release may send to: blue.com, *.blue.com, *@blue.com or bob@blue.com'),
  releasePort: integer('SMTP port used at MX hosts', 25, 1, 65535),
  releaseAllowPrivate: flag('Let MX delivery connect to loopback, private and other special-use addresses (local test setups)'),
  dnsServer: dnsServer('DNS server for MX lookups, IP[:PORT]'),
  dnsTimeout: duration('How long one DNS query may take', 5_000),
  dnsCache: duration('How long DNS answers are reused by release (failures never are); 0 = ask every time', 30_000),
  releaseKeepAlive: duration('How long a connection to a destination stays open for the next release; 0 = QUIT after each', 5_000),
  releaseSender: text('Envelope sender (MAIL FROM) of released mail; default: the message\'s own MAIL FROM', '', 'ADDRESS'),
  releaseNewMessageId: flag('Give released mail a new Message-ID'),
  releaseOverrideFrom: text('Rewrite the From address of released mail (the original goes to X-Original-From)', '', 'ADDRESS'),
  releaseAuto: text('Release every arriving message that matches this search (e.g. "to:@blue.com"), in the background', '', 'SEARCH'),
  releaseAutoYield: duration('Auto-release waits until arriving mail has paused this long (catching mail comes first; at most 2s); 0 = release at once', 100),
  releaseAutoQueue: integer('Most messages waiting for auto-release; past it new ones are skipped and logged', 10_000, 1),
  releaseRate: rate('Most releases started (API, web inbox, auto-release); past it the API answers 429 and auto-release records the message as not released', { count: 60, windowMs: 60_000, text: '60/min' }),
  releaseConcurrency: integer('Releases running at once', 4, 1, 100),
  releaseRetry: schedule('Waits before each retry of a temporary (4xx) failure; after the last, it is permanent', [60_000, 300_000, 900_000, 3_600_000]),
  releaseConnectTimeout: duration('Release: time to open a connection', 30_000),
  releaseGreetingTimeout: duration('Release: time to wait for the 220 greeting (RFC 5321 §4.5.3.2 allows 5m)', 60_000),
  releaseCommandTimeout: duration('Release: time to wait for the reply to each command', 60_000),
  releaseDataTimeout: duration('Release: time to wait for the reply after the message data (RFC 5321 §4.5.3.2: 10m)', 600_000),
};

/** What release reads beyond its own options: the name it gives in EHLO, the recipient cap, and where its journal goes. */
export const RELAY_READS = ['hostname', 'smtpMaxRecipients', 'dataDir'] as const;

/** What the release front reads: its options and RELAY_READS. */
export type RelayConfig = OptionValues<typeof relayOptions> & { hostname: string; smtpMaxRecipients: number; dataDir: string };

export type ReleaseMode = 'off' | 'smarthost' | 'mx';

/** How the release options combine; throws OptionError for combinations that cannot work. */
export function releaseMode(config: {
  releaseSmarthost: HostPort | null;
  releaseMx: boolean;
  releaseAllow: readonly string[];
  releaseAuto: string;
}): ReleaseMode {
  if (config.releaseSmarthost && config.releaseMx) throw new OptionError('give either --release-smarthost or --release-mx, not both');
  if (config.releaseMx && config.releaseAllow.length === 0) {
    throw new OptionError('--release-mx needs --release-allow (e.g. --release-allow blue.com) so release cannot mail anyone by mistake');
  }
  const mode: ReleaseMode = config.releaseSmarthost ? 'smarthost' : config.releaseMx ? 'mx' : 'off';
  if (mode === 'off' && config.releaseAuto) throw new OptionError('--release-auto needs --release-smarthost or --release-mx');
  return mode;
}
