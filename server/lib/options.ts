/**
 * Command-line options described once: each is a `--kebab-flag` and a
 * `LETTERBOX_SNAKE` variable derived from its camelCase key, with a parser, a
 * default and help text. Flags win over the environment, which wins over defaults.
 */
import { formatHostPort, parseHostPort, type HostPort } from './host-port.js';

export class OptionError extends Error {}

export interface OptionSpec<T> {
  description: string;
  default: T;
  /** The default as --help shows it. */
  shown?: string;
  /** Turns the text of a flag or variable into a value; throws OptionError when it is bad. */
  parse: (text: string, name: string) => T;
  /** A switch: `--flag` alone means true, `--no-flag` false. */
  switch?: true;
  /** What the value looks like in --help: `HOST:PORT`, `SIZE`, `DURATION`, `FILE`… (default VALUE). */
  metavar?: string;
  /**
   * The option text a typed value given in code stands for (a number of bytes, a
   * boolean, a host and port…), or undefined when a value of that type cannot be one.
   * The text then goes through `parse`, so code is checked as flags are, word for word.
   */
  format?: (value: unknown) => string | undefined;
  /** A cap where 0 means none: settleLimits turns that 0 into Infinity, once for every reader. */
  limit?: true;
}

/** A titled part of the option table, as --help and the README show it. */
export interface OptionGroup {
  title: string;
  options: OptionTable;
}

export type OptionTable = Record<string, OptionSpec<unknown>>;
export type OptionValues<Table extends OptionTable> = { [K in keyof Table]: Table[K]['default'] };

export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

export function envName(key: string): string {
  return 'LETTERBOX_' + flagName(key).replace(/-/g, '_').toUpperCase();
}

/**
 * Variables of the client commands (`letterbox mcp`, `import`, `sendmail`), which a
 * shell may hold while a server starts from it: not options of the server, not typos.
 */
export const CLIENT_ENV: ReadonlySet<string> = new Set(['LETTERBOX_URL', 'LETTERBOX_HTTP_AUTH', 'LETTERBOX_SMTP_ADDR', 'LETTERBOX_SMTP_AUTH']);

/**
 * The values of `table` from flags, then the environment, then defaults. A flag given
 * twice, or a non-empty LETTERBOX_ variable that is no option (a misspelt one would
 * otherwise leave its option at the default, silently), is refused.
 */
export function parseOptions<Table extends OptionTable>(
  table: Table,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): OptionValues<Table> {
  const values: Record<string, unknown> = {};
  const byFlag = new Map(Object.keys(table).map((key) => [flagName(key), key]));
  const byEnv = new Map(Object.keys(table).map((key) => [envName(key), key]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LETTERBOX_') || byEnv.has(name) || CLIENT_ENV.has(name) || !value) continue;
    const near = nearest(name, [...byEnv.keys()]);
    throw new OptionError(`${name} is not an option's variable${near ? ` (did you mean ${near}?)` : ''}; see --help`);
  }
  for (const [key, spec] of Object.entries(table)) {
    const fromEnv = env[envName(key)];
    values[key] = fromEnv !== undefined && fromEnv !== '' ? spec.parse(fromEnv, envName(key)) : spec.default;
  }
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new OptionError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const negated = name.startsWith('no-') && byFlag.has(name.slice(3));
    const key = byFlag.get(negated ? name.slice(3) : name);
    const spec = key === undefined ? undefined : table[key];
    if (key === undefined || !spec) throw new OptionError(`unknown option --${name} (see --help)`);
    // Which of two values was meant cannot be told; a list option takes commas.
    if (given.has(key)) throw new OptionError(`--${flagName(key)} is given more than once`);
    given.add(key);
    if (spec.switch && inline === undefined) {
      values[key] = !negated;
      continue;
    }
    if (negated) throw new OptionError(`--${name} is not a switch`);
    const text = inline ?? argv[++i];
    if (text === undefined) throw new OptionError(`--${name} needs a value`);
    values[key] = spec.parse(text, `--${name}`);
  }
  return values as OptionValues<Table>;
}

/** The name among `names` that `name` is a typo of (at most 3 edits away), if one is. */
function nearest(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length] as number;
}

/**
 * A value given in code (the embedding API) for option `key`, checked as the same
 * `--flag` would be and refused with the same words; throws OptionError. Text is
 * parsed as a flag's text; null means "none" for an option whose default is none.
 */
export function acceptValue<T>(key: string, spec: OptionSpec<T>, value: unknown): T {
  const name = `--${flagName(key)}`;
  if (typeof value === 'string') return spec.parse(value, name);
  if (value === null && spec.default === null) return spec.default;
  const text = spec.format?.(value);
  if (text === undefined) throw new OptionError(`${name}: expected ${spec.switch ? 'true or false' : (spec.metavar ?? 'TEXT')}, got ${shownValue(value)}`);
  return spec.parse(text, name);
}

