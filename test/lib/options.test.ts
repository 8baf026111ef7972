import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort } from '../../server/lib/host-port.js';
import {
  duration,
  envName,
  flag,
  flagName,
  helpText,
  integer,
  list,
  listener,
  noLimitAtZero,
  OptionError,
  parseDuration,
  parseOptions,
  settleLimits,
  size,
  text,
} from '../../server/lib/options.js';

const table = {
  smtp: listener('SMTP listener', 1025),
  smtps: listener('SMTPS listener', null),
  maxSize: size('Largest message', 50 * 1024 * 1024),
  maxMessages: integer('Most messages', 5_000, 0, 1_000_000),
  listenAll: flag('Listen everywhere'),
  label: text('A label'),
  timeout: duration('Idle time', 300_000),
  domains: list('Allowed domains'),
};

describe('option tables', () => {
  it('derives --kebab flags and LETTERBOX_SNAKE variables from camelCase keys', () => {
    expect(flagName('smtpMaxSize')).toBe('smtp-max-size');
    expect(envName('smtpMaxSize')).toBe('LETTERBOX_SMTP_MAX_SIZE');
  });

  it('gives the defaults with no flags and no environment', () => {
    expect(parseOptions(table, [], {})).toEqual({
      smtp: { host: '', port: 1025 },
      smtps: null,
      maxSize: 50 * 1024 * 1024,
      maxMessages: 5_000,
      listenAll: false,
      label: '',
      timeout: 300_000,
      domains: [],
    });
  });

  it('takes flags over the environment, and the environment over defaults', () => {
    const env = { LETTERBOX_MAX_MESSAGES: '10', LETTERBOX_LABEL: 'from env', LETTERBOX_LISTEN_ALL: 'yes', LETTERBOX_TIMEOUT: '' };
    const values = parseOptions(table, ['--max-messages', '20', '--smtp=0.0.0.0:2525', '--smtps', 'off'], env);
    expect(values).toMatchObject({ maxMessages: 20, label: 'from env', listenAll: true, smtp: { host: '0.0.0.0', port: 2525 }, smtps: null, timeout: 300_000 });
  });

  it('reads switches alone, negated, or with a value', () => {
    expect(parseOptions(table, ['--listen-all'], {}).listenAll).toBe(true);
    expect(parseOptions(table, ['--no-listen-all'], { LETTERBOX_LISTEN_ALL: 'true' }).listenAll).toBe(false);
    expect(parseOptions(table, ['--listen-all=off'], {}).listenAll).toBe(false);
  });

  it.each([
    [['--nope'], /unknown option --nope/],
    [['positional'], /unexpected argument "positional"/],
    [['--label'], /--label needs a value/],
    [['--no-label'], /unknown option|not a switch/],
    [['--max-size', 'lots'], /--max-size: expected a size/],
    [['--max-messages', '-1'], /--max-messages: expected a whole number from 0 to 1000000/],
    [['--max-messages', '1.5'], /expected a whole number/],
    [['--timeout', 'soon'], /--timeout: expected a duration/],
    [['--smtp', 'host:99999'], /--smtp: "host:99999" is not HOST:PORT/],
    [['--listen-all=maybe'], /expected true or false/],
  ])('refuses %j with an OptionError that names it', (argv, message) => {
    expect(() => parseOptions(table, argv, {})).toThrow(OptionError);
    expect(() => parseOptions(table, argv, {})).toThrow(message);
  });

  it('names the variable when the environment is wrong', () => {
    expect(() => parseOptions(table, [], { LETTERBOX_MAX_SIZE: 'big' })).toThrow(/LETTERBOX_MAX_SIZE/);
  });

  it('refuses a LETTERBOX_ variable that is no option, naming the one it is a typo of; not the client commands\' own', () => {
    expect(() => parseOptions(table, [], { LETTERBOX_MAX_MESAGES: '3' })).toThrow('LETTERBOX_MAX_MESAGES is not an option\'s variable (did you mean LETTERBOX_MAX_MESSAGES?); see --help');
    expect(() => parseOptions(table, [], { LETTERBOX_SOMETHING_ELSE_ENTIRELY: '1' })).toThrow(/^LETTERBOX_SOMETHING_ELSE_ENTIRELY is not an option's variable; see --help$/);
    // Set but empty is unset, as for an option's own variable; other prefixes are not ours.
    const env = { LETTERBOX_MAX_MESAGES: '', LETTERBOX_URL: 'http://127.0.0.1:8025/', LETTERBOX_SMTP_AUTH: 'u:p', Letterbox_Label: 'x', PATH: '/bin' };
    expect(parseOptions(table, [], env).maxMessages).toBe(5_000);
  });

  it('refuses a flag given twice, which of the two was meant being unknowable', () => {
    expect(() => parseOptions(table, ['--label', 'x', '--label=y'], {})).toThrow('--label is given more than once');
    expect(() => parseOptions(table, ['--listen-all', '--no-listen-all'], {})).toThrow('--listen-all is given more than once');
    expect(() => parseOptions(table, ['--domains', 'a.example', '--domains', 'b.example'], {})).toThrow(/more than once/);
  });

  it('refuses a size or duration that would round to 0 (no limit, no timeout) from more than nothing', () => {
    for (const text of ['0.4', '1.5', '0.0001k']) expect(() => parseOptions(table, ['--max-size', text], {})).toThrow(`--max-size: "${text}" is not a whole number of bytes`);
    expect(() => parseOptions(table, ['--timeout', '0.0001s'], {})).toThrow('--timeout: "0.0001s" is less than a millisecond (0 means none)');
    expect(parseOptions(table, ['--max-size', '1.1MB', '--timeout', '0'], {})).toMatchObject({ maxSize: Math.round(1.1 * 1024 ** 2), timeout: 0 });
  });

  it('refuses a control character in a list, as in free text', () => {
    expect(() => parseOptions(table, ['--domains', 'a.example,\r\nb.example'], {})).toThrow(/--domains: a control character \(U\+000D\)/);
  });

  it('reads sizes, durations and lists', () => {
    expect(parseOptions(table, ['--max-size', '512k'], {}).maxSize).toBe(512 * 1024);
    expect(parseOptions(table, ['--max-size', '1.5MB'], {}).maxSize).toBe(1.5 * 1024 * 1024);
    expect(parseOptions(table, ['--max-size', '0'], {}).maxSize).toBe(0);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseOptions(table, ['--domains', ' a.example, ,b.example '], {}).domains).toEqual(['a.example', 'b.example']);
  });

  it('lists every option in the help with its default and variable', () => {
    const help = helpText([{ title: 'All', options: table }]);
    for (const key of Object.keys(table)) {
      expect(help).toContain(`--${flagName(key)}`);
      expect(help).toContain(envName(key));
    }
    expect(help).toContain('(default: 127.0.0.1:1025;');
    expect(help).toContain('(default: off;');
    expect(help).toContain('(default: 50MB;');
    expect(help).toContain('(default: 300s;');
  });

  it('shows what each value looks like, under the heading of its group', () => {
    const help = helpText([{ title: 'Listeners', options: { smtp: table.smtp } }, { title: 'Limits', options: { maxSize: table.maxSize, timeout: table.timeout } }]);
    expect(help.split('\n').filter((line) => !line.startsWith('      '))).toEqual(['Listeners:', '  --smtp HOST:PORT', '', 'Limits:', '  --max-size SIZE', '  --timeout DURATION']);
  });

  it('names no bound past what an option can mean, and refuses values past it', () => {
    expect(() => parseOptions({ count: integer('Count', 1) }, ['--count', '99999999999999999999'], {})).toThrow('--count: expected a whole number of at least 0, with at most 15 digits, got "99999999999999999999"');
    expect(() => parseOptions(table, ['--max-size', '99999999GB'], {})).toThrow(/more than 1024GB/);
    // Node's timers overflow past 2^31 - 1 ms and would fire at once.
    expect(() => parseOptions(table, ['--timeout', '600h'], {})).toThrow(/longer than 24 days/);
    expect(parseOptions(table, ['--timeout', '500h'], {}).timeout).toBe(500 * 3_600_000);
  });
});

