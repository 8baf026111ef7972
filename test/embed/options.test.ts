import { createServer, type Server } from 'node:net';
import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, optionTable } from '../../server/config.js';
import { LetterboxOptionError, startLetterbox, toConfig, type LetterboxOptions } from '../../server/index.js';
import { flagName, OptionError, parseOptions } from '../../server/lib/options.js';

type Outcome = { value: unknown } | { error: string };

/** What the command line makes of `--flag=text`: the value, or the one line it refuses with. */
function cli(key: string, text: string): Outcome {
  try {
    return { value: parseOptions(optionTable, [`--${flagName(key)}=${text}`], {})[key as keyof typeof optionTable] };
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    return { error: error.message };
  }
}

/** What startLetterbox's options make of the same: the value, or a LetterboxOptionError's message. */
function embedded(options: Record<string, unknown>, key: string): Outcome {
  try {
    return { value: (toConfig(options as LetterboxOptions) as unknown as Record<string, unknown>)[key] };
  } catch (error) {
    if (!(error instanceof LetterboxOptionError)) throw error;
    return { error: error.message };
  }
}

/** The message toConfig refuses these options with (failing the test if it accepts them). */
function refusal(options: Record<string, unknown>): string {
  const outcome = embedded(options, '');
  if (!('error' in outcome)) throw new Error(`accepted ${JSON.stringify(options)}`);
  return outcome.error;
}

/** The message the command line refuses these flags with. */
function cliRefusal(argv: string[]): string {
  try {
    loadConfig(argv, {});
  } catch (error) {
    if (error instanceof OptionError) return error.message;
    throw error;
  }
  throw new Error(`accepted ${argv.join(' ')}`);
}

const GROUPS = ['smtp', 'smtps', 'http', 'pop3', 'pop3s', 'imap', 'imaps'];
/** Options given flat: every one but the listener addresses, which are groups. */
const FLAT_KEYS = Object.keys(optionTable).filter((key) => !GROUPS.includes(key) && key !== 'listen');
const keysShaped = (metavar: string) => FLAT_KEYS.filter((key) => (optionTable as Record<string, { metavar?: string }>)[key]?.metavar === metavar);