function shownValue(value: unknown): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return 'an object that cannot be written as JSON';
  }
}

/** A finite number as option text, or undefined for anything else. */
export function numberText(value: unknown, unit = ''): string | undefined {
  if (typeof value !== 'number') return undefined;
  // Negative, infinite and NaN keep their own spelling, which parse refuses as it would on a command line.
  return Number.isFinite(value) && value >= 0 ? `${value}${unit}` : String(value);
}

/** A `{ host, port }` (host optional) as option text, or undefined for anything else. */
export function hostPortText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { host, port } = value as { host?: unknown; port?: unknown };
  if ((host !== undefined && typeof host !== 'string') || typeof port !== 'number') return undefined;
  return formatHostPort({ host: host ?? '', port });
}

function shownDefault(spec: OptionSpec<unknown>): string {
  return spec.shown ?? (spec.switch ? String(spec.default) : JSON.stringify(spec.default));
}

function usageOf(key: string, spec: OptionSpec<unknown>): string {
  return `--${flagName(key)}${spec.switch ? '' : ` ${spec.metavar ?? 'VALUE'}`}`;
}

/** --help's option list: a heading per group, each option with its value's shape, default and variable. */
export function helpText(groups: readonly OptionGroup[]): string {
  return groups
    .map(({ title, options }) => {
      const rows = Object.entries(options).map(([key, spec]) => `  ${usageOf(key, spec)}\n      ${spec.description} (default: ${shownDefault(spec)}; env ${envName(key)})`);
      return `${title}:\n${rows.join('\n')}`;
    })
    .join('\n\n');
}

