import { OptionError, size, type OptionSpec, type OptionValues } from '../lib/options.js';

/**
 * A PostgreSQL connection URL (RFC 3986; libpq's `postgres://` and `postgresql://`
 * schemes). The URL carries the password, so no message made here shows it: a URL
 * that does not parse is not echoed at all, one that does is shown without it.
 */
export function databaseUrl(description: string): OptionSpec<string> {
  return {
    description,
    default: '',
    metavar: 'URL',
    parse: (value, name) => {
      if (value === '') return '';
      // A CR, LF or NUL would reach the connection string and the logs as they are.
      if (/[\u0000-\u001f\u007f]/.test(value)) throw new OptionError(`${name}: the URL holds a control character`);
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new OptionError(`${name}: expected a URL such as postgres://user:password@host:5432/database`);
      }
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
        throw new OptionError(`${name}: expected a postgres:// or postgresql:// URL, got ${JSON.stringify(url.protocol.slice(0, 40))} (${redactedUrl(value)})`);
      }
      return value;
    },
  };
}

/** The URL as it may be shown: the password, if any, replaced by `***`. */
export function redactedUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    // A password given as a parameter (libpq's ?password=) is hidden too.
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.href;
  } catch {
    return 'the URL given';
  }
}

/** Where the mail lives besides memory: a PostgreSQL database shared by every node. */
export const storeOptions = {
  database: databaseUrl('Keep the mail in this PostgreSQL database (postgres://user:password@host:5432/db), so every node on it serves one sandbox (off: this process alone)'),
  cacheSize: size('With --database: most bytes of message bodies a node keeps in memory, all inboxes together (the rest is read from the database on demand)', 256 * 1024 ** 2),
};

export type StoreConfig = OptionValues<typeof storeOptions>;