describe('free text', () => {
  it('is refused with a control character in it, by flag and by variable, without echoing the value', () => {
    for (const bad of ['prod\r\nX-Injected: 1', 'a\u0000b', 'tab\there', 'del\u007f', 'c1\u0085']) {
      expect(() => parseOptions(table, ['--label', bad], {})).toThrow(OptionError);
      expect(() => parseOptions(table, [], { LETTERBOX_LABEL: bad })).toThrow(/LETTERBOX_LABEL: a control character \(U\+00[0-9A-F]{2}\) at position \d+ is not allowed/);
    }
    expect(() => parseOptions(table, ['--label', 'secret\nvalue'], {})).toThrow(/^--label: a control character \(U\+000A\) at position 7 is not allowed$/);
    expect(parseOptions(table, ['--label', 'Staging – Team Café ✉'], {}).label).toBe('Staging – Team Café ✉');
  });
});

describe('HOST:PORT', () => {
  it.each([
    ['1025', { host: '', port: 1025 }],
    [':1025', { host: '', port: 1025 }],
    ['0.0.0.0:25', { host: '0.0.0.0', port: 25 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
  ])('reads %s', (text, expected) => {
    expect(parseHostPort(text, '')).toEqual(expected);
  });

  it.each(['', 'host:', 'host:-1', 'host:65536', 'a:b', '[::1]'])('refuses %j', (text) => {
    expect(() => parseHostPort(text, '')).toThrow(/HOST:PORT/);
  });

  // Refused here, by the flag's name, not later at bind or connect as "cannot listen on a⏎b:0".
  it.each(['a\nb:0', 'foo bar:0', '-bad:25', 'a..b:25', 'x'.repeat(254) + ':25'])('refuses %j, whose host is no host', (text) => {
    expect(() => parseHostPort(text, '')).toThrow(/is not a host name or IP address/);
  });

  it('takes host names with an underscore, as container networks name services', () => {
    expect(parseHostPort('mail_relay:25', '')).toEqual({ host: 'mail_relay', port: 25 });
  });

  it('writes IPv6 hosts in brackets', () => {
    expect(formatHostPort({ host: '::1', port: 25 })).toBe('[::1]:25');
    expect(formatHostPort({ host: '127.0.0.1', port: 25 })).toBe('127.0.0.1:25');
  });
});

describe('limits', () => {
  const limits = { maxBytes: noLimitAtZero(size('Most bytes', 1024)), maxCount: noLimitAtZero(integer('Most things', 10)), retries: integer('Tries', 3) };

  it('settle a 0 into Infinity once, for limit options only, and leave settled values alone', () => {
    const parsed = parseOptions(limits, ['--max-bytes', '0', '--max-count', '7', '--retries', '0'], {});
    const settled = settleLimits(limits, parsed);
    expect(settled).toEqual({ maxBytes: Infinity, maxCount: 7, retries: 0 });
    expect(settleLimits(limits, settled)).toEqual(settled);
    // The help still shows the number given as the default.
    expect(helpText([{ title: 'Limits', options: limits }])).toContain('(default: 1KB; env LETTERBOX_MAX_BYTES)');
  });
});