/** The same options as Markdown tables, one per group, for the README. */
export function markdownTable(groups: readonly OptionGroup[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return groups
    .map(({ title, options }) => {
      const rows = Object.entries(options).map(
        ([key, spec]) => `| \`${usageOf(key, spec)}\` | \`${envName(key)}\` | ${cell(shownDefault(spec))} | ${cell(spec.description)} |`,
      );
      return [`**${title}**`, '', '| flag | environment | default | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n');
    })
    .join('\n\n');
}

/** A size or count option where 0 means no limit (see settleLimits). */
export function noLimitAtZero(spec: OptionSpec<number>): OptionSpec<number> {
  return { ...spec, limit: true };
}

/**
 * The one place "0 = no limit" is read: every limit option of the table that holds 0
 * becomes Infinity, so whoever enforces it compares against the number and nothing
 * else. Settled values (Infinity) stay as they are.
 */
export function settleLimits<Values extends Record<string, unknown>>(table: OptionTable, values: Values): Values {
  const settled: Record<string, unknown> = { ...values };
  for (const [key, spec] of Object.entries(table)) {
    if (spec.limit && settled[key] === 0) settled[key] = Infinity;
  }
  return settled as Values;
}

// ---- Parsers shared by every option table -------------------------------------------------

/** C0 and C1 controls and DEL: none belongs in a name, path, address, search or secret. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Free text, refused when it holds a control character: a label or a user name goes
 * into headers, webhook bodies and protocol lines, where a CR or LF would split a line.
 * The value is not echoed: it may be a secret.
 */
export function text(description: string, value = '', metavar = 'TEXT'): OptionSpec<string> {
  return {
    description,
    default: value,
    metavar,
    parse: (t, name) => withoutControls(t, name),
  };
}

/** The text, or an OptionError naming where its first control character is (not the text: it may be a secret). */
function withoutControls(t: string, name: string): string {
  const at = t.search(CONTROL);
  if (at >= 0) throw new OptionError(`${name}: a control character (U+${t.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0')}) at position ${at + 1} is not allowed`);
  return t;
}

/** A path to a file (or, with metavar DIR, a folder); '' = none. */
export function file(description: string, metavar: 'FILE' | 'DIR' = 'FILE'): OptionSpec<string> {
  return text(description, '', metavar);
}

export function flag(description: string, value = false): OptionSpec<boolean> {
  return {
    description,
    default: value,
    switch: true,
    format: (v) => (typeof v === 'boolean' ? String(v) : undefined),
    parse: (t, name) => {
      if (/^(1|true|yes|on)$/i.test(t)) return true;
      if (/^(0|false|no|off)$/i.test(t)) return false;
      throw new OptionError(`${name}: expected true or false, got "${t}"`);
    },
  };
}

export function integer(description: string, value: number, min = 0, max = Number.MAX_SAFE_INTEGER): OptionSpec<number> {
  // Past 2^53 a number no longer counts one by one; no option here needs one that large.
  const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}, with at most 15 digits` : `from ${min} to ${max}`;
  return {
    description,
    default: value,
    metavar: 'N',
    format: (v) => numberText(v),
    parse: (t, name) => {
      const n = Number(t);
      if (!/^-?\d+$/.test(t.trim()) || n < min || n > max) throw new OptionError(`${name}: expected a whole number ${range}, got "${t}"`);
      return n;
    },
  };
}

const MAX_SIZE = 1024 ** 4;
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** A byte size such as `50MB`, `512k` or `1048576`. */
export function size(description: string, value: number): OptionSpec<number> {
  return {
    description,
    default: value,
    shown: formatSize(value),
    metavar: 'SIZE',
    format: (v) => numberText(v),
    parse: (t, name) => {
      const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(t.trim());
      const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()];
      if (!match || unit === undefined) throw new OptionError(`${name}: expected a size such as 50MB, got "${t}"`);
      const bytes = Math.round(Number(match[1]) * unit);
      if (bytes > MAX_SIZE) throw new OptionError(`${name}: "${t}" is more than 1024GB, larger than any limit here can mean`);
      // A fraction of a byte is a slip, and 0.4 would round to 0: "no limit" for the sizes that are limits.
      if ((unit === 1 && !Number.isInteger(Number(match[1]))) || (bytes === 0 && Number(match[1]) > 0)) {
        throw new OptionError(`${name}: "${t}" is not a whole number of bytes`);
      }
      return bytes;
    },
  };
}

function formatSize(bytes: number): string {
  for (const [unit, factor] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

const MAX_DURATION_MS = 2 ** 31 - 1;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds, written `30s`, `10m`, `500ms` or plain seconds. */
export function duration(description: string, valueMs: number): OptionSpec<number> {
  return {
    description,
    default: valueMs,
    shown: valueMs % 1000 === 0 ? `${valueMs / 1000}s` : `${valueMs}ms`,
    metavar: 'DURATION',
    // In code a duration is a number of milliseconds, as the Config holds it.
    format: (v) => numberText(v, 'ms'),
    parse: (t, name) => {
      return timerDuration(t, name);
    },
  };
}

/**
 * A duration a timer can wait, in milliseconds; throws OptionError. Node's timers hold
 * 32 bits of milliseconds: a longer wait would fire at once. Nor may a duration round
 * to 0 from more than nothing: 0 turns a timeout off.
 */
export function timerDuration(t: string, name: string): number {
  const ms = parseDuration(t);
  if (ms === undefined) throw new OptionError(`${name}: expected a duration such as 30s or 10m, got "${t}"`);
  if (ms > MAX_DURATION_MS) throw new OptionError(`${name}: "${t}" is longer than 24 days, the longest wait a timer here can hold`);
  if (ms === 0 && /[1-9]/.test(t)) throw new OptionError(`${name}: "${t}" is less than a millisecond (0 means none)`);
  return ms;
}

export function parseDuration(t: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(t.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (DURATION_UNITS[(match[2] ?? 's').toLowerCase()] ?? 1000));
}

/**
 * A listener address, or `off` to turn the listener off. A port given without a host
 * (`:1025`, `1025`) gets host '' and binds to loopback, or to every interface with
 * --listen-all (see resolveListenHost).
 */
export function listener(description: string, port: number | null): OptionSpec<HostPort | null> {
  return {
    description: description + '; HOST:PORT, or "off"',
    default: port === null ? null : { host: '', port },
    shown: port === null ? 'off' : `127.0.0.1:${port}`,
    metavar: 'HOST:PORT',
    format: (v) => (v === null || v === false ? 'off' : hostPortText(v)),
    parse: (t, name) => {
      if (/^(off|false|no|none)$/i.test(t.trim())) return null;
      try {
        return parseHostPort(t, '');
      } catch (error) {
        throw new OptionError(`${name}: ${(error as Error).message}`);
      }
    },
  };
}

export function oneOf<const T extends string>(description: string, value: T, choices: readonly T[]): OptionSpec<T> {
  return {
    description: `${description} (${choices.join(', ')})`,
    default: value,
    metavar: choices.join('|'),
    parse: (t, name) => {
      if (!(choices as readonly string[]).includes(t)) throw new OptionError(`${name}: expected one of ${choices.join(', ')}, got "${t}"`);
      return t as T;
    },
  };
}

/** A comma-separated list. */
export function list(description: string, value: string[] = []): OptionSpec<string[]> {
  return {
    description,
    default: value,
    shown: value.join(',') || 'none',
    metavar: 'LIST',
    format: (v) => (Array.isArray(v) && v.every((item) => typeof item === 'string') ? v.join(',') : undefined),
    parse: (t, name) => withoutControls(t, name).split(',').map((s) => s.trim()).filter(Boolean),
  };
}
