import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { LetterboxOptionError, toConfig } from '../../server/index.js';
import { OptionError } from '../../server/lib/options.js';
import { databaseWhere } from '../../server/store/database.js';

const SECRET = 's3cr3t-Pa55';

/** The one line the command line refuses these flags (and variables) with. */
function refusal(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig(argv, env);
  } catch (error) {
    if (error instanceof OptionError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

describe('--database', () => {
  it('takes a postgres:// or postgresql:// URL, from the flag, the variable or startLetterbox', () => {
    const url = `postgres://letterbox:${SECRET}@db.example:6543/mail`;
    expect(loadConfig(['--database', url], {}).database).toBe(url);
    expect(loadConfig([], { LETTERBOX_DATABASE: url.replace('postgres:', 'postgresql:') }).database).toBe(url.replace('postgres:', 'postgresql:'));
    expect(toConfig({ database: url }).database).toBe(url);
    expect(loadConfig([], {}).database).toBe('');
  });

  it.each([
    ['another scheme', `mysql://root:${SECRET}@db.example/mail`, /expected a postgres:\/\/ or postgresql:\/\/ URL, got "mysql:"/],
    ['no URL at all', `${SECRET}@db.example`, /expected a URL such as postgres:/],
    ['a URL that does not parse', `postgres://root:${SECRET}@[bad/mail`, /expected a URL such as postgres:/],
    ['a line break', `postgres://root:${SECRET}@db.example/mail\r\nX`, /control character/],
    ['a NUL', `postgres://root:${SECRET}@db.example/\u0000`, /control character/],
  ])('refuses %s in one line that never shows the password', (_what, url, expected) => {
    for (const message of [refusal(['--database', url]), refusal([], { LETTERBOX_DATABASE: url })]) {
      expect(message).toMatch(expected);
      expect(message).not.toContain(SECRET);
      expect(message).not.toMatch(/[\r\n]/);
    }
    expect(() => toConfig({ database: url })).toThrow(LetterboxOptionError);
    expect(() => toConfig({ database: url })).toThrow(expected);
    try {
      toConfig({ database: url });
    } catch (error) {
      expect((error as Error).message).not.toContain(SECRET);
    }
  });

  it('is refused beside --data-dir, in one line saying how the journal moves', () => {
    const message = refusal(['--database', `postgres://u:${SECRET}@db.example/mail`, '--data-dir', '/tmp/mail']);
    expect(message).toMatch(/--database and --data-dir cannot be combined.*letterbox migrate/);
    expect(message).not.toContain(SECRET);
  });

  it('names where it points as host:port, the default port, an IPv6 host and a socket folder', () => {
    expect(databaseWhere(`postgres://u:${SECRET}@db.example:6543/mail`)).toBe('db.example:6543');
    expect(databaseWhere('postgresql://db.example/mail')).toBe('db.example:5432');
    expect(databaseWhere('postgres://u@[::1]:7000/mail')).toBe('[::1]:7000');
    expect(databaseWhere('postgresql://postgres@%2Ftmp%2Fpg/mail')).toBe('/tmp/pg:5432');
  });
});

describe('--cache-size', () => {
  it('is 256MB unless given, in the size syntax of the other size options', () => {
    expect(loadConfig([], {}).cacheSize).toBe(256 * 1024 ** 2);
    expect(loadConfig(['--cache-size', '64MB'], {}).cacheSize).toBe(64 * 1024 ** 2);
    expect(toConfig({ cacheSize: '1GB' }).cacheSize).toBe(1024 ** 3);
    expect(refusal(['--cache-size', 'lots'])).toMatch(/--cache-size: expected a size such as 50MB/);
  });
});