describe('startLetterbox options are checked as flags are', () => {
  test.prop([fc.constantFrom(...FLAT_KEYS), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('0', '-1', '1.5', '50MB', '10m', 'off', 'yes', '127.0.0.1:25', '60/min', 'Sender:451:50'))], {
    numRuns: 600,
  })('text for any option means what the same flag means, or is refused in the same words', (key, text) => {
    expect(embedded({ [key]: text }, key)).toEqual(cli(key, text));
  });

  test.prop([fc.constantFrom(...keysShaped('N'), ...keysShaped('SIZE')), fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 2 ** 53, 1e21, 1024 ** 4 + 1))], { numRuns: 400 })(
    'a number for a count or a size means what the same digits mean on the command line',
    (key, n) => {
      expect(embedded({ [key]: n }, key)).toEqual(cli(key, String(n)));
    },
  );

  test.prop([fc.constantFrom(...keysShaped('DURATION')), fc.oneof(fc.integer({ min: -10, max: 2 ** 32 }), fc.double())], { numRuns: 300 })(
    'a number for a duration is milliseconds, with the command line’s bounds and words',
    (key, ms) => {
      const asFlag = Number.isFinite(ms) && ms >= 0 ? `${ms}ms` : String(ms);
      expect(embedded({ [key]: ms }, key)).toEqual(cli(key, asFlag));
    },
  );

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a size that is no size', { smtpMaxSize: 'huge' }, ['--smtp-max-size', 'huge']],
    ['a size in a listener group', { smtp: { maxSize: 'huge' } }, ['--smtp-max-size', 'huge']],
    ['a negative size', { maxBytes: -1 }, ['--max-bytes', '-1']],
    ['a huge size', { imap: { maxLiteral: 2 ** 50 } }, ['--imap-max-literal', String(2 ** 50)]],
    ['a negative count', { maxMessages: -1 }, ['--max-messages', '-1']],
    ['a fractional count', { maxConnections: 2.5 }, ['--max-connections', '2.5']],
    ['a count past its bound', { pop3: { maxLine: 70_000 } }, ['--pop3-max-line', '70000']],
    ['a negative duration', { shutdownGrace: -5 }, ['--shutdown-grace', '-5']],
    ['a duration longer than a timer holds', { smtp: { timeout: 2 ** 40 } }, ['--smtp-timeout', `${2 ** 40}ms`]],
    ['a duration that is no duration', { webhookTimeout: 'soon' }, ['--webhook-timeout', 'soon']],
    ['a port out of range', { smtp: { port: 70_000 } }, ['--smtp', '127.0.0.1:70000']],
    ['a negative port', { http: { port: -1 } }, ['--listen', '127.0.0.1:-1']],
    ['a smarthost without a port', { releaseSmarthost: 'mail.example' }, ['--release-smarthost', 'mail.example']],
    ['a spamd port out of range', { enableSpamassassin: { host: '127.0.0.1', port: 99_999 } }, ['--enable-spamassassin', '127.0.0.1:99999']],
    ['a choice that is not offered', { logFormat: 'xml' }, ['--log-format', 'xml']],
    ['a choice in the wrong case', { smtp: { tls: 'Files' } }, ['--smtp-tls', 'Files']],
    ['a switch that is neither', { listenAll: 'maybe' }, ['--listen-all=maybe']],
    ['a rate of nothing per minute', { releaseRate: { count: 0, windowMs: 60_000 } }, ['--release-rate', '0/min']],
    ['a fault with no such reply code', { chaosTriggers: { mail: { code: 999, probability: 50 } } }, ['--chaos-triggers', 'Sender:999:50']],
    ['a retry schedule with a negative wait', { releaseRetry: [60_000, -1] }, ['--release-retry', '60000ms,-1']],
  ])('refuse %s in the words of the equivalent flag', (_, options, argv) => {
    expect(refusal(options)).toBe(cliRefusal(argv));
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a switch given a number', { listenAll: 2 }, /^--listen-all: expected true or false, got 2$/],
    ['a size given an object', { smtpMaxSize: {} }, /^--smtp-max-size: expected SIZE, got \{\}$/],
    ['a duration given a switch', { pop3: { timeout: true } }, /^--pop3-timeout: expected DURATION, got true$/],
    ['a host that is not text', { http: { host: 5 } }, /^--listen: expected HOST:PORT, got \{"host":5,"port":0\}$/],
    ['a choice given a number', { logLevel: 1 }, /^--log-level: expected .*, got 1$/],
    ['a list with a number in it', { releaseAllow: ['blue.com', 1] }, /^--release-allow: expected LIST, got \["blue.com",1\]$/],
    ['text given a number', { label: 42 }, /^--label: expected TEXT, got 42$/],
    ['a rate over an unknown window', { releaseRate: { count: 5, windowMs: 42 } }, /^--release-rate: expected N\/min, got/],
    ['a group that is not an object', { smtp: 25 }, /^option "smtp" must be an object or false$/],
    ['an unknown option', { bogus: 1 }, /^unknown option "bogus"$/],
    ['an option in the wrong case', { maxmessages: 5 }, /^unknown option "maxmessages" \(did you mean "maxMessages"\?\)$/],
    ['a group in the wrong case', { SMTP: {} }, /^unknown option "SMTP" \(did you mean "smtp"\?\)$/],
    ['a group field in the wrong case', { smtp: { MaxSize: 1 } }, /^unknown option "smtp.MaxSize" \(did you mean "smtp.maxSize"\?\)$/],
    ['an unknown group field', { imap: { maxSize: 1 } }, /^unknown option "imap.maxSize"$/],
    ['a flat option under the wrong group', { pop3: { maxMessages: 1 } }, /^unknown option "pop3.maxMessages"$/],
  ])('refuse %s, never ignore it', (_, options, message) => {
    expect(refusal(options)).toMatch(message);
  });

  it('take typed values as the same flags would', () => {
    // Text where a number is typed, as a value read from a file or the environment would be.
    const options: Record<string, unknown> = {
      smtp: { maxSize: '1MB', timeout: 1500 },
      maxBytes: 2048,
      listenAll: true,
      releaseRate: { count: 5, windowMs: 1000, text: 'ignored' },
      releaseRetry: [1000, 60_000],
      chaosTriggers: { mail: { code: 451, probability: 50 } },
      enableSpamassassin: { host: '127.0.0.1', port: 783 },
      apiCors: ['https://a.example', 'https://b.example'],
      smtps: {},
    };
    expect(toConfig(options as LetterboxOptions)).toMatchObject({
      smtpMaxSize: 1024 * 1024,
      smtpTimeout: 1500,
      maxBytes: 2048,
      listenAll: true,
      releaseRate: { count: 5, windowMs: 1000, text: '5/s' },
      releaseRetry: [1000, 60_000],
      chaosTriggers: { mail: { code: 451, probability: 50 } },
      enableSpamassassin: { host: '127.0.0.1', port: 783 },
      apiCors: ['https://a.example', 'https://b.example'],
      smtps: { host: '127.0.0.1', port: 0 },
    });
  });

  it.each<[string, LetterboxOptions, string[]]>([
    ['a TLS listener without TLS', { smtps: {}, http: false, pop3: false, imap: false }, ['--smtps', '127.0.0.1:0']],
    ['MX release without an allow-list', { releaseMx: true, http: false, pop3: false, imap: false }, ['--release-mx']],
    ['a release sender that is no address', { releaseSmarthost: { host: '127.0.0.1', port: 2525 }, releaseSender: 'not an address', http: false, pop3: false, imap: false }, ['--release-smarthost', '127.0.0.1:2525', '--release-sender', 'not an address']],
  ])('refuse %s as the command line does, before listening', async (_, options, argv) => {
    const failure = await startLetterbox(options).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LetterboxOptionError);
    // Some of these are only found as the sandbox is built; the CLI builds it too.
    const expected = await (async () => {
      try {
        const { createSandbox } = await import('../../server/sandbox.js');
        await createSandbox(loadConfig(argv, {}));
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    })();
    expect((failure as Error).message).toBe(expected);
  });
});

describe('startLetterbox with a port already taken', () => {
  let blocker: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve())));

  it.each<[keyof LetterboxOptions & string, string]>([
    ['smtp', '--smtp'],
    ['http', '--listen'],
    ['pop3', '--pop3'],
    ['imap', '--imap'],
  ])('refuses %s with a LetterboxOptionError naming the flag that moves it, as the CLI says', async (group, option) => {
    const taken = createServer();
    blocker = taken;
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const failure = await startLetterbox({ [group]: { port } }).then(
      (box) => box.stop().then(() => undefined),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LetterboxOptionError);
    expect((failure as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use (move it with ${option} HOST:PORT, or turn it off with ${option} off)`);
  });
});
