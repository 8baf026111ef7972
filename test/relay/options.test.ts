import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { toConfig } from '../../server/index.js';
import { OptionError } from '../../server/lib/options.js';
import { silentLogger } from '../../server/lib/log.js';
import { releaseSettings } from '../../server/relay/relay-front.js';
import { createSandbox } from '../../server/sandbox.js';

const settings = (...argv: string[]) => releaseSettings(loadConfig(argv, {}));

describe('release options', () => {
  it('leaves release off until it is configured', () => {
    expect(settings()).toBeNull();
  });

  it('reads a smarthost with credentials, and MX delivery with its allow-list', () => {
    expect(settings('--release-smarthost', 'smtp.example.com:587', '--release-smarthost-user', 'u', '--release-smarthost-password', 'p')).toMatchObject({
      mode: 'smarthost',
      smarthost: { host: 'smtp.example.com', port: 587 },
      smarthostAuth: { user: 'u', password: 'p' },
    });
    expect(settings('--release-mx', '--release-allow', 'BLUE.com,*.blue.com,localhost,bob.o-neil+tag@red.com')?.allow.patterns).toHaveLength(4);
    const mx = settings('--release-mx', '--release-allow', 'blue.com,*@green.com,bob@red.com', '--release-port', '2525', '--dns-server', '127.0.0.1:5353');
    expect(mx).toMatchObject({ mode: 'mx', mxPort: 2525 });
    expect(['x@blue.com', 'y@green.com', 'bob@red.com', 'eve@red.com', 'x@sub.blue.com'].map((a) => mx?.allow.allows(a))).toEqual([true, true, true, false, false]);
    expect(loadConfig(['--dns-server', '127.0.0.1:5353'], {}).dnsServer).toBe('127.0.0.1:5353');
    for (const server of ['::1', '[::1]:5353', '10.0.0.2']) expect(loadConfig(['--dns-server', server], {}).dnsServer).toBe(server);
    expect(loadConfig([], { LETTERBOX_RELEASE_RETRY: '1s,30s' }).releaseRetry).toEqual([1000, 30000]);
    // No retries: given as an empty list, in a flag or through startLetterbox().
    expect(loadConfig(['--release-retry', ''], {}).releaseRetry).toEqual([]);
    expect(toConfig({ releaseRetry: [] }).releaseRetry).toEqual([]);
  });

  it('refuses combinations that cannot work, with a clear message', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--release-mx'], /--release-mx needs --release-allow/],
      [['--release-mx', '--release-allow', 'blue.com', '--release-smarthost', 'a.example:25'], /either --release-smarthost or --release-mx/],
      [['--release-auto', 'to:@blue.com'], /--release-auto needs/],
      [['--release-smarthost', 'nohost'], /expected HOST:PORT/],
      [['--dns-server', 'dns.example.com'], /expected an IP address/],
      [['--release-retry', '1m,soon'], /durations/],
      // A slip, not a retry fewer; and a wait past a timer's 24 days would fire at once.
      [['--release-retry', '1m,,5m'], /durations/],
      [['--release-retry', '1m,999h'], /--release-retry: "999h" is longer than 24 days/],
      [['--dns-server', '999.1.1.1'], /expected an IP address/],
      [['--dns-server', 'abc'], /expected an IP address/],
      [['--dns-server', '127.0.0.1:70000'], /expected an IP address/],
      // A line break is refused as free text before it is read as an address.
      [['--release-smarthost', 'a.example:25', '--release-sender', 'x>\r\nRCPT TO:<y@z'], /--release-sender: a control character/],
      [['--release-smarthost', 'a.example:25', '--release-sender', 'x>y@z'], /not an address/],
      [['--release-mx', '--release-allow', 'blue com'], /--release-allow/],
      // Each of these would compile to a rule that matches no recipient at all.
      ...['blue.com.', 'blue..com', '*@blue.com@red.com', '*.bob@blue.com', '*@*.blue.com', '*', 'bob smith@blue.com'].map(
        (pattern): [string[], RegExp] => [['--release-mx', '--release-allow', pattern], /--release-allow: ".*" is not blue\.com/],
      ),
    ];
    for (const [argv, message] of cases) expect(() => settings(...argv), argv.join(' ')).toThrow(message);
    expect(() => settings('--release-mx')).toThrow(OptionError);
  });

  it('refuses an --release-auto search it cannot compile', async () => {
    const config = loadConfig(['--release-mx', '--release-allow', 'blue.com', '--release-auto', 'is:bogus', '--smtp', '127.0.0.1:0', '--listen', 'off', '--pop3', 'off', '--imap', 'off'], {});
    await expect(createSandbox(config, { logger: silentLogger })).rejects.toThrow(/--release-auto: unknown "is:bogus"/);
  });
});
